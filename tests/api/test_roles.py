"""Roles: learner (header or signed token), staff and maintainer bearer tokens, tokens from the data dir file."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.api.auth import BadCredentials, Tokens, ensure_tokens, identify, learner_token, load_tokens, tokens_path
from imaging_tutor.config import get_settings

from .conftest import MAINTAINER, STAFF, STAFF_TOKEN, bearer, learner

STAFF_ONLY = [("GET", "/api/v1/feedback")]
MAINTAINER_ONLY = [("GET", "/api/v1/evals/sets"), ("GET", "/api/v1/evals/runs"), ("GET", "/api/v1/evals/runs/abc")]


@pytest.mark.parametrize("method,path", STAFF_ONLY + MAINTAINER_ONLY)
def test_no_token_is_401_and_a_learner_is_403(client, method, path):
    assert client.request(method, path).status_code == 401
    assert client.request(method, path).headers["WWW-Authenticate"] == "Bearer"
    assert client.request(method, path, headers=learner()).status_code == 403
    assert client.request(method, path, headers=bearer("not-a-token")).status_code == 401


@pytest.mark.parametrize("method,path", MAINTAINER_ONLY)
def test_staff_cannot_use_maintainer_endpoints(client, method, path):
    assert client.request(method, path, headers=STAFF).status_code == 403


def test_maintainer_has_staff_rights(client):
    assert client.get("/api/v1/feedback", headers=MAINTAINER).status_code == 200
    assert client.get("/api/v1/evals/runs", headers=MAINTAINER).status_code == 200


def test_signed_learner_token_identifies_the_learner(client, api_settings):
    tokens = load_tokens(api_settings)
    token = learner_token(tokens, "ada")
    answer = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=bearer(token)).json()
    assert client.get(f"/api/v1/sessions/{answer['session_id']}", headers=learner("ada")).status_code == 200
    assert client.get("/api/v1/sessions", headers=bearer(token)).json()[0]["id"] == answer["session_id"]
    # a learner token is not a staff token, and cannot be bent to another id
    assert client.get("/api/v1/feedback", headers=bearer(token)).status_code == 403
    forged = token[:-4] + ("0000" if not token.endswith("0000") else "1111")
    assert client.get("/api/v1/sessions", headers=bearer(forged)).status_code == 401
    mismatch = {**bearer(token), "X-Learner-Id": "eve"}
    assert client.get("/api/v1/sessions", headers=mismatch).status_code == 401


def test_staff_issue_learner_tokens(client):
    r = client.post("/api/v1/learner-tokens", json={"learner_id": "ada"}, headers=STAFF)
    assert r.status_code == 200
    token = r.json()["token"]
    assert client.post("/api/v1/sessions", headers=bearer(token)).json()["learner_id"] == "ada"
    assert client.post("/api/v1/learner-tokens", json={"learner_id": "ada"}, headers=bearer(token)).status_code == 403
    assert client.post("/api/v1/learner-tokens", json={"learner_id": "ada"}).status_code == 401
    assert client.post("/api/v1/learner-tokens", json={"learner_id": "a b"}, headers=STAFF).status_code == 422


def test_identify_compares_whole_tokens():
    tokens = Tokens(staff="abc123", maintainer="xyz789", learner_secret="k")
    assert identify(tokens, "abc123", None).role == "staff"
    assert identify(tokens, "xyz789", None).role == "maintainer"
    assert identify(tokens, None, "ada", proxy_trusted=True).learner_id == "ada"
    for untrusted in ((None, "ada"), ("xyz789", "ada")):  # the header alone proves nothing
        with pytest.raises(BadCredentials):
            identify(tokens, *untrusted)
    assert identify(tokens, None, None).role == "anonymous"
    for wrong in ("abc12", "abc1234", "ABC123", "é"):
        with pytest.raises(Exception):
            identify(tokens, wrong, None)


def test_tokens_come_from_the_data_dir_file_when_settings_leave_them_unset(tutor_settings, app_for):
    settings = get_settings()
    assert settings.staff_token is None
    path = ensure_tokens(settings)
    assert path == tokens_path(settings) and path.stat().st_mode & 0o777 == 0o600
    stored = json.loads(path.read_text())
    assert ensure_tokens(settings) == path and json.loads(path.read_text()) == stored  # created once
    with TestClient(app_for(settings)) as c:
        assert c.get("/api/v1/feedback", headers=bearer(stored["staff_token"])).status_code == 200
        assert c.get("/api/v1/evals/runs", headers=bearer(stored["maintainer_token"])).status_code == 200
        assert c.get("/api/v1/feedback", headers=bearer(STAFF_TOKEN)).status_code == 401


def test_settings_tokens_win_and_no_file_is_needed(api_settings):
    assert ensure_tokens(api_settings) is None
    assert not tokens_path(api_settings).exists()
    assert load_tokens(api_settings).staff == STAFF_TOKEN


def test_without_any_token_staff_endpoints_stay_closed(tutor_settings, app_for):
    with TestClient(app_for(get_settings())) as c:
        assert c.get("/api/v1/feedback", headers=bearer("anything")).status_code == 401
        assert c.get("/api/v1/feedback").status_code == 401


def test_tokens_never_appear_in_responses_or_logs(client, caplog):
    with caplog.at_level("DEBUG"):
        r = client.get("/api/v1/feedback", headers=STAFF)
        client.get("/api/v1/feedback", headers=bearer(STAFF_TOKEN + "x"))
    assert STAFF_TOKEN not in r.text
    assert STAFF_TOKEN not in caplog.text
