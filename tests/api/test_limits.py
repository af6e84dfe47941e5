"""Rate limits (in-memory storage here; tests/production/test_limits.py shares one Redis between two API processes):
each action per identity, everything per client address, Retry-After on 429; GET /sessions a page at a time."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from conftest import clear_of_window_edge

from .conftest import STAFF, bearer, learner


@pytest.fixture
def limited(api_settings, app_for):
    """An app with small limits, so a test reaches them in a few requests."""

    def build(**limits) -> TestClient:
        clear_of_window_edge(3600, margin_s=30)
        return TestClient(app_for(api_settings.model_copy(update=limits)))

    return build


# Limits in these tests are per hour and each test starts at least 30 s before an hour's edge: the sliding-window
# counter lets a burst that straddles an edge through with one hit more than its limit (CI saw 6 of "5/hour" once).


def _statuses(responses) -> list[int]:
    return [r.status_code for r in responses]


def test_a_new_learner_id_per_request_does_not_reset_the_limit(limited):
    """The finding: the limit was keyed on the claimed X-Learner-Id, so a new id per request got 300 of 300."""
    with limited(rate_limit_sessions="3/hour", rate_limit_per_address="12/hour") as c:
        codes = _statuses(c.post("/api/v1/sessions", headers=learner(f"rotating-{i}")) for i in range(30))
    assert codes.count(201) == 12 and codes[12:] == [429] * 18


def test_rotating_anonymous_identities_hit_the_address_limit(limited):
    with limited(rate_limit_new_learners="5/hour") as c:
        codes = _statuses(c.post("/api/v1/learners") for _ in range(8))
        assert codes == [201] * 5 + [429] * 3
        assert c.post("/api/v1/learners/resume", json={"resume_code": "AAAA-BBBB"}).status_code == 429


def test_chat_is_limited_per_learner_with_retry_after(limited):
    with limited(rate_limit_chat="2/hour") as c:
        ask = lambda who: c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner(who))  # noqa: E731
        assert [ask("ada").status_code for _ in range(2)] == [200, 200]
        over = ask("ada")
        assert over.status_code == 429 and 1 <= int(over.headers["Retry-After"]) <= 3600
        assert "retry in" in over.json()["detail"]
        assert ask("eve").status_code == 200  # another learner has her own budget


def test_session_creation_feedback_and_quiz_answers_have_limits(limited):
    with limited(rate_limit_sessions="2/hour", rate_limit_feedback="2/hour",
                 rate_limit_quiz_answers="2/hour") as c:
        ada = learner("ada")
        assert _statuses(c.post("/api/v1/sessions", headers=ada) for _ in range(3)) == [201, 201, 429]
        turn = c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=ada).json()
        rate = lambda: c.post("/api/v1/feedback", json={"turn_id": turn["turn_id"], "rating": "up"},  # noqa: E731
                              headers=ada)
        assert _statuses(rate() for _ in range(3)) == [201, 201, 429]
        quiz = c.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=ada).json()
        item = quiz["next"]
        answer = lambda: c.post(f"/api/v1/quiz-sessions/{quiz['id']}/answers", headers=ada,  # noqa: E731
                                json={"item_id": item["id"], "response": item["options"][0]})
        assert _statuses(answer() for _ in range(3)) == [200, 409, 429]


def test_limits_can_be_switched_off(limited):
    with limited(rate_limits_enabled=False, rate_limit_sessions="1/hour") as c:
        assert _statuses(c.post("/api/v1/sessions", headers=learner("ada")) for _ in range(3)) == [201] * 3


def test_sessions_are_listed_a_page_at_a_time(client, tutor_services):
    from imaging_tutor.tutor import conversations

    ids = [conversations.new_session(tutor_services.db, "pager") for _ in range(7)]
    ada = learner("pager")
    first = client.get("/api/v1/sessions", params={"limit": 3}, headers=ada)
    assert len(first.json()) == 3 and 'rel="next"' in first.headers["link"]
    seen = [s["id"] for s in first.json()]
    offset = 3
    while True:
        page = client.get("/api/v1/sessions", params={"limit": 3, "offset": offset}, headers=ada)
        seen += [s["id"] for s in page.json()]
        if "link" not in page.headers:
            break
        offset += 3
    assert sorted(seen) == sorted(ids) and len(seen) == 7
    assert client.get("/api/v1/sessions", params={"limit": 101}, headers=ada).status_code == 422
    # staff list only what a learner shared through feedback: none of these
    assert client.get("/api/v1/sessions", params={"learner_id": "pager", "limit": 5}, headers=STAFF).json() == []


def test_limit_storage_is_chosen_by_one_setting(api_settings):
    from imaging_tutor.api.limits import Limiter

    from limits.storage import MemoryStorage

    assert isinstance(Limiter(api_settings).storage, MemoryStorage)
    redis = Limiter(api_settings.model_copy(update={"rate_limit_storage": "redis://127.0.0.1:1/0"}))
    assert type(redis.storage).__name__ == "RedisStorage"
    # nothing listens there: the limiter lets requests through (and logs) instead of failing them
    assert redis.check("chat", "ada", "127.0.0.1").allowed and not redis.healthy()


def test_in_memory_counts_start_no_thread_per_hit_and_expired_keys_are_swept(monkeypatch):
    """limits' MemoryStorage started a timer thread on nearly every hit (and the event loop waited for it to run);
    ours counts the same with one sweeping thread, which frees expired keys without a read and ends with the
    storage."""
    import gc
    import threading
    import time

    from imaging_tutor.api.limits import swept_memory_storage

    monkeypatch.setattr(swept_memory_storage(), "sweep_seconds", 0.05)
    before = set(threading.enumerate())
    storage = swept_memory_storage()("memory://", wrap_exceptions=True)
    [sweeper] = [t for t in threading.enumerate() if t not in before and t.name == "rate-limit-sweep"]
    started: list[threading.Thread] = []
    start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self), start(self))[1])
    assert [storage.incr(f"key{i % 3}", 0.2) for i in range(6)] == [1, 1, 1, 2, 2, 2]
    assert started == []
    deadline = time.monotonic() + 5
    while storage.storage and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not storage.storage and not storage.expirations  # swept, never read again
    del storage
    gc.collect()
    sweeper.join(timeout=5)
    assert not sweeper.is_alive()


_FORKED_CHILD = """
import os, sys, threading, time
from imaging_tutor.api.limits import swept_memory_storage

swept_memory_storage().sweep_seconds = 0.05
storage = swept_memory_storage()("memory://", wrap_exceptions=True)
storage.incr("before-fork", 0.1)
pid = os.fork()
if pid == 0:  # the child: report through the exit code
    ok = False
    try:
        alone = not any(t.name == "rate-limit-sweep" for t in threading.enumerate())
        storage.incr("in-child", 0.1)
        deadline = time.monotonic() + 5
        while storage.storage and time.monotonic() < deadline:
            time.sleep(0.05)
        ok = alone and not storage.storage and storage._sweeper.is_alive()
    finally:
        os._exit(0 if ok else 1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_a_forked_child_sweeps_its_own_counters():
    """Threads do not survive fork(): in a child (a pre-forking server) the first hit starts the child's own sweep,
    so expired keys there are still freed. Forked from a fresh interpreter that loads only the limiter: forking the
    test process itself deadlocked once in OpenBLAS's fork handler (numpy and scipy are loaded there by then)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _FORKED_CHILD], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_unused_bearer_schemes_do_not_count_as_a_learner(limited):
    with limited(rate_limit_sessions="1/hour") as c:
        assert c.post("/api/v1/sessions", headers=bearer("nonsense")).status_code == 401
