"""The learner's home (app/Home.py) against a live API: course, starters, outline, continue; the conversation in the
URL; the resolved question under a follow-up; New topic; the panel follows the latest answer."""
from __future__ import annotations

from .conftest import app_test, button


def test_first_screen_starters_outline_and_continue(ui_env):
    at = app_test("Home.py", learner="home-ana").run()
    assert not at.exception
    assert at.title[0].value.startswith("AI In Healthcare")
    starters = [b for b in at.button if b.key and b.key.startswith("starter-")]
    assert 6 <= len(starters) <= 8 and all(b.label.endswith("?") for b in starters)
    assert any("Nothing yet" in c.value for c in at.caption)

    button(at, "4.3 ").click().run()  # browse the outline: the section opens with its chapter's objectives
    assert any(s.value.startswith("[4.3]") for s in at.subheader)
    assert any("What this chapter teaches" in m.value for m in at.markdown)

    question = starters[0].label
    starters[0].click().run()
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert at.chat_message[0].text[0].value == question
    session = at.query_params["session"]
    assert session and session[0] if isinstance(session, list) else session

    again = app_test("Home.py", learner="home-ana").run()  # next visit: continue where you left off
    button(again, "Continue: ").click().run()
    assert [m.name for m in again.chat_message] == ["user", "assistant"]


def test_the_conversation_in_the_url_survives_a_new_session_and_new_topic_clears_it(ui_env):
    at = app_test("Home.py", learner="home-ben").run()
    at.chat_input[0].set_value("What is sensitivity?").run()
    at.chat_input[0].set_value("and specificity?").run()
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    # the follow-up shows how the tutor read it
    follow_up = at.chat_message[2]
    assert any("read this as" in c.value for c in follow_up.caption)
    assert "specificity" in follow_up.text[-1].value.lower() and follow_up.text[-1].value != "and specificity?"
    session_id = at.query_params["session"]
    session_id = session_id[0] if isinstance(session_id, list) else session_id

    # a wrong reading is corrected by asking the same words on their own, as a new topic
    alone = app_test("Home.py", learner="home-ben")
    alone.query_params["session"] = session_id
    alone.run()
    button(alone, "Not what I meant").click().run()
    assert [m.name for m in alone.chat_message] == ["user", "assistant"]
    assert alone.chat_message[0].text[0].value == "and specificity?"
    fresh = alone.query_params["session"]
    assert (fresh[0] if isinstance(fresh, list) else fresh) != session_id

    reload = app_test("Home.py", learner="home-ben")
    reload.query_params["session"] = session_id
    reload.run()
    assert [m.name for m in reload.chat_message] == ["user", "assistant", "user", "assistant"]

    # the panel follows the latest answer
    button(reload, "[").click().run()
    first_open = reload.session_state["open_section"]
    reload.chat_input[0].set_value("What is drift?").run()
    followed = reload.session_state["open_section"]
    assert followed["index"] == 5 and followed["index"] != first_open["index"]

    button(reload, "New topic").click().run()
    assert not reload.chat_message and "session" not in reload.query_params

    other = app_test("Home.py", learner="home-cy")  # another learner's conversation id shows nothing
    other.query_params["session"] = session_id
    other.run()
    assert not other.exception and not other.chat_message
