"""Bad input on both stacks (SQLite + embedded Chroma, PostgreSQL + Chroma server): NUL characters, NaN/Infinity
and lone surrogates are 422 (PostgreSQL answered a NUL in a comment, quiz answer or quiz title with 500), 50
identical ratings at once leave one row, and on the live server a refused body does not cost the connection."""
from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from imaging_tutor.storage.models import Feedback, QuizAttempt, QuizBank

from .conftest import STAFF, learner, unique

pytestmark = pytest.mark.slow

REFUSED = {"NUL": b'"a\\u0000b"', "NaN": b"NaN", "Infinity": b"Infinity", "lone surrogate": b'"\\udc80x"'}


@pytest.mark.parametrize("value", list(REFUSED))
def test_nul_nan_and_surrogates_are_422_on_both_stacks(stack, value):
    c, raw = stack.client, REFUSED[value]
    who = learner(unique("bad"))
    turn = c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=who).json()
    quiz = c.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=who).json()
    json_headers = {"Content-Type": "application/json"}
    cases = {
        "feedback comment": ("/api/v1/feedback", b'{"turn_id": %d, "rating": "down", "comment": %s}'
                             % (turn["turn_id"], raw), who),
        "quiz answer": (f"/api/v1/quiz-sessions/{quiz['id']}/answers",
                        b'{"item_id": "%s", "response": %s}' % (quiz["next"]["id"].encode(), raw), who),
        "quiz title": ("/api/v1/quizzes", b'{"chapters": [2], "count": 2, "types": ["tf"], "title": %s}' % raw,
                       STAFF),
        "chat message": ("/api/v1/chat", b'{"message": %s}' % raw, who),
    }
    for case, (path, body, headers) in cases.items():
        r = stack.client.post(path, content=body, headers={**headers, **json_headers})
        assert r.status_code == 422, (stack.kind, case, r.status_code, r.text[:300])
    with stack.services.db.scope() as s:
        assert s.scalar(select(func.count()).select_from(Feedback).where(Feedback.turn_id == turn["turn_id"])) == 0
        assert s.scalar(select(func.count()).select_from(QuizAttempt)
                        .where(QuizAttempt.session_id == quiz["id"])) == 0
        assert s.scalar(select(func.count()).select_from(QuizBank)) == 0


def test_fifty_identical_ratings_at_once_store_one_row_on_both_stacks(stack):
    who = learner(unique("rate"))
    turn = stack.client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=who).json()
    barrier = threading.Barrier(50)

    def post(headers):
        barrier.wait(timeout=60)
        return stack.client.post("/api/v1/feedback", json={"turn_id": turn["turn_id"], "rating": "down",
                                                            "comment": "same"}, headers=headers).status_code

    for headers, expected in ((who, {201}), (STAFF, {403})):
        with ThreadPoolExecutor(50) as pool:
            assert set(pool.map(post, [headers] * 50)) == expected, stack.kind
    with stack.services.db.scope() as s:
        rows = s.scalars(select(Feedback).where(Feedback.turn_id == turn["turn_id"])).all()
    assert len(rows) == 1 and rows[0].comment == "same", (stack.kind, len(rows))


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_refused_body_keeps_the_connection_alive(live):
    """The finding: NaN or a lone surrogate gave 500 and reset the keep-alive connection (the next request on it
    was lost). Now: 422, and the next request on the same socket is answered."""
    host, port = live.url.removeprefix("http://").split(":")
    for raw in (b'{"message": NaN}', b'{"message": "\\ud800"}', b'{"message": "a\\u0000b"}'):
        with socket.create_connection((host, int(port)), timeout=60) as sock:
            bad = (b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n%s" % (len(raw), raw))
            first = _exchange(sock, bad)
            assert first.startswith(b"HTTP/1.1 422"), first[:200]
            assert b"connection: close" not in first.lower()
            second = _exchange(sock, b"GET /api/v1/healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert second.startswith(b"HTTP/1.1 200") and b'"ok"' in second
