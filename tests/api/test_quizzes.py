"""Quizzes over HTTP: staff generate/save/edit/export; learners take sessions, get graded feedback, progress."""
from __future__ import annotations

import io
import json
import zipfile
import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.corpus.course import load_course
from imaging_tutor.quiz import course_items

from .conftest import MAINTAINER, STAFF, learner

SPEC = {"chapters": [4], "count": 5, "seed": 3, "types": ["mcq", "tf"]}
KEY_FIELDS = {"answer", "explanation", "citation", "key_terms", "accepted", "distractors"}


@pytest.fixture
def saved(client) -> dict:
    r = client.post("/api/v1/quizzes", json={**SPEC, "title": "Chapter 4 check"}, headers=STAFF)
    assert r.status_code == 201, r.text
    return r.json()


def test_generate_is_deterministic_and_staff_only(client):
    r = client.post("/api/v1/quizzes/generate", json=SPEC, headers=STAFF)
    assert r.status_code == 200, r.text
    q = r.json()
    assert len(q["items"]) == 5 and {it["type"] for it in q["items"]} <= {"mcq", "tf"}
    for it in q["items"]:
        assert it["citation"]["ref"].startswith("4.") and it["explanation"] == it["citation"]["quote"]
    again = client.post("/api/v1/quizzes/generate", json=SPEC, headers=MAINTAINER).json()
    assert [it["id"] for it in again["items"]] == [it["id"] for it in q["items"]]
    assert client.post("/api/v1/quizzes/generate", json=SPEC).status_code == 401
    assert client.post("/api/v1/quizzes/generate", json=SPEC, headers=learner()).status_code == 403


def test_generate_errors(client):
    cases = [({**SPEC, "count": 0}, 422), ({**SPEC, "types": ["essay"]}, 422), ({**SPEC, "chapters": ["x"]}, 422),
             ({**SPEC, "refs": ["4"]}, 422), ({**SPEC, "extra": 1}, 422), ({**SPEC, "chapters": [99]}, 404),
             ({"refs": ["9.9"], "count": 1}, 404)]
    for body, expected in cases:
        r = client.post("/api/v1/quizzes/generate", json=body, headers=STAFF)
        assert r.status_code == expected, (body, r.status_code, r.text)
    r = client.post("/api/v1/quizzes/generate", json={"refs": ["4.1"], "count": 150, "types": ["tf"]}, headers=STAFF)
    assert r.status_code == 400 and "possible" in r.json()["detail"]


def test_save_list_get_edit_delete(client, saved):
    assert saved["items"] == 5 and saved["title"] == "Chapter 4 check"
    listed = client.get("/api/v1/quizzes", headers=STAFF).json()
    assert [q["id"] for q in listed] == [saved["id"]]
    full = client.get(f"/api/v1/quizzes/{saved['id']}", headers=STAFF).json()
    first, second = full["items"][0], full["items"][1]

    r = client.patch(f"/api/v1/quizzes/{saved['id']}/items/{first['id']}", json={"difficulty": "hard"}, headers=STAFF)
    assert r.status_code == 200 and r.json()["difficulty"] == "hard" and r.json()["origin"] == "staff"
    r = client.patch(f"/api/v1/quizzes/{saved['id']}/items/{first['id']}",
                     json={"explanation": "A sentence the course never says."}, headers=STAFF)
    assert r.status_code == 400
    assert client.patch(f"/api/v1/quizzes/{saved['id']}/items/{first['id']}", json={"difficulty": "extreme"},
                        headers=STAFF).status_code == 422
    assert client.patch(f"/api/v1/quizzes/{saved['id']}/items/nope", json={"difficulty": "easy"},
                        headers=STAFF).status_code == 404

    r = client.post(f"/api/v1/quizzes/{saved['id']}/items/{second['id']}/regenerate", json={"seed": 1}, headers=STAFF)
    assert r.status_code == 200 and r.json()["id"] != second["id"]
    assert r.json()["citation"]["ref"] == second["citation"]["ref"]

    r = client.delete(f"/api/v1/quizzes/{saved['id']}/items/{first['id']}", headers=STAFF)
    assert r.status_code == 200 and len(r.json()["items"]) == 4

    assert client.delete(f"/api/v1/quizzes/{saved['id']}", headers=STAFF).status_code == 204
    assert client.get(f"/api/v1/quizzes/{saved['id']}", headers=STAFF).status_code == 404
    assert client.delete(f"/api/v1/quizzes/{saved['id']}", headers=STAFF).status_code == 404


def test_save_can_leave_items_out(client):
    preview = client.post("/api/v1/quizzes/generate", json=SPEC, headers=STAFF).json()
    drop = preview["items"][0]["id"]
    r = client.post("/api/v1/quizzes", json={**SPEC, "title": "t", "exclude": [drop]}, headers=STAFF)
    assert r.status_code == 201 and r.json()["items"] == 4
    r = client.post("/api/v1/quizzes", json={**SPEC, "title": "t", "exclude": ["inope"]}, headers=STAFF)
    assert r.status_code == 404
    assert client.post("/api/v1/quizzes", json={**SPEC, "title": ""}, headers=STAFF).status_code == 422


def test_exports_download_in_every_format(client, saved):
    full = client.get(f"/api/v1/quizzes/{saved['id']}", headers=STAFF).json()
    for fmt in ("gift", "qti", "json", "md"):
        r = client.get(f"/api/v1/quizzes/{saved['id']}/export", params={"format": fmt}, headers=STAFF)
        assert r.status_code == 200, (fmt, r.text)
        assert "attachment; filename=" in r.headers["content-disposition"]
        if fmt == "json":
            assert [it["id"] for it in json.loads(r.content)["items"]] == [it["id"] for it in full["items"]]
        elif fmt == "qti":
            with zipfile.ZipFile(io.BytesIO(r.content)) as z:
                for name in z.namelist():
                    if name.endswith(".xml"):
                        ET.fromstring(z.read(name))
        else:
            assert full["items"][0]["citation"]["ref"] in r.text
    assert client.get(f"/api/v1/quizzes/{saved['id']}/export", params={"format": "pdf"},
                      headers=STAFF).status_code == 422
    assert client.get(f"/api/v1/quizzes/{saved['id']}/export", headers=learner()).status_code == 403


def test_staff_endpoints_refuse_learners_and_anonymous(client, saved):
    for method, path in (("GET", "/api/v1/quizzes"), ("GET", f"/api/v1/quizzes/{saved['id']}"),
                         ("DELETE", f"/api/v1/quizzes/{saved['id']}"),
                         ("GET", f"/api/v1/quizzes/{saved['id']}/export")):
        assert client.request(method, path).status_code == 401
        assert client.request(method, path, headers=learner()).status_code == 403


def _correct(settings, item_id: str) -> str:
    course = load_course(settings.corpus_dir)
    return next(it.answer for it in course_items(settings.corpus_dir, course, chapter=4) if it.id == item_id)


def test_course_quiz_session_grading_progress_and_review(client, api_settings):
    r = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner())
    assert r.status_code == 201, r.text
    session = r.json()
    sid, item = session["id"], session["next"]
    assert session["total"] == 5 and not KEY_FIELDS & set(item)
    assert client.get(f"/api/v1/quiz-sessions/{sid}/next", headers=learner()).json()["id"] == item["id"]

    wrong = next(o for o in item["options"] if o != _correct(api_settings, item["id"]))
    r = client.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": item["id"], "response": wrong},
                    headers=learner())
    assert r.status_code == 200
    graded = r.json()
    assert graded["correct"] is False and graded["citation"]["ref"] in graded["feedback"]
    assert graded["citation"]["quote"] and graded["answered"] == 1 and not KEY_FIELDS & set(graded["next"])

    again = client.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": item["id"], "response": wrong},
                        headers=learner())
    assert again.status_code == 409

    nxt = graded["next"]
    right = client.post(f"/api/v1/quiz-sessions/{sid}/answers",
                        json={"item_id": nxt["id"], "response": _correct(api_settings, nxt["id"])},
                        headers=learner()).json()
    assert right["correct"] is True and right["score"] == 1.0

    progress = client.get("/api/v1/progress", headers=learner()).json()
    assert sum(p["attempts"] for p in progress) == 2 and all(p["ref"].startswith("4.") for p in progress)
    assert client.get("/api/v1/progress", params={"chapter": 1}, headers=learner()).json() == []
    assert client.get("/api/v1/review", headers=learner()).status_code == 200
    state = client.get(f"/api/v1/quiz-sessions/{sid}", headers=learner()).json()
    assert state["answered"] == 2 and state["correct"] == 1


def test_quiz_session_errors_and_privacy(client):
    sid = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner()).json()["id"]
    item = client.get(f"/api/v1/quiz-sessions/{sid}/next", headers=learner()).json()
    body = {"item_id": item["id"], "response": item["options"][0]}
    for method, path, payload in (("GET", f"/api/v1/quiz-sessions/{sid}", None),
                                  ("GET", f"/api/v1/quiz-sessions/{sid}/next", None),
                                  ("POST", f"/api/v1/quiz-sessions/{sid}/answers", body)):
        assert client.request(method, path, json=payload, headers=learner("eve")).status_code == 404
        assert client.request(method, path, json=payload).status_code == (401 if method == "POST" else 404)
    assert client.get(f"/api/v1/quiz-sessions/{sid}", headers=STAFF).status_code == 200

    post = lambda json_body: client.post(f"/api/v1/quiz-sessions/{sid}/answers", json=json_body, headers=learner())
    assert post({"item_id": "inot-here", "response": "x"}).status_code == 404
    assert post({"item_id": item["id"]}).status_code == 422
    assert post({"item_id": item["id"], "response": "x" * 2001}).status_code == 422
    assert client.get("/api/v1/quiz-sessions/qs-unknown", headers=learner()).status_code == 404

    start = lambda json_body, h=learner(): client.post("/api/v1/quiz-sessions", json=json_body, headers=h)
    assert start({"mode": "course"}).status_code == 400  # needs a chapter
    assert start({"mode": "course", "chapter": 99}).status_code == 404
    assert start({"mode": "bank"}).status_code == 400
    assert start({"mode": "bank", "quiz_id": "qb-nope"}).status_code == 404
    assert start({"mode": "review"}).status_code == 400  # nothing due yet
    assert start({"mode": "exam", "chapter": 4}).status_code == 422
    assert start({"mode": "course", "chapter": 4}, {}).status_code == 401
    assert client.get("/api/v1/progress").status_code == 401
    assert client.get("/api/v1/progress", params={"learner_id": "ada"}, headers=learner("eve")).status_code == 403
    assert client.get("/api/v1/progress", params={"learner_id": "ada"}, headers=STAFF).status_code == 200


def test_practice_and_bank_sessions(client, saved):
    practice = client.post("/api/v1/quiz-sessions", json={"mode": "practice", "chapter": 2, "count": 3},
                           headers=learner())
    assert practice.status_code == 201 and practice.json()["total"] == 3
    bank = client.post("/api/v1/quiz-sessions", json={"mode": "bank", "quiz_id": saved["id"]}, headers=learner())
    assert bank.status_code == 201 and bank.json()["total"] == 5 and bank.json()["quiz_id"] == saved["id"]


def test_quiz_progress_survives_app_recreation(api_settings, app_for):
    with TestClient(app_for(api_settings)) as first:
        s = first.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner()).json()
        first.post(f"/api/v1/quiz-sessions/{s['id']}/answers",
                   json={"item_id": s["next"]["id"], "response": s["next"]["options"][0]}, headers=learner())
    with TestClient(app_for(api_settings)) as second:
        state = second.get(f"/api/v1/quiz-sessions/{s['id']}", headers=learner()).json()
        assert state["answered"] == 1 and state["next"]["position"] == 2
        assert sum(p["attempts"] for p in second.get("/api/v1/progress", headers=learner()).json()) == 1
