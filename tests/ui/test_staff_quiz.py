"""The staff page's quiz parts against a live API: levels and worked solutions in a draft, the course's own chapter
quizzes exported, item statistics with retire and restore."""
from __future__ import annotations

import httpx

from .conftest import STAFF_TOKEN, app_test, button, learner_headers


def test_course_quiz_exports_and_item_statistics(ui_env):
    with httpx.Client(base_url=ui_env, timeout=120) as api:  # one learner answers one course item
        s = api.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 3},
                     headers=learner_headers("ui-stats")).json()
        api.post(f"/api/v1/quiz-sessions/{s['id']}/answers", json={"item_id": s["next"]["id"], "response": "A"},
                 headers=learner_headers("ui-stats")).raise_for_status()
    at = app_test("pages/2_Staff.py").run()
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    chapter = at.selectbox(key="course-quiz")
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 3"))).run()
    before = len(at.get("download_button"))
    button(at, "Prepare exports").click().run()
    assert len(at.get("download_button")) == before + 4 and not at.exception  # GIFT, QTI, Markdown, JSON
    assert any("course-3" in c.value for c in at.caption)

    row = next(m for m in at.markdown if s["next"]["id"] in m.value)
    assert "answers" in row.value and "% correct" in row.value
    at.button(key=f"retire-{s['next']['id']}").click().run()  # this item's button: other tests answer items too
    assert any(s["next"]["id"] in m.value and "RETIRED" in m.value for m in at.markdown)
    at.button(key=f"retire-{s['next']['id']}").click().run()  # now labelled Restore
    assert not any(s["next"]["id"] in m.value and "RETIRED" in m.value for m in at.markdown)


def test_a_draft_shows_levels_and_worked_solutions(ui_env):
    at = app_test("pages/2_Staff.py").run()
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    picked = at.multiselect[0]
    picked.set_value([o for o in picked.options if o.startswith("Chapter 4")]).run()
    types = at.multiselect[1]
    types.set_value(["numeric"])
    at.number_input[0].set_value(2)
    button(at, "Generate").click().run()
    assert not at.exception and not at.error
    assert any("Worked solution" in m.value for m in at.markdown)
    assert any("level apply" in c.value for c in at.caption)
