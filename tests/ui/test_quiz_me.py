"""'Quiz me' on the chat page (app/Home.py) against a live API: after an answer, one question on its sections, a
hint, and a graded reply with its citation."""
from __future__ import annotations

from .conftest import app_test, button


def test_quiz_me_after_an_answer(ui_env):
    at = app_test("Home.py", learner="ui-quizme").run()
    at.chat_input[0].set_value("What is specificity?").run()
    assert not at.exception
    button(at, "Quiz me on this").click().run()
    assert not at.exception
    question = at.chat_message[-1].markdown[0].value
    assert question.startswith("Quiz question on [")
    button(at, "Hint").click().run()
    assert "Hint 1 of 4" in at.chat_message[-1].markdown[0].value
    options = [b for b in at.button if b.key and b.key.startswith("quiz-") and b.label[:2] in ("A.", "Tr")]
    if options:
        options[0].click().run()
    else:
        typed = "50" if "Reply with a number" in question else "It is about false alarms"
        at.chat_input[0].set_value(typed).run()
    reply = at.chat_message[-1].markdown[0].value
    assert reply.split(" ", 1)[0] in ("Correct.", "Partly", "Not") and "[" in reply
    assert not [b for b in at.button if b.label == "Hint"]  # the question is closed


def test_in_one_sentence_and_tell_me_more_after_an_answer(ui_env):
    at = app_test("Home.py", learner="ui-more").run()
    at.chat_input[0].set_value("What is shortcut learning?").run()
    first = at.chat_message[-1].markdown[0].value
    button(at, "In one sentence").click().run()
    assert not at.exception
    assert at.chat_message[-2].text[0].value == "In one sentence?"  # sent as the learner's words, shown as typed
    short = at.chat_message[-1].markdown[0].value
    assert "cite-3-5.3" in short and len(short) < len(first)  # its [5.3] marker, a link to the section
    button(at, "Tell me more").click().run()
    assert not at.exception
    more = at.chat_message[-1].markdown[0].value
    assert "cite-5-5.3" in more and more.split(" [")[0] not in first
