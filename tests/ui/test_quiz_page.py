"""The Quiz page against a live API: course quiz one item at a time, cited feedback, progress chart, review."""
from __future__ import annotations

from .conftest import app_test, button


def test_course_quiz_with_feedback_progress_and_section(ui_env):
    at = app_test("pages/1_Quiz.py", learner="ui-quiz").run()
    assert not at.exception
    chapter = at.selectbox[0]
    assert chapter.label == "Chapter"
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 4"))).run()
    button(at, "Start quiz").click().run()
    assert not at.exception
    answer = next(r for r in at.radio if r.label == "Your answer")
    assert len(answer.options) == 4
    answer.set_value(answer.options[0])
    button(at, "Submit answer").click().run()
    verdicts = [e.value for e in at.success] + [e.value for e in at.error]
    assert verdicts and ("Correct." in verdicts[0] or "Incorrect." in verdicts[0])

    reread = button(at, "Reread [4.")
    reread.click().run()
    assert any(s.value.startswith("[4.") for s in at.subheader)
    assert any("<mark>" in m.value for m in at.markdown)

    button(at, "Next question").click().run()
    assert any("Question 2 of 5" in p.text for p in at.get("progress")) or at.radio
    # the progress chart is drawn (a chart, not only numbers) and summarised in words
    assert at.get("arrow_vega_lite_chart") or any(type(e).__name__ == "UnknownElement" for e in at.main)
    assert any(c.value.startswith("1 section practised.") and "of 1 answer correct" in c.value for c in at.caption)
    assert any("review" in c.value.lower() for c in at.caption)


def test_practice_quiz_and_an_empty_answer_is_refused(ui_env):
    at = app_test("pages/1_Quiz.py", learner="ui-practice").run()
    kind = next(r for r in at.radio if r.label == "Kind of quiz")
    kind.set_value(next(o for o in kind.options if o.startswith("Practice"))).run()
    at.number_input[0].set_value(3)
    button(at, "Start quiz").click().run()
    assert not at.exception and not at.error
    button(at, "Submit answer").click().run()
    assert any("answer first" in w.value for w in at.warning)


def test_review_with_nothing_due_says_so(ui_env):
    at = app_test("pages/1_Quiz.py", learner="ui-review").run()
    kind = next(r for r in at.radio if r.label == "Kind of quiz")
    kind.set_value(next(o for o in kind.options if o.startswith("Review"))).run()
    button(at, "Start quiz").click().run()
    assert any("no items are due" in e.value for e in at.error)
    assert any("Nothing is due" in c.value for c in at.caption)


def test_hint_ladder_on_the_quiz_page(ui_env):
    at = app_test("pages/1_Quiz.py", learner="ui-hints").run()
    chapter = at.selectbox[0]
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 4"))).run()
    button(at, "Start quiz").click().run()
    button(at, "Hint 1 of 4").click().run()
    assert any("Hint 1 of 4" in i.value and "Look in section [4." in i.value for i in at.info)
    button(at, "Hint 2 of 4").click().run()
    button(at, "Hint 3 of 4").click().run()
    assert any("Hint 3 of 4" in i.value and "_____" in i.value for i in at.info)  # the key sentence with a gap
    button(at, "Hint 4 of 4").click().run()
    assert any("Hint 4 of 4" in i.value and "The answer:" in i.value for i in at.info)
    assert not [b for b in at.button if b.label.startswith("Hint ")]  # the top of the ladder
    assert not at.exception


def test_correct_is_said_once_and_zero_sections_are_drawn(ui_env):
    import httpx

    at = app_test("pages/1_Quiz.py", learner="ui-once").run()
    chapter = at.selectbox[0]
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 4"))).run()
    button(at, "Start quiz").click().run()
    # answer the first item right (the key comes from the staff view of the same course quiz)
    from .conftest import STAFF_TOKEN

    with httpx.Client(base_url=ui_env) as api:
        keys = api.get("/api/v1/quizzes/course-4", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}).json()
    prompt = next(m.value for m in at.markdown if m.value.startswith("**"))
    key = next(it for it in keys["items"] if it["prompt"] in prompt)
    answer = next(r for r in at.radio if r.label == "Your answer")
    answer.set_value(key["answer"])
    button(at, "Submit answer").click().run()
    text = at.success[0].value
    assert text.startswith("**Correct.**") and text.count("Correct.") == 1
    button(at, "Next question").click().run()
    answer = next(r for r in at.radio if r.label == "Your answer")
    prompt = next(m.value for m in at.markdown if m.value.startswith("**"))
    key = next(it for it in keys["items"] if it["prompt"] in prompt)
    answer.set_value(next(o for o in key["options"] if o != key["answer"]))
    button(at, "Submit answer").click().run()
    specs = [str(getattr(el, "proto", "")) for el in at.main]
    charts = at.get("arrow_vega_lite_chart")
    specs += [str(getattr(c, "proto", "")) for c in charts]
    assert any("drawn" in sp and "label" in sp for sp in specs)  # 0% sections get a visible bar and a label
