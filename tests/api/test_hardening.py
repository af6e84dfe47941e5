"""Hardening: a private data dir (0700) and files (0600), security headers on every response, the docs pages served
from local assets under a strict CSP, tokens created by `serve` as by `up`, weak tokens refused."""
from __future__ import annotations

import re
import stat

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.api.app import create_app
from imaging_tutor.api.auth import WeakTokens, estimated_bits, tokens_path
from imaging_tutor.cli.serve import prepare_secrets
from imaging_tutor.config import Settings, get_settings

from .conftest import learner


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_is_0700_and_its_files_0600(tmp_path, make_services, monkeypatch):
    """The finding: tutor.db was created 0644 in a 0755 dir."""
    data = tmp_path / "fresh-data"
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    get_settings.cache_clear()
    settings = get_settings()
    services = make_services(settings)
    with TestClient(create_app(services=services)) as c:
        assert c.post("/api/v1/sessions", headers=learner()).status_code in (201, 401)
        services.db.ping()
    assert _mode(data) == 0o700
    for name in ("tutor.db", "tokens.json"):
        assert _mode(data / name) == 0o600, name
    for extra in data.glob("tutor.db-*"):
        assert _mode(extra) == 0o600, extra.name


def test_an_older_loose_data_dir_is_tightened(tutor_settings, make_services):
    data = tutor_settings.data_dir
    data.chmod(0o755)
    (data / "tutor.db").chmod(0o644)
    create_app(services=make_services(tutor_settings))
    assert _mode(data) == 0o700 and _mode(data / "tutor.db") == 0o600


def test_security_headers_on_api_responses(client):
    for method, path, kw in (("GET", "/api/v1/sections", {}), ("GET", "/readyz", {}),
                             ("POST", "/api/v1/chat", {"json": {"message": "What is PPV?"}, "headers": learner()}),
                             ("POST", "/api/v1/chat", {"json": {}}), ("GET", "/api/v1/sessions", {})):
        r = client.request(method, path, **kw)
        assert r.headers["x-content-type-options"] == "nosniff", path
        assert r.headers["cache-control"] == "no-store", path
        assert "default-src 'none'" in r.headers["content-security-policy"]
    stream = client.post("/api/v1/chat/stream", json={"message": "What is PPV?"}, headers=learner())
    assert stream.headers["cache-control"] == "no-store" and stream.headers["x-accel-buffering"] == "no"


def test_docs_pages_use_only_local_assets_under_a_strict_csp(client):
    for page in ("/api/v1/docs", "/api/v1/docs/redoc"):
        r = client.get(page)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "<script>" not in r.text  # no inline script: everything loads from files
        urls = re.findall(r'(?:src|href|spec-url|data-openapi)="([^"]+)"', r.text)
        assert urls and all(u.startswith("/api/v1/") for u in urls), urls
        for url in urls:
            assert client.get(url).status_code == 200, url
    js = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert js.headers["content-type"].startswith(("application/javascript", "text/javascript"))
    assert len(js.content) > 500_000  # the real bundle, not a stub


def test_serve_creates_tokens_and_refuses_weak_ones(tmp_path, capsys):
    settings = Settings(data_dir=tmp_path / "served")
    note = prepare_secrets(settings)
    path = tokens_path(settings)
    assert str(path) in note and _mode(path) == 0o600 and _mode(settings.data_dir) == 0o700
    import json

    stored = json.loads(path.read_text())
    assert set(stored) == {"staff_token", "maintainer_token", "learner_secret"}
    assert all(estimated_bits(v) >= 256 for v in stored.values())
    with pytest.raises(SystemExit, match="too weak"):
        prepare_secrets(Settings(data_dir=tmp_path / "weak", staff_token="short-staff-token-123",
                                 maintainer_token="m" * 64))


def test_the_app_refuses_weak_tokens(tutor_settings, make_services):
    weak = tutor_settings.model_copy(update={"staff_token": "staff-test-token-0123456789",
                                             "maintainer_token": "maintainer-test-token-0123456789"})
    with pytest.raises(WeakTokens):
        create_app(services=make_services(weak))


@pytest.mark.parametrize("token,strong", [("a" * 100, False), ("correct-horse-battery-staple", False),
                                          ("0123456789abcdef" * 4, False), ("Xy9" * 30, False)])
def test_entropy_estimate(token, strong):
    assert (estimated_bits(token) >= 256) is strong
