"""Where the request dependencies run: the cheap ones on the event loop (no thread-pool hop per request), anything
that can wait on the network in the thread pool, so one slow identity provider or Redis never stalls the loop."""
from __future__ import annotations

import asyncio

from fastapi.testclient import TestClient

from imaging_tutor.api.limits import Verdict

from .conftest import learner


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class RecordingLimiter:
    """A fake limiter for this test only: allows everything and records where each check ran."""

    def __init__(self, in_process: bool):
        self.in_process = in_process
        self.on_loop: list[bool] = []

    def check(self, action: str, identity: str | None, address: str) -> Verdict:
        self.on_loop.append(_on_event_loop())
        return Verdict()

    def healthy(self) -> bool:
        return True


class RecordingAuthenticator:
    """A fake OpenID Connect authenticator for this test only: knows one token, records where it was asked."""

    def __init__(self):
        self.on_loop: list[bool] = []

    def learner_for(self, bearer: str) -> str | None:
        self.on_loop.append(_on_event_loop())
        return "oidc-kim" if bearer == "an-id-token" else None


def test_a_learners_chat_counts_its_limit_on_the_event_loop(api_settings, app_for):
    app = app_for(api_settings)
    with TestClient(app) as c:
        real = app.state.limiter
        assert real.in_process  # memory:// (the embedded default)
        calls: list[bool] = []
        check = real.check
        real.check = lambda *a: (calls.append(_on_event_loop()), check(*a))[1]
        r = c.post("/api/v1/chat", json={"message": "What is a confusion matrix?"}, headers=learner("ada"))
    assert r.status_code == 200
    assert calls == [True]


def test_a_limit_kept_elsewhere_is_counted_in_the_thread_pool(api_settings, app_for):
    app = app_for(api_settings)
    with TestClient(app) as c:
        app.state.limiter = remote = RecordingLimiter(in_process=False)
        r = c.post("/api/v1/chat", json={"message": "What is a confusion matrix?"}, headers=learner("ada"))
    assert r.status_code == 200
    assert remote.on_loop == [False]


def test_only_a_token_that_is_none_of_ours_reaches_the_identity_provider_off_the_loop(api_settings, app_for):
    app = app_for(api_settings)
    with TestClient(app) as c:
        app.state.authenticators = (idp := RecordingAuthenticator(),)
        ours = c.get("/api/v1/learners/me", headers=learner("ada"))
        theirs = c.get("/api/v1/learners/me", headers={"Authorization": "Bearer an-id-token"})
        unknown = c.get("/api/v1/learners/me", headers={"Authorization": "Bearer nobody-issued-this"})
    assert ours.json()["via"] == "token" and theirs.json()["learner_id"] == "oidc-kim"
    assert unknown.status_code == 401
    assert idp.on_loop == [False, False]  # asked twice (never for our own token), both times in the thread pool
