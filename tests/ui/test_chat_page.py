"""The Chat page (app/Home.py) against a live API: ask, stream, open a citation, rate, resume, hints, API down."""
from __future__ import annotations

import sys

import httpx

from .conftest import app_test, button, free_port, learner_headers, selectbox


def test_ask_open_citation_rate_and_resume(ui_env):
    at = app_test("Home.py", learner="ui-ada").run()
    assert not at.exception
    at.chat_input[0].set_value("What is specificity?").run()
    assert not at.exception
    messages = at.chat_message
    assert [m.name for m in messages] == ["user", "assistant"]
    answer_text = messages[1].markdown[0].value
    assert "[" in answer_text and "specificity" in answer_text.lower()

    chip = button(at, "[")
    ref = chip.label[1:chip.label.index("]")]
    chip.click().run()
    assert any(s.value.startswith(f"[{ref}]") for s in at.subheader)
    highlighted = [m.value for m in at.markdown if "<mark>" in m.value]
    assert highlighted and "specificity" in highlighted[0].lower()

    button(at, "Not helpful").click().run()
    assert any("not helpful" in c.value for c in at.caption)

    with httpx.Client(base_url=ui_env) as api:
        sessions = api.get("/api/v1/sessions", headers=learner_headers("ui-ada")).json()
    assert len(sessions) == 1

    # a fresh browser session for the same learner finds the conversation and resumes it
    again = app_test("Home.py", learner="ui-ada").run()
    resume = selectbox(again, "Resume a conversation")
    assert resume.options and "What is specificity?" in resume.options[0]
    resume.set_value(sessions[0]["id"]).run()
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    assert any("not helpful" in c.value for c in again.caption)  # the stored rating comes back too


def test_hint_mode_chapter_filter_and_new_conversation(ui_env):
    at = app_test("Home.py", learner="ui-bob").run()
    at.toggle[0].set_value(True)
    chapter = at.selectbox[0]
    assert chapter.label == "Chapter filter"
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 4"))).run()
    at.chat_input[0].set_value("What is sensitivity?").run()
    reply = at.chat_message[1].markdown[0].value
    assert "Guiding question" in reply and "Hint 1 of 4" in reply and "[4." in reply
    button(at, "Next hint (2 of 4)").click().run()
    assert "Hint 2 of 4" in at.chat_message[3].markdown[0].value
    button(at, "Show the answer").click().run()  # the rest of the ladder skipped: its last step, the answer
    assert "Hint 4 of 4" in at.chat_message[5].markdown[0].value
    assert not any(b.label == "Show the answer" for b in at.button)  # nothing left to skip
    button(at, "New conversation").click().run()
    assert not at.chat_message


def test_out_of_scope_shows_the_refusal(ui_env):
    at = app_test("Home.py", learner="ui-cy").run()
    at.chat_input[0].set_value("What is the capital of France?").run()
    assert "isn't covered" in at.chat_message[1].markdown[0].value


def test_a_personal_situation_around_the_question_shows_the_clinician_note_under_the_answer(ui_env):
    # The API has always sent the note (the CLI prints it); the page showed the answer without it.
    at = app_test("Home.py", learner="ui-dee").run()
    at.chat_input[0].set_value("my dad had a stroke CT and the nurse said an AI triaged it. not asking about his "
                               "results - just what does triage AI actually do?").run()
    assert not at.exception
    assert "[" in at.chat_message[1].markdown[0].value  # answered, with its markers
    notes = [i.value for i in at.chat_message[1].info]
    assert len(notes) == 1 and "clinician" in notes[0]
    at.chat_input[0].set_value("What is specificity?").run()
    assert not at.chat_message[3].info  # a plain course question gets no such note


def test_clear_message_when_the_api_is_down(monkeypatch):
    monkeypatch.setenv("TUTOR_API_URL", f"http://127.0.0.1:{free_port()}")
    for page in ("Home.py", "pages/1_Quiz.py", "pages/2_Staff.py", "pages/3_Maintainer.py", "pages/4_Insight.py"):
        at = app_test(page, learner="ui-down").run()
        assert not at.exception, page
        assert any("not reachable" in e.value for e in at.error), page


def test_a_browser_session_gets_an_identity_and_a_resume_code_brings_it_back(ui_env):
    """No learner id to type (anyone could type anyone's): the API issues one, and the resume code restores it."""
    at = app_test("Home.py").run()
    assert not at.exception
    me = at.session_state["learner"]
    assert me["learner_id"].startswith("anon-") and me["resume_code"]
    assert any(c.value == me["resume_code"] for c in at.sidebar.code)  # shown to the learner to write down
    at.chat_input[0].set_value("What is specificity?").run()
    assert [m.name for m in at.chat_message] == ["user", "assistant"]

    other = app_test("Home.py").run()  # another browser session: someone else until the code is entered
    assert other.session_state["learner"]["learner_id"] != me["learner_id"]
    other.sidebar.text_input(key="resume_code_input").set_value(me["resume_code"])
    next(b for b in other.sidebar.button if b.label == "Resume").click().run()
    assert other.session_state["learner"]["learner_id"] == me["learner_id"]
    resume = selectbox(other, "Resume a conversation")
    assert resume.options and "What is specificity?" in resume.options[0]

    wrong = app_test("Home.py").run()
    wrong.sidebar.text_input(key="resume_code_input").set_value("AAAA-BBBB-CCCC-DDDD")
    next(b for b in wrong.sidebar.button if b.label == "Resume").click().run()
    assert any("not valid" in e.value for e in wrong.sidebar.error)


def test_a_run_stopped_while_its_answer_streamed_sends_the_question_again(ui_env):
    """A rerun (a click, a course switch) that stops the run streaming an answer left the learner's question on
    screen with no answer, for good; the next run sends it again (nothing was stored for it: no session yet)."""
    at = app_test("Home.py", learner="ui-eve").run()
    at.session_state["messages"] = [{"role": "user", "content": "What is specificity?", "answer": None,
                                     "pending": True}]  # what the stopped run leaves behind
    at.run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert "specificity" in at.chat_message[1].markdown[0].value.lower()
    assert not at.session_state["messages"][0].get("pending")


def test_a_question_typed_while_the_last_one_was_lost_is_asked_after_it(ui_env):
    """The learner typed a new question in the rerun that stopped the last one: both are answered, in order."""
    at = app_test("Home.py", learner="ui-hal").run()
    at.session_state["messages"] = [{"role": "user", "content": "What is specificity?", "answer": None,
                                     "pending": True, "mode": "answer"}]
    at.chat_input[0].set_value("What is PPV?").run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    asked = [m["content"] for m in at.session_state["messages"] if m["role"] == "user"]
    assert asked == ["What is specificity?", "What is PPV?"]
    assert "specificity" in at.chat_message[1].markdown[0].value.lower()


def test_a_stopped_hint_request_is_sent_again_as_a_hint(ui_env):
    at = app_test("Home.py", learner="ui-gus").run()
    at.session_state["messages"] = [{"role": "user", "content": "What is sensitivity?", "answer": None,
                                     "pending": True, "mode": "hint"}]  # sent in hint mode; the toggle is off now
    at.run()
    assert not at.exception
    assert "Hint 1 of 4" in at.chat_message[1].markdown[0].value


def test_a_run_stopped_after_the_api_stored_the_answer_shows_that_answer_without_asking_twice(ui_env):
    at = app_test("Home.py", learner="ui-fay").run()
    at.chat_input[0].set_value("What is specificity?").run()
    sid = at.session_state["session_id"]
    assert sid
    # The API answered the second question and stored it, but the run showing it was stopped by a rerun.
    with httpx.Client(base_url=ui_env, timeout=120) as api:
        r = api.post("/api/v1/chat", json={"message": "What is PPV?", "session_id": sid},
                     headers=learner_headers("ui-fay"))
        assert r.status_code == 200
    at.session_state["messages"] = [*at.session_state["messages"],
                                    {"role": "user", "content": "What is PPV?", "answer": None, "pending": True}]
    at.run()
    assert not at.exception
    assert [m.name for m in at.chat_message] == ["user", "assistant", "user", "assistant"]
    assert "PPV" in at.chat_message[3].markdown[0].value or "predictive" in at.chat_message[3].markdown[0].value
    with httpx.Client(base_url=ui_env) as api:
        turns = api.get(f"/api/v1/sessions/{sid}", headers=learner_headers("ui-fay")).json()["turns"]
    assert [t["question"] for t in turns] == ["What is specificity?", "What is PPV?"]  # not asked twice


def test_a_first_question_stopped_after_the_api_stored_it_stays_in_one_conversation(ui_env, monkeypatch):
    """The run streaming a first answer is stopped by a rerun after the API stored the turn: the next run shows the
    stored answer from the same conversation; it neither asks again nor leaves a second, one-turn conversation."""
    import streamlit as st

    at = app_test("Home.py", learner="ui-ida").run()
    api_client = sys.modules["api_client"]  # the module the page imported
    real = api_client.TutorApi.chat_stream
    stopped = []

    def stopped_once(self, *args, **kwargs):
        events = list(real(self, *args, **kwargs))  # the API answered, and stored the turn
        if not stopped:
            stopped.append(True)
            st.rerun()  # what a click or a course switch does to the run streaming the answer
        yield from events

    monkeypatch.setattr(api_client.TutorApi, "chat_stream", stopped_once)
    at.chat_input[0].set_value("What is specificity?").run()
    assert not at.exception and stopped
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert "specificity" in at.chat_message[1].markdown[0].value.lower()
    with httpx.Client(base_url=ui_env) as api:
        sessions = api.get("/api/v1/sessions", headers=learner_headers("ui-ida")).json()
        assert [s["id"] for s in sessions] == [at.session_state["session_id"]]
        turns = api.get(f"/api/v1/sessions/{sessions[0]['id']}", headers=learner_headers("ui-ida")).json()["turns"]
    assert [t["question"] for t in turns] == ["What is specificity?"]


def test_a_first_question_the_api_refuses_leaves_no_empty_conversation(ui_env):
    at = app_test("Home.py", learner="ui-jon").run()
    at.chat_input[0].set_value("why " * 2000).run()  # 8,000 characters: over the API's limit
    assert not at.exception
    assert at.error and at.session_state["messages"] == []
    with httpx.Client(base_url=ui_env) as api:
        assert api.get("/api/v1/sessions", headers=learner_headers("ui-jon")).json() == []
    assert not at.session_state["session_id"]
