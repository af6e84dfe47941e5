"""The course picker (AppTest against a live two-course API): the sidebar lists the courses from GET /courses, the
choice is kept in the URL (?course=) and the session, and every page then talks to that course: the same question
gets the chosen course's citations, and a conversation or quiz of one course is not carried into another."""
from __future__ import annotations

import httpx

from .conftest import app_test, button, learner_headers

IMAGING, ULTRA = "ai-in-medical-imaging", "ultrasound-physics-basics"
QUESTION = "What causes acoustic shadowing behind a gallstone?"


def chips(at) -> list[str]:
    return [b.label for b in at.button if b.label.startswith("[")]


def test_switching_courses_switches_the_api_and_the_citations(courses_ui_env):
    at = app_test("Home.py", learner="ui-multi").run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="course_picker")
    assert picker.value == IMAGING  # the deployment's default course
    assert picker.options == ["AI In Healthcare & Medicine — Beginner", "Ultrasound Physics Basics"]
    assert at.query_params["course"] in (IMAGING, [IMAGING])
    at.chat_input[0].set_value(QUESTION).run()
    imaging_chips = chips(at)
    assert "[2.3] Artifacts" not in imaging_chips  # the imaging course has no such section

    picker = at.sidebar.selectbox(key="course_picker")
    picker.set_value(ULTRA).run()
    assert not at.exception
    assert not at.chat_message  # the imaging conversation is not continued in the other course
    assert any("Ultrasound Physics Basics" in t.value for t in at.title)
    at.chat_input[0].set_value(QUESTION).run()
    assert chips(at)[0] == "[2.3] Artifacts"
    button(at, "[2.3]").click().run()
    assert any(s.value == "[2.3] Artifacts" for s in at.subheader)  # the section comes from the chosen course

    with httpx.Client(base_url=courses_ui_env) as api:
        ultra = api.get(f"/api/v1/courses/{ULTRA}/sessions", headers=learner_headers("ui-multi")).json()
        imaging = api.get("/api/v1/sessions", headers=learner_headers("ui-multi")).json()
    assert len(ultra) == 1 and len(imaging) == 1 and ultra[0]["id"] != imaging[0]["id"]


def test_the_course_in_the_url_is_opened(courses_ui_env):
    at = app_test("Home.py", learner="ui-link")
    at.query_params["course"] = ULTRA
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="course_picker").value == ULTRA
    assert any("Ultrasound Physics Basics" in t.value for t in at.title)
    chapter = next(s for s in at.selectbox if s.label == "Chapter filter")
    assert [o for o in chapter.options if o.startswith("Chapter")] == ["Chapter 1: Sound waves in tissue",
                                                                      "Chapter 2: From echoes to images"]


def test_the_quiz_page_uses_the_chosen_course(courses_ui_env):
    at = app_test("pages/1_Quiz.py", learner="ui-quiz-multi")
    at.query_params["course"] = ULTRA
    at.run()
    assert not at.exception
    chapters = next(s for s in at.selectbox if s.label == "Chapter")
    assert chapters.options == ["Chapter 1: Sound waves in tissue", "Chapter 2: From echoes to images"]
    kinds = next(r for r in at.radio if r.label == "Kind of quiz")
    # the ultrasound course ships no answer keys: its chapters' own quizzes are not offered, and the page says why
    assert not any(o.startswith("Course quiz") for o in kinds.options) and any(o.startswith("Practice") for o in kinds.options)
    assert any("no answer keys" in c.value for c in at.caption)
    at.sidebar.selectbox(key="course_picker").set_value(IMAGING).run()
    chapters = next(s for s in at.selectbox if s.label == "Chapter")
    assert len(chapters.options) == 6
    kinds = next(r for r in at.radio if r.label == "Kind of quiz")
    assert kinds.options[0].startswith("Course quiz") and not any("no answer keys" in c.value for c in at.caption)
