"""API fixtures: the real app over the real tutor (shared ingested index, private SQLite), with known tokens.

Learners are who a signed token says: `learner("ada")` is the Authorization header of a token for "ada", signed with
the test deployment's learner secret (exactly what POST /learners hands out for an anonymous id).

Every app is built around Services made by the root `make_services` fixture: the real parts, with the session's
one loaded model (a new Services per app, so "a restarted API" still starts from nothing but the database)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.api.app import create_app
from imaging_tutor.api.auth import Tokens, learner_token
from imaging_tutor.config import Settings, get_settings

# Test-only secrets, each well over 32 bytes of entropy (the app refuses weaker ones).
STAFF_TOKEN = "staff-Qm3vX9pL2sT8wK4yR7nB1cH6dF0gJ5zA-eUt2Wq8Lx"
MAINTAINER_TOKEN = "maint-Vb7nM2qW9xE4rT1yU6iO3pA8sD5fG0hJ-kLz3Rf7Yp"
LEARNER_SECRET = "lrn-secret-Zx8cV3bN6mQ1wE9rT4yU7iO2pA5sD0fG-hJk"
TEST_TOKENS = Tokens(staff=STAFF_TOKEN, maintainer=MAINTAINER_TOKEN, learner_secret=LEARNER_SECRET)


@pytest.fixture
def api_settings(tutor_settings, monkeypatch) -> Settings:
    monkeypatch.setenv("TUTOR_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("TUTOR_MAINTAINER_TOKEN", MAINTAINER_TOKEN)
    monkeypatch.setenv("TUTOR_LEARNER_SECRET", LEARNER_SECRET)
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture
def app_for(make_services):
    """create_app over fresh Services for the given settings (real store, database and model; optional parts)."""

    def build(settings: Settings, **parts):
        return create_app(services=make_services(settings, **parts))

    return build


@pytest.fixture
def client(api_settings, app_for) -> TestClient:
    with TestClient(app_for(api_settings)) as c:
        yield c


def learner(learner_id: str = "ada") -> dict:
    """The headers of a learner: a bearer token signed for this id."""
    return bearer(learner_token(TEST_TOKENS, learner_id))


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


STAFF = bearer(STAFF_TOKEN)
MAINTAINER = bearer(MAINTAINER_TOKEN)
