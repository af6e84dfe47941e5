"""Exactly once: 50 identical ratings at once store one row (they stored up to 3; staff up to 6, now refused), and a
chat that fails leaves no empty session behind (31 of 1000 did under a worker kill). PostgreSQL: tests/production."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from imaging_tutor.errors import ServiceUnavailable
from imaging_tutor.storage.models import ChatSession, ChatTurn, Feedback

from .conftest import STAFF, learner


def concurrent_identical_ratings(client: TestClient, headers: dict, turn_id: int, n: int = 50) -> list[int]:
    """n threads post the same rating at the same moment; their status codes."""
    barrier = threading.Barrier(n)

    def post(_):
        barrier.wait(timeout=60)
        return client.post("/api/v1/feedback", json={"turn_id": turn_id, "rating": "down", "comment": "same"},
                           headers=headers).status_code

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(post, range(n)))


def feedback_rows(db, turn_id: int) -> int:
    with db.scope() as s:
        return s.scalar(select(func.count()).select_from(Feedback).where(Feedback.turn_id == turn_id))


def test_fifty_identical_ratings_at_once_store_one_row(api_settings, app_for, tutor_services):
    unlimited = api_settings.model_copy(update={"rate_limit_feedback": "1000/minute"})
    with TestClient(app_for(unlimited)) as client:
        _fifty_at_once(client, tutor_services)


def _fifty_at_once(client, tutor_services):
    turn = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner("ada")).json()
    codes = concurrent_identical_ratings(client, learner("ada"), turn["turn_id"])
    assert codes == [201] * 50
    assert feedback_rows(tutor_services.db, turn["turn_id"]) == 1
    assert set(concurrent_identical_ratings(client, STAFF, turn["turn_id"])) == {403}
    assert feedback_rows(tutor_services.db, turn["turn_id"]) == 1


class StoreThatIsUnreachable:
    """A named fake around the real store whose heartbeat finds it unreachable (as when the Chroma server dies
    between a worker's start and a question): the index provider checks it before handing out the index, after
    the session was checked and before the turn is written."""

    def __init__(self, real):
        self._real = real

    def __getattr__(self, name):
        return getattr(self._real, name)

    def heartbeat(self):
        raise ServiceUnavailable("vector store unreachable: connection refused (fake)")


def test_a_chat_that_fails_leaves_no_session(api_settings, app_for, make_services):
    real = make_services(api_settings).store
    with TestClient(app_for(api_settings, store=StoreThatIsUnreachable(real))) as c:
        for body in ({"message": "What is PPV?"}, {"message": "What is PPV?", "session_id": "brand-new-id"}):
            r = c.post("/api/v1/chat", json=body, headers=learner("ada"))
            assert r.status_code == 503, r.text
            assert c.post("/api/v1/chat/stream", json=body, headers=learner("ada")).status_code == 503
        assert c.get("/api/v1/sessions", headers=learner("ada")).json() == []
        assert c.get("/api/v1/sessions/brand-new-id", headers=learner("ada")).status_code == 404
    db = make_services(api_settings).db
    with db.scope() as s:
        assert s.scalar(select(func.count()).select_from(ChatSession)) == 0
        assert s.scalar(select(func.count()).select_from(ChatTurn)) == 0


def test_first_turns_into_one_new_session_id_at_once_make_one_session(client, tutor_services):
    def ask(i):
        return client.post("/api/v1/chat", json={"message": f"What is PPV? {i}", "session_id": "race-1"},
                           headers=learner("ada")).status_code

    with ThreadPoolExecutor(6) as pool:
        assert list(pool.map(ask, range(6))) == [200] * 6
    with tutor_services.db.scope() as s:
        assert s.scalar(select(func.count()).select_from(ChatSession)) == 1
        assert s.scalar(select(func.count()).select_from(ChatTurn).where(ChatTurn.session_id == "race-1")) == 6
