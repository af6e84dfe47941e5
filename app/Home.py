"""Chat with the tutor: answers with citation chips that open the cited section, hints, feedback, past sessions."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from ui_common import (chapter_options, course_title, learner_id, plain, require_api, reset_on_course_change,  # noqa: E402
                       show_error, show_section)

st.set_page_config(page_title="Chat · Imaging tutor", page_icon="🩻", layout="wide")
api = require_api()
learner = learner_id()

state = st.session_state
state.setdefault("messages", [])  # [{"role": "user"|"assistant", "content": str, "answer": dict|None}]
state.setdefault("session_id", None)
state.setdefault("session_owner", learner)
if state.session_owner != learner:  # a different learner id: do not show someone else's conversation
    state.messages, state.session_id, state.session_owner = [], None, learner
    state.pop("open_section", None)
reset_on_course_change("chat", {"messages": [], "session_id": None, "open_section": None})


def load_session(session_id: str) -> None:
    detail = api.session(session_id, learner)
    messages = []
    for turn in detail["turns"]:
        messages.append({"role": "user", "content": turn["question"], "answer": None})
        answer = turn["answer"]
        answer["turn_id"] = turn["id"]
        messages.append({"role": "assistant", "content": answer["answer"], "answer": answer,
                         "rated": (turn.get("feedback") or {}).get("rating")})
    state.messages, state.session_id = messages, session_id
    state.pop("open_section", None)


# -- sidebar: options and past conversations -----------------------------------------------------------------
with st.sidebar:
    st.header("Options")
    chapters = chapter_options()
    chapter_label = st.selectbox("Chapter filter", list(chapters), help="Answer only from this chapter.")
    hint_mode = st.toggle("Hint mode", help="Guide me to the right section with a question instead of the answer.")
    st.header("Conversations")
    if st.button("New conversation", width="stretch"):
        state.messages, state.session_id = [], None
        state.pop("open_section", None)
        st.rerun()
    try:
        past = api.sessions(learner)
    except ApiError as exc:
        past = []
        show_error(exc)
    if past:
        labels = {s["id"]: (s["title"] or "(empty)")[:60] + f" · {s['updated_at'][:16].replace('T', ' ')}"
                  for s in past}
        ids = list(labels)

        def on_resume() -> None:
            chosen = state.get("resume_select")
            if chosen and chosen != state.session_id:
                try:
                    load_session(chosen)
                except ApiError as exc:
                    state.resume_error = exc.detail

        # The picker always shows the conversation on screen (or nothing for a new one).
        state.resume_select = state.session_id if state.session_id in ids else None
        st.selectbox("Resume a conversation", ids, format_func=labels.get, placeholder="Pick a conversation",
                     key="resume_select", on_change=on_resume)
        if state.get("resume_error"):
            st.error(state.pop("resume_error"))
        if state.session_id in ids and st.button("Delete this conversation", width="stretch"):
            try:
                api.delete_session(state.session_id, learner)
            except ApiError as exc:
                show_error(exc)
            state.messages, state.session_id = [], None
            st.rerun()
    else:
        st.caption("No earlier conversations yet.")

st.title(f"Ask the tutor: {course_title()}")
st.caption("Answers come only from the course and cite the section they use, as [chapter.section]. "
           "Select a citation to read that section with the quoted sentences highlighted.")


def quotes_for(answer: dict, ref: str) -> list[str]:
    """What to highlight in a cited section: the citation quotes and the answer's sentences taken from it."""
    quotes = [c["quote"] for c in answer.get("citations", []) if c["ref"] == ref and c.get("quote")]
    quotes += [s["text"] for s in answer.get("sentences", []) if ref in s.get("refs", [])]
    return list(dict.fromkeys(quotes))


def render_quiz_turn(quiz: dict, index: int) -> None:
    """A 'quiz me' question still open: its options (and hint / skip) as buttons that send the reply."""
    if index != len(state.messages) - 1 or quiz.get("state") not in ("asked", "hint"):
        return
    item = quiz["item"]
    choices = {"mcq": [(chr(65 + k), o) for k, o in enumerate(item.get("options") or [])],
               "tf": [("true", "True"), ("false", "False")]}.get(item["type"], [])
    cols = st.columns(max(1, len(choices)) + 2)
    for k, (reply, label) in enumerate(choices):
        if cols[k].button(f"{reply.upper() if len(reply) == 1 else label}" + (f". {label}" if len(reply) == 1 else ""),
                          key=f"quiz-{index}-{k}"):
            state.pending_message = reply
            st.rerun()
    if cols[-2].button("Hint", key=f"quiz-hint-{index}", icon=":material/lightbulb:"):
        state.pending_message = "hint"
        st.rerun()
    if cols[-1].button("Skip", key=f"quiz-skip-{index}"):
        state.pending_message = "skip"
        st.rerun()
    if not choices:
        st.caption("Type your answer in the box below.")


def render_answer(answer: dict, index: int, rated: str | None) -> None:
    st.markdown(answer["answer"])
    if answer.get("quiz"):
        render_quiz_turn(answer["quiz"], index)
    elif (index == len(state.messages) - 1 and answer.get("status") == "answered" and answer.get("citations")
          and state.session_id and st.button("Quiz me on this", key=f"quiz-me-{index}", icon=":material/quiz:",
                                             help="One question on the sections this answer used, graded here")):
        state.pending_message = "Quiz me"
        st.rerun()
    chips = answer.get("citations") or []
    if not chips and answer.get("suggestions"):
        chips = answer["suggestions"]
        st.caption("Related course sections:")
    elif chips:
        st.caption("Sources:")
    if chips:
        cols = st.columns(min(len(chips), 4))
        for i, c in enumerate(chips):
            with cols[i % len(cols)]:
                if st.button(f"[{c['ref']}] {c['section_title']}", key=f"cite-{index}-{c['ref']}",
                             help=f"Open section {c['ref']} with the quoted sentences highlighted"):
                    state.open_section = {"ref": c["ref"], "quotes": quotes_for(answer, c["ref"]), "index": index}
                    st.rerun()
    turn_id = answer.get("turn_id")
    if turn_id is None:
        return
    if rated:
        st.caption(f"Thanks — you rated this answer {'helpful' if rated == 'up' else 'not helpful'}.")
        return
    with st.expander("Rate this answer"):
        comment = st.text_input("Comment (optional)", key=f"comment-{turn_id}")
        up, down = st.columns(2)
        rating = None
        if up.button("Helpful", key=f"up-{turn_id}", icon=":material/thumb_up:"):
            rating = "up"
        if down.button("Not helpful", key=f"down-{turn_id}", icon=":material/thumb_down:"):
            rating = "down"
        if rating:
            try:
                api.give_feedback(turn_id, rating, learner=learner, comment=comment)
                state.messages[index]["rated"] = rating
                st.rerun()
            except ApiError as exc:
                show_error(exc)


for i, msg in enumerate(state.messages):
    with st.chat_message(msg["role"]):
        if msg["role"] == "assistant" and msg.get("answer"):
            render_answer(msg["answer"], i, msg.get("rated"))
        else:
            plain(msg["content"])  # what the learner typed, as typed

opened = state.get("open_section")
if opened:
    show_section(opened["ref"], opened["quotes"], key=f"{opened['index']}-{opened['ref']}")

prompt = st.chat_input("Ask about the course, e.g. “What is sensitivity?”") or state.pop("pending_message", None)
if prompt:
    state.messages.append({"role": "user", "content": prompt, "answer": None})
    with st.chat_message("user"):
        plain(prompt)
    with st.chat_message("assistant"):
        placeholder = st.empty()
        shown: list[str] = []
        final = None
        try:
            for event, data in api.chat_stream(prompt, learner=learner, session_id=state.session_id,
                                               chapter=chapters.get(chapter_label),
                                               mode="hint" if hint_mode else "answer"):
                if event == "sentence":
                    shown.append(data.get("marked") or data["text"])
                    placeholder.markdown(" ".join(shown) + " ▌")
                elif event == "answer":
                    final = data
        except ApiError as exc:
            state.messages.pop()
            show_error(exc)
        if final is not None:
            placeholder.markdown(final["answer"])
            state.session_id = final.get("session_id") or state.session_id
            state.messages.append({"role": "assistant", "content": final["answer"], "answer": final})
            st.rerun()
