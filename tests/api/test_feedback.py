"""Feedback: learners rate their own answers; staff read the inbox with the rated answer and its citations."""
from __future__ import annotations

from .conftest import MAINTAINER, STAFF, bearer, learner


def _turn(client, who: str = "ada") -> dict:
    return client.post("/api/v1/chat", json={"message": "What is sensitivity?"}, headers=learner(who)).json()


def test_rate_an_answer_and_staff_read_it(client):
    answer = _turn(client)
    r = client.post("/api/v1/feedback", json={"turn_id": answer["turn_id"], "rating": "down",
                                              "comment": "too long"}, headers=learner())
    assert r.status_code == 201
    assert r.json()["rating"] == "down" and r.json()["learner_id"] == "ada"

    inbox = client.get("/api/v1/feedback", headers=STAFF).json()
    [entry] = inbox
    assert entry["comment"] == "too long" and entry["question"] == "What is sensitivity?"
    assert entry["answer"]["citations"] == answer["citations"]
    assert entry["session_id"] == answer["session_id"]
    assert client.get("/api/v1/feedback", headers=MAINTAINER).status_code == 200


def test_rating_again_replaces_and_shows_in_the_session(client):
    answer = _turn(client)
    for rating in ("down", "up"):
        client.post("/api/v1/feedback", json={"turn_id": answer["turn_id"], "rating": rating}, headers=learner())
    inbox = client.get("/api/v1/feedback", headers=STAFF).json()
    assert [e["rating"] for e in inbox] == ["up"]
    assert client.get("/api/v1/feedback", params={"rating": "down"}, headers=STAFF).json() == []
    turn = client.get(f"/api/v1/sessions/{answer['session_id']}", headers=learner()).json()["turns"][0]
    assert turn["feedback"]["rating"] == "up"


def test_feedback_rules(client):
    answer = _turn(client, "ada")
    tid = answer["turn_id"]
    assert client.post("/api/v1/feedback", json={"turn_id": tid, "rating": "up"},
                       headers=learner("eve")).status_code == 404
    assert client.post("/api/v1/feedback", json={"turn_id": tid, "rating": "up"}).status_code == 401
    assert client.post("/api/v1/feedback", json={"turn_id": 999999, "rating": "up"},
                       headers=learner()).status_code == 404
    for bad in ({"turn_id": tid, "rating": "meh"}, {"turn_id": tid}, {"turn_id": "x", "rating": "up"},
                {"turn_id": tid, "rating": "up", "comment": "c" * 2001}, {"turn_id": 0, "rating": "up"}):
        assert client.post("/api/v1/feedback", json=bad, headers=learner()).status_code == 422, bad


def test_inbox_is_staff_only(client):
    assert client.get("/api/v1/feedback").status_code == 401
    assert client.get("/api/v1/feedback", headers=learner()).status_code == 403
    assert client.get("/api/v1/feedback", headers=bearer("wrong")).status_code == 401
    assert client.get("/api/v1/feedback", params={"limit": 0}, headers=STAFF).status_code == 422
