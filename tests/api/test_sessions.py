"""Sessions: a learner lists, opens and deletes their own conversations; nobody else's."""
from __future__ import annotations

from .conftest import STAFF, learner


def _chat(client, who: str, message: str = "What is sensitivity?", session_id: str | None = None) -> dict:
    body = {"message": message}
    if session_id:
        body["session_id"] = session_id
    r = client.post("/api/v1/chat", json=body, headers=learner(who))
    assert r.status_code == 200, r.text
    return r.json()


def test_list_open_and_delete_own_sessions(client):
    a = _chat(client, "ada")
    b = _chat(client, "ada", "What is PPV?")
    _chat(client, "eve")
    listed = client.get("/api/v1/sessions", headers=learner("ada")).json()
    assert {s["id"] for s in listed} == {a["session_id"], b["session_id"]}
    assert listed[0]["id"] == b["session_id"]  # newest first
    assert {s["title"] for s in listed} == {"What is sensitivity?", "What is PPV?"}

    detail = client.get(f"/api/v1/sessions/{a['session_id']}", headers=learner("ada")).json()
    [turn] = detail["turns"]
    assert turn["question"] == "What is sensitivity?"
    assert turn["answer"]["citations"] and turn["answer"]["turn_id"] == turn["id"] == a["turn_id"]
    assert turn["feedback"] is None

    assert client.delete(f"/api/v1/sessions/{a['session_id']}", headers=learner("ada")).status_code == 204
    assert client.get(f"/api/v1/sessions/{a['session_id']}", headers=learner("ada")).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/sessions", headers=learner("ada")).json()] == [b["session_id"]]


def test_create_an_empty_session(client):
    r = client.post("/api/v1/sessions", headers=learner("ada"))
    assert r.status_code == 201
    sid = r.json()["id"]
    assert client.get(f"/api/v1/sessions/{sid}", headers=learner("ada")).json()["turns"] == []
    assert client.post("/api/v1/sessions").status_code == 401


def test_other_learners_cannot_see_or_delete(client):
    a = _chat(client, "ada")
    sid = a["session_id"]
    assert client.get(f"/api/v1/sessions/{sid}", headers=learner("eve")).status_code == 404
    assert client.delete(f"/api/v1/sessions/{sid}", headers=learner("eve")).status_code == 404
    assert client.get(f"/api/v1/sessions/{sid}").status_code == 404
    assert client.get("/api/v1/sessions", headers=learner("eve")).json() == []
    r = client.get("/api/v1/sessions", params={"learner_id": "ada"}, headers=learner("eve"))
    assert r.status_code == 403
    assert client.get("/api/v1/sessions").status_code == 401
    # still there for its owner
    assert client.get(f"/api/v1/sessions/{sid}", headers=learner("ada")).status_code == 200


def test_staff_read_only_conversations_a_learner_shared_through_feedback(client):
    a = _chat(client, "ada")
    sid = a["session_id"]
    assert client.get("/api/v1/sessions", params={"learner_id": "ada"}, headers=STAFF).json() == []
    assert client.get(f"/api/v1/sessions/{sid}", headers=STAFF).status_code == 404
    r = client.post("/api/v1/feedback", json={"turn_id": a["turn_id"], "rating": "down", "comment": "unclear"},
                    headers=learner("ada"))
    assert r.status_code in (200, 201), r.text
    listed = client.get("/api/v1/sessions", params={"learner_id": "ada"}, headers=STAFF).json()
    assert [s["id"] for s in listed] == [sid]
    assert client.get(f"/api/v1/sessions/{sid}", headers=STAFF).status_code == 200


def test_unknown_and_malformed_ids(client):
    assert client.get("/api/v1/sessions/nope", headers=learner()).status_code == 404
    assert client.delete("/api/v1/sessions/nope", headers=learner()).status_code == 404
    assert client.get("/api/v1/sessions/" + "x" * 65, headers=learner()).status_code == 422
    assert client.get("/api/v1/sessions/a b", headers=learner()).status_code == 422
