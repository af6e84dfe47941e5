"""API fixtures: the real app over the real tutor (shared ingested index, private SQLite), with known tokens.

Every app is built around Services made by the root `make_services` fixture: the real parts, with the session's
one loaded model (a new Services per app, so "a restarted API" still starts from nothing but the database)."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.api.app import create_app
from imaging_tutor.config import Settings, get_settings

STAFF_TOKEN = "staff-test-token-0123456789"
MAINTAINER_TOKEN = "maintainer-test-token-0123456789"


@pytest.fixture
def api_settings(tutor_settings, monkeypatch) -> Settings:
    monkeypatch.setenv("TUTOR_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("TUTOR_MAINTAINER_TOKEN", MAINTAINER_TOKEN)
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
    return {"X-Learner-Id": learner_id}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


STAFF = bearer(STAFF_TOKEN)
MAINTAINER = bearer(MAINTAINER_TOKEN)
