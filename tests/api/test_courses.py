"""Two courses in one deployment over HTTP (real model, real Chroma, real SQLite): each course's routes live at
/api/v1/courses/{id}/… (the default course also at /api/v1/…), citations never cross courses, and sessions,
feedback, quizzes, quiz sessions, progress and eval runs belong to the course they were made in."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from imaging_tutor.config import get_settings
from imaging_tutor.corpus.course import load_course

from .conftest import LEARNER_SECRET, MAINTAINER, MAINTAINER_TOKEN, STAFF, STAFF_TOKEN, learner

IMAGING = "ai-in-medical-imaging"
ULTRA = "ultrasound-physics-basics"
# A question each course answers (and the other does not).
QUESTIONS = {IMAGING: "What is sensitivity?", ULTRA: "What causes acoustic shadowing behind a gallstone?"}


@pytest.fixture
def courses_client(courses_settings, monkeypatch, app_for):
    monkeypatch.setenv("TUTOR_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("TUTOR_MAINTAINER_TOKEN", MAINTAINER_TOKEN)
    monkeypatch.setenv("TUTOR_LEARNER_SECRET", LEARNER_SECRET)
    get_settings.cache_clear()
    with TestClient(app_for(get_settings())) as c:
        yield c


@pytest.fixture(scope="module")
def texts(courses_template):
    """Each course as parsed from its own folder: what every citation must be checked against."""
    _, courses = courses_template
    from conftest import CORPUS

    return {IMAGING: load_course(CORPUS), ULTRA: load_course(courses / "ultrasound")}


def base(course_id: str | None) -> str:
    return f"/api/v1/courses/{course_id}" if course_id else "/api/v1"


def assert_from(course, answer: dict) -> None:
    """Every citation and suggestion names a section of this course, by ref and title, and quotes its text."""
    for c in answer["citations"]:
        section = course.section(c["ref"])
        assert (c["section_title"], c["chapter_title"]) == (section.section_title, section.chapter_title), c
        assert " ".join(c["quote"].split()) in " ".join(section.text.split()), c
    for s in answer["suggestions"]:
        assert s["section_title"] == course.section(s["ref"]).section_title, s


def test_the_courses_are_listed_with_the_default_marked(courses_client):
    r = courses_client.get("/api/v1/courses")
    assert r.status_code == 200
    assert [(c["id"], c["default"]) for c in r.json()] == [(IMAGING, True), (ULTRA, False)]
    assert r.json()[1]["title"] == "Ultrasound Physics Basics"
    paths = set(courses_client.get("/api/v1/openapi.json").json()["paths"])
    assert {"/api/v1/courses", "/api/v1/courses/{course_id}/chat", "/api/v1/courses/{course_id}/sections/{ref}",
            "/api/v1/courses/{course_id}/quiz-sessions", "/api/v1/courses/{course_id}/evals/runs"} <= paths


def test_two_courses_never_mix_citations(courses_client, texts):
    for asked in (IMAGING, ULTRA):
        for question_of in (IMAGING, ULTRA):
            r = courses_client.post(f"{base(asked)}/chat", json={"message": QUESTIONS[question_of]})
            assert r.status_code == 200, r.text
            answer = r.json()
            assert_from(texts[asked], answer)
            if question_of == asked:  # its own question: answered, from its own sections
                assert answer["status"] == "answered" and answer["citations"], answer
    own = courses_client.post(f"{base(ULTRA)}/chat", json={"message": QUESTIONS[ULTRA]}).json()
    assert own["citations"][0]["ref"] == "2.3" and own["citations"][0]["section_title"] == "Artifacts"
    # The plain routes are the default course's.
    default = courses_client.post("/api/v1/chat", json={"message": QUESTIONS[IMAGING]}).json()
    assert [c["ref"] for c in default["citations"]] == \
        [c["ref"] for c in courses_client.post(f"{base(IMAGING)}/chat", json={"message": QUESTIONS[IMAGING]})
         .json()["citations"]]
    assert_from(texts[IMAGING], default)


def test_sections_are_each_courses_own_and_404_across(courses_client, texts):
    outline = courses_client.get(f"{base(ULTRA)}/sections").json()
    assert outline["course"]["id"] == ULTRA and len(outline["sections"]) == len(texts[ULTRA].sections)
    assert courses_client.get("/api/v1/sections").json()["course"]["id"] == IMAGING
    assert courses_client.get(f"{base(ULTRA)}/sections/2.3").json()["section_title"] == "Artifacts"
    assert courses_client.get("/api/v1/sections/2.3").json()["section_title"] == \
        texts[IMAGING].section("2.3").section_title
    r = courses_client.get(f"{base(ULTRA)}/sections/4.3")  # the imaging course has 4.3; this one does not
    assert r.status_code == 404 and "2.3" in r.json()["detail"]
    assert courses_client.get("/api/v1/sections/4.3").status_code == 200


def test_each_chapter_says_whether_its_own_quiz_can_be_taken(courses_client):
    """The imaging course ships answer keys for its chapter quizzes; the ultrasound course has stems only: the outline
    says so per chapter, and starting its course quiz is a 404 that names what can be taken instead."""
    imaging = courses_client.get("/api/v1/sections").json()["course"]["chapters"]
    ultra = courses_client.get(f"{base(ULTRA)}/sections").json()["course"]["chapters"]
    assert [c["course_quiz"] for c in imaging] == [True] * 6
    assert [c["course_quiz"] for c in ultra] == [False, False] and any(c["quiz"] for c in ultra)
    ada = learner("ada-keys")
    r = courses_client.post(f"{base(ULTRA)}/quiz-sessions", json={"mode": "course", "chapter": 1}, headers=ada)
    assert r.status_code == 404 and "practice quiz" in r.json()["detail"] and "/" not in r.json()["detail"]
    r = courses_client.post(f"{base(ULTRA)}/quiz-sessions", json={"mode": "practice", "chapter": 1, "count": 2},
                            headers=ada)
    assert r.status_code == 201, r.text
    assert courses_client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 1},
                               headers=ada).status_code == 201


def test_unknown_courses_are_404(courses_client):
    for path in ("/api/v1/courses/no-such-course/sections", "/api/v1/courses/NOPE/sections",
                 "/api/v1/courses/no-such-course/chat"):
        r = (courses_client.post(path, json={"message": "hi"}) if path.endswith("chat")
             else courses_client.get(path))
        assert r.status_code in (404, 422), (path, r.status_code)
    r = courses_client.get("/api/v1/courses/no-such-course/sections")
    assert r.status_code == 404 and IMAGING in r.json()["detail"] and ULTRA in r.json()["detail"]


def test_conversations_and_feedback_belong_to_their_course(courses_client):
    ada = learner("ada")
    r = courses_client.post(f"{base(ULTRA)}/chat", json={"message": QUESTIONS[ULTRA]}, headers=ada)
    assert r.status_code == 200, r.text
    sid, turn = r.json()["session_id"], r.json()["turn_id"]
    r = courses_client.post("/api/v1/chat", json={"message": QUESTIONS[IMAGING]}, headers=ada)
    imaging_sid = r.json()["session_id"]

    listed = courses_client.get(f"{base(ULTRA)}/sessions", headers=ada).json()
    assert [(s["id"], s["course_id"]) for s in listed] == [(sid, ULTRA)]
    assert [s["id"] for s in courses_client.get("/api/v1/sessions", headers=ada).json()] == [imaging_sid]
    assert courses_client.get(f"{base(ULTRA)}/sessions/{sid}", headers=ada).status_code == 200
    # Another course's conversation does not exist through this course's URL: read, continue, delete, rate.
    assert courses_client.get(f"/api/v1/sessions/{sid}", headers=ada).status_code == 404
    assert courses_client.get(f"{base(ULTRA)}/sessions/{imaging_sid}", headers=ada).status_code == 404
    r = courses_client.post("/api/v1/chat", json={"message": "and posterior enhancement?", "session_id": sid},
                            headers=ada)
    assert r.status_code == 404
    assert courses_client.delete(f"/api/v1/sessions/{sid}", headers=ada).status_code == 404
    assert courses_client.post("/api/v1/feedback", json={"turn_id": turn, "rating": "up"},
                               headers=ada).status_code == 404
    r = courses_client.post(f"{base(ULTRA)}/feedback", json={"turn_id": turn, "rating": "up"}, headers=ada)
    assert r.status_code == 201, r.text
    assert [f["turn_id"] for f in courses_client.get(f"{base(ULTRA)}/feedback", headers=STAFF).json()] == [turn]
    assert courses_client.get("/api/v1/feedback", headers=STAFF).json() == []
    # A new conversation started through a course's URL is that course's.
    new = courses_client.post(f"{base(ULTRA)}/sessions", headers=ada)
    assert new.status_code == 201 and new.json()["course_id"] == ULTRA


def test_quizzes_quiz_sessions_and_progress_belong_to_their_course(courses_client):
    spec = {"chapters": [2], "count": 1, "seed": 1, "types": ["mcq"], "title": "Echoes"}
    saved = courses_client.post(f"{base(ULTRA)}/quizzes", json=spec, headers=STAFF)
    assert saved.status_code == 201, saved.text
    quiz_id = saved.json()["id"]
    assert saved.json()["course_id"] == ULTRA
    assert [q["id"] for q in courses_client.get(f"{base(ULTRA)}/quizzes", headers=STAFF).json()] == [quiz_id]
    assert courses_client.get("/api/v1/quizzes", headers=STAFF).json() == []
    for method, path in (("GET", f"/api/v1/quizzes/{quiz_id}"), ("GET", f"/api/v1/quizzes/{quiz_id}/export"),
                         ("DELETE", f"/api/v1/quizzes/{quiz_id}")):
        assert courses_client.request(method, path, headers=STAFF).status_code == 404, path

    ada = learner("ada")
    # A saved quiz of one course cannot be taken through another.
    assert courses_client.post("/api/v1/quiz-sessions", json={"mode": "bank", "quiz_id": quiz_id},
                               headers=ada).status_code == 404
    started = courses_client.post(f"{base(ULTRA)}/quiz-sessions", json={"mode": "bank", "quiz_id": quiz_id},
                                  headers=ada)
    assert started.status_code == 201, started.text
    session = started.json()
    assert courses_client.get(f"/api/v1/quiz-sessions/{session['id']}", headers=ada).status_code == 404
    item = session["next"]
    r = courses_client.post(f"/api/v1/quiz-sessions/{session['id']}/answers",
                            json={"item_id": item["id"], "response": "x"}, headers=ada)
    assert r.status_code == 404
    r = courses_client.post(f"{base(ULTRA)}/quiz-sessions/{session['id']}/answers",
                            json={"item_id": item["id"], "response": item["options"][0]}, headers=ada)
    assert r.status_code == 200, r.text
    progress = courses_client.get(f"{base(ULTRA)}/progress", headers=ada).json()
    assert len(progress) == 1 and progress[0]["ref"].startswith("2.") and progress[0]["attempts"] == 1
    assert progress[0]["section_title"] == r.json()["citation"]["section_title"]
    assert courses_client.get("/api/v1/progress", headers=ada).json() == []
    assert courses_client.get("/api/v1/review", headers=ada).json() == []
    if not r.json()["correct"]:  # a miss is scheduled for review, in its own course only
        assert len(courses_client.get(f"{base(ULTRA)}/review", headers=ada).json()) == 1


class FakeReport:
    """A finished eval run's shape as runs.save_run stores it (named fake: no questions are asked)."""

    def __init__(self, run_id: str, course_id: str):
        self.id, self.course, self.set_name, self.passed = run_id, {"id": course_id}, "mini", True
        self.metrics = {"first_citation_accuracy": 1.0}

    def to_dict(self) -> dict:
        return {"id": self.id, "course": self.course, "metrics": self.metrics, "gate": {"failures": []}}


def test_eval_runs_belong_to_their_course(courses_client, courses_settings):
    from imaging_tutor.evals.runs import save_run
    from imaging_tutor.storage.db import Database

    db = Database(courses_settings.resolved_database_url)
    save_run(db, FakeReport("run-imaging", IMAGING))
    save_run(db, FakeReport("run-ultra", ULTRA))
    db.close()
    assert [r["id"] for r in courses_client.get("/api/v1/evals/runs", headers=MAINTAINER).json()] == ["run-imaging"]
    runs = courses_client.get(f"{base(ULTRA)}/evals/runs", headers=MAINTAINER).json()
    assert [(r["id"], r["course_id"]) for r in runs] == [("run-ultra", ULTRA)]
    assert courses_client.get("/api/v1/evals/runs/run-ultra", headers=MAINTAINER).status_code == 404
    assert courses_client.get(f"{base(ULTRA)}/evals/runs/run-ultra", headers=MAINTAINER).status_code == 200
