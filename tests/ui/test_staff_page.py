"""The Staff page against a live API: token, generate, review, save, export downloads, feedback inbox."""
from __future__ import annotations

import httpx

from .conftest import STAFF_TOKEN, app_test, button, learner_headers


def test_needs_a_valid_token(ui_env):
    at = app_test("pages/2_Staff.py").run()
    assert any("staff token" in i.value for i in at.info)
    at.sidebar.text_input[0].set_value("wrong-token").run()
    assert any("Not allowed" in e.value for e in at.error)
    assert not at.tabs


def test_generate_review_save_export_and_inbox(ui_env):
    with httpx.Client(base_url=ui_env) as api:
        answer = api.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner_headers("ui-fb")).json()
        api.post("/api/v1/feedback", json={"turn_id": answer["turn_id"], "rating": "down", "comment": "confusing"},
                 headers=learner_headers("ui-fb")).raise_for_status()

    at = app_test("pages/2_Staff.py").run()
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    assert [t.label for t in at.tabs] == ["Generate", "Quiz bank", "Feedback inbox"]
    assert at.multiselect[0].label == "Chapters" and at.multiselect[0].value == []  # nothing preselected
    at.multiselect[0].select(next(o for o in at.multiselect[0].options if o.startswith("Chapter 4")))
    at.number_input[0].set_value(4)
    button(at, "Generate").click().run()
    assert not at.exception and not at.error
    items = [e for e in at.expander if e.label[:2] in ("1.", "2.", "3.", "4.")]
    assert len(items) == 4
    at.checkbox(key=[c.key for c in at.checkbox if c.key and c.key.startswith("keep-")][0]).uncheck()
    title = next(t for t in at.text_input if t.label == "Title")
    title.set_value("UI test quiz")
    button(at, "Save to quiz bank").click().run()
    assert any("with 3 questions" in s.value for s in at.success)

    downloads = at.get("download_button")
    assert len(downloads) == 4
    labels = [d.proto.label for d in downloads]
    assert any("GIFT" in label for label in labels) and any("QTI" in label for label in labels)
    assert any("Markdown" in label for label in labels) and any("JSON" in label for label in labels)

    inbox = [e for e in at.expander if "Not helpful" in e.label]
    assert inbox
    shown = [t.value for e in inbox for t in e.text]  # learners' words appear as plain text, never markdown
    assert "What is PPV?" in shown and "confusing" in shown
    assert not any("confusing" in m.value or "What is PPV?" in m.value for m in at.markdown)


def test_edit_a_saved_question(ui_env):
    with httpx.Client(base_url=ui_env, headers={"Authorization": f"Bearer {STAFF_TOKEN}"}, timeout=120) as api:
        saved = api.post("/api/v1/quizzes", json={"chapters": [4], "count": 3, "seed": 5, "types": ["mcq"],
                                                  "title": "Editable"}).json()
    at = app_test("pages/2_Staff.py").run()
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    pick = next(s for s in at.selectbox if s.label == "Saved quiz")
    pick.set_value(saved["id"]).run()
    difficulty = next(s for s in at.selectbox if s.label == "Difficulty")
    difficulty.set_value("hard")
    button(at, "Save changes").click().run()
    assert not at.exception and not at.error
    assert any(s.value == "Saved your changes to question 1." for s in at.success)  # confirmed after the rerun
    with httpx.Client(base_url=ui_env, headers={"Authorization": f"Bearer {STAFF_TOKEN}"}) as api:
        assert api.get(f"/api/v1/quizzes/{saved['id']}").json()["items"][0]["difficulty"] == "hard"
