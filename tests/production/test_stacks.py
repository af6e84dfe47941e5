"""The key API flows on both stacks, by settings alone: embedded (SQLite + Chroma PersistentClient) and server
(PostgreSQL + a `chroma run` server). Each test runs once per stack through the `stack` fixture."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from imaging_tutor.corpus.course import load_course
from imaging_tutor.storage.models import ChatTurn, EvalRun, QuizAttempt, QuizReviewCard
from imaging_tutor.quiz import course_items

from .conftest import MAINTAINER, STAFF, learner, unique

pytestmark = pytest.mark.slow  # starts real servers


def test_the_stack_is_what_its_settings_say(stack):
    dialect = stack.services.db.engine.dialect.name
    remote = stack.services.store.remote
    assert (dialect, remote) == (("sqlite", False) if stack.kind == "embedded" else ("postgresql", True))
    assert stack.client.get("/readyz").json()["status"] == "ready"


def test_chat_with_a_session_and_a_follow_up(stack):
    who = unique("ada")
    c = stack.client
    first = c.post("/api/v1/chat", json={"message": "What is sensitivity?"}, headers=learner(who))
    assert first.status_code == 200, first.text
    first = first.json()
    assert first["status"] == "answered" and first["session_id"] and first["turn_id"]
    course = load_course(stack.settings.corpus_dir)
    for cit in first["citations"]:
        assert cit["quote"] in course.section(cit["ref"]).text and f"[{cit['ref']}]" in first["answer"]

    second = c.post("/api/v1/chat", json={"message": "and specificity?", "session_id": first["session_id"]},
                    headers=learner(who)).json()
    assert second["session_id"] == first["session_id"] and "specificity" in second["resolved_question"].lower()
    with stack.services.db.scope() as db:
        stored = db.scalars(select(ChatTurn).where(ChatTurn.session_id == first["session_id"])
                            .order_by(ChatTurn.id)).all()
    assert [t.id for t in stored] == [first["turn_id"], second["turn_id"]]


def test_sessions_list_turns_and_delete(stack):
    c, ada, eve = stack.client, unique("ada"), unique("eve")
    a = c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner(ada)).json()
    b = c.post("/api/v1/chat", json={"message": "What is DICOM metadata?"}, headers=learner(ada)).json()
    listed = c.get("/api/v1/sessions", headers=learner(ada)).json()
    assert [s["id"] for s in listed] == [b["session_id"], a["session_id"]]  # newest first
    detail = c.get(f"/api/v1/sessions/{a['session_id']}", headers=learner(ada)).json()
    assert [t["id"] for t in detail["turns"]] == [a["turn_id"]] and detail["turns"][0]["answer"]["citations"]
    assert c.get(f"/api/v1/sessions/{a['session_id']}", headers=learner(eve)).status_code == 404
    assert c.delete(f"/api/v1/sessions/{a['session_id']}", headers=learner(eve)).status_code == 404
    assert c.delete(f"/api/v1/sessions/{a['session_id']}", headers=learner(ada)).status_code == 204
    assert [s["id"] for s in c.get("/api/v1/sessions", headers=learner(ada)).json()] == [b["session_id"]]
    with stack.services.db.scope() as db:  # the turns went with the session
        assert db.scalar(select(func.count()).where(ChatTurn.session_id == a["session_id"])) == 0


def test_quiz_session_answers_and_progress(stack):
    c, who = stack.client, unique("lin")
    keys = {it.id: it.answer
            for it in course_items(stack.settings.corpus_dir, stack.services.course(), chapter=4)}
    r = c.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner(who))
    assert r.status_code == 201, r.text
    session = r.json()
    sid, item = session["id"], session["next"]
    wrong = next(o for o in item["options"] if o != keys[item["id"]])
    graded = c.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": item["id"], "response": wrong},
                    headers=learner(who)).json()
    assert graded["correct"] is False and graded["citation"]["quote"]
    again = c.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": item["id"], "response": wrong},
                   headers=learner(who))
    assert again.status_code == 409
    nxt = graded["next"]
    right = c.post(f"/api/v1/quiz-sessions/{sid}/answers", json={"item_id": nxt["id"], "response": keys[nxt["id"]]},
                   headers=learner(who)).json()
    assert right["correct"] is True and right["answered"] == 2

    progress = c.get("/api/v1/progress", headers=learner(who)).json()
    assert sum(p["attempts"] for p in progress) == 2 and sum(p["correct"] for p in progress) == 1
    assert c.get("/api/v1/review", headers=learner(who)).status_code == 200
    with stack.services.db.scope() as db:
        assert db.scalar(select(func.count()).where(QuizAttempt.session_id == sid)) == 2
        card = db.get(QuizReviewCard, (who, item["id"]))  # the miss is scheduled for review
        assert card is not None and card.lapses == 1


def test_bank_save_list_export_and_take(stack):
    c = stack.client
    title = unique("Chapter 4 check")
    r = c.post("/api/v1/quizzes", json={"chapters": [4], "count": 4, "seed": 5, "types": ["mcq", "tf"],
                                        "title": title}, headers=STAFF)
    assert r.status_code == 201, r.text
    saved = r.json()
    assert saved["id"] in {q["id"] for q in c.get("/api/v1/quizzes", headers=STAFF).json()}
    for fmt in ("gift", "qti", "json", "md"):
        e = c.get(f"/api/v1/quizzes/{saved['id']}/export", params={"format": fmt}, headers=STAFF)
        assert e.status_code == 200 and e.content, fmt
        assert 'filename="Chapter-4-check-' in e.headers["content-disposition"]
        if fmt == "qti":
            assert zipfile.ZipFile(io.BytesIO(e.content)).namelist()
    taken = c.post("/api/v1/quiz-sessions", json={"mode": "bank", "quiz_id": saved["id"]}, headers=learner("kim"))
    assert taken.status_code == 201 and taken.json()["total"] == 4


def test_eval_run_is_stored_and_listed(stack):
    c = stack.client
    r = c.post("/api/v1/evals/runs", json={"set": "mini", "baseline": False}, headers=MAINTAINER)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["set_name"] == "mini" and len(report["rows"]) == 3
    assert report["id"] in [run["id"] for run in c.get("/api/v1/evals/runs", headers=MAINTAINER).json()]
    assert c.get(f"/api/v1/evals/runs/{report['id']}", headers=MAINTAINER).json()["metrics"] == report["metrics"]
    with stack.services.db.scope() as db:
        assert db.get(EvalRun, report["id"]).set_name == "mini"
