"""The learner's home and chat: the course, starter questions, the outline and where they left off; answers whose
inline [C.S] markers open the cited section beside them, ratings, hints, past conversations (kept in the URL)."""
from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from browser_bridge import citation_clicks, linked_markers  # noqa: E402
from ui_common import (chapter_objectives, chapter_options, course_outline, course_title,  # noqa: E402
                       learner_id, plain, require_api, reset_on_course_change, show_error, show_section)

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


state.setdefault("starter_rotation", secrets.randbelow(10_000))  # another set of starters for each visit


def start_new_topic() -> None:
    """Forget the conversation on screen (the next question starts a new one) and take it out of the URL."""
    state.messages, state.session_id = [], None
    state.pop("open_section", None)
    st.query_params.pop("session", None)


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
    st.query_params["session"] = session_id


# The conversation on screen is the one in the URL (?session=…): a reload or a shared link shows it again.
wanted = st.query_params.get("session")
if wanted and wanted != state.session_id:
    try:
        load_session(wanted)
    except ApiError as exc:
        st.query_params.pop("session", None)
        if exc.status not in (401, 403, 404, 422):
            show_error(exc)
elif state.session_id and wanted != state.session_id:
    st.query_params["session"] = state.session_id


# -- sidebar: options and past conversations -----------------------------------------------------------------
with st.sidebar:
    st.header("Options")
    chapters = chapter_options()
    chapter_label = st.selectbox("Chapter filter", list(chapters), help="Answer only from this chapter.")
    hint_mode = st.toggle("Hint mode", help="Guide me to the right section with a question instead of the answer.")
    st.header("Conversations")
    if st.button("New conversation", width="stretch", help="Start a fresh topic: earlier questions are not used"):
        start_new_topic()
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

        # One picker per course. A callback runs with the names of the run that drew its widget, and a browser can
        # send a picker's value after a course switch has hidden it: a pick counts only in the course it was made in
        # (else another course's conversation would be loaded here, and the next question sent into it).
        resume_key = f"resume_select-{state.get('course')}"

        def on_resume(course: str | None) -> None:
            chosen = state.get(resume_key)
            if course != state.get("course") or not chosen or chosen == state.session_id:
                return
            try:
                load_session(chosen)
            except ApiError as exc:
                state.resume_error = exc.detail

        # The picker always shows the conversation on screen (or nothing for a new one).
        state[resume_key] = state.session_id if state.session_id in ids else None
        st.selectbox("Resume a conversation", ids, format_func=labels.get, placeholder="Pick a conversation",
                     key=resume_key, on_change=on_resume, args=(state.get("course"),))
        if state.get("resume_error"):
            st.error(state.pop("resume_error"))
        if state.session_id in ids and st.button("Delete this conversation", width="stretch"):
            try:
                api.delete_session(state.session_id, learner)
            except ApiError as exc:
                show_error(exc)
            start_new_topic()
            st.rerun()
    else:
        st.caption("No earlier conversations yet.")

outline = course_outline()
course_meta = (outline or {}).get("course", {})
st.title(course_title(course_meta.get("title") or "the course"))


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


def open_citation(index: int, ref: str) -> None:
    """Open section `ref` beside the answer at `index`, with what that answer quoted from it highlighted."""
    msg = state.messages[index] if 0 <= index < len(state.messages) else None
    answer = (msg or {}).get("answer") or {}
    state.open_section = {"ref": ref, "quotes": quotes_for(answer, ref), "index": index}


def same_question(a: str, b: str) -> bool:
    norm = lambda t: re.sub(r"[^\w]+", " ", t.casefold()).strip()  # noqa: E731
    return norm(a) == norm(b)


def render_rating(answer: dict, index: int, rated: str | None) -> None:
    """Thumbs up / down under the answer (always visible), with an optional comment beside them."""
    turn_id = answer.get("turn_id")
    if turn_id is None:
        return
    if rated:
        st.caption(f"Thanks — you rated this answer {'helpful' if rated == 'up' else 'not helpful'}.")
        return
    up, down, note = st.columns([1, 1, 2], vertical_alignment="center")
    rating = None
    if up.button("Helpful", key=f"up-{turn_id}", icon=":material/thumb_up:", type="tertiary"):
        rating = "up"
    if down.button("Not helpful", key=f"down-{turn_id}", icon=":material/thumb_down:", type="tertiary"):
        rating = "down"
    with note.popover("Add a comment", icon=":material/chat:"):
        st.text_input("Comment (sent with your rating)", key=f"comment-{turn_id}", max_chars=2000)
    if rating:
        try:
            api.give_feedback(turn_id, rating, learner=learner, comment=state.get(f"comment-{turn_id}", ""))
            state.messages[index]["rated"] = rating
            st.rerun()
        except ApiError as exc:
            show_error(exc)


def render_answer(answer: dict, index: int, rated: str | None) -> None:
    # [C.S] markers are links: the citation component opens that section beside the answer.
    st.markdown(linked_markers(answer["answer"], index))
    if answer.get("care_note"):  # a personal situation around the question: the course is no clinician
        st.info(answer["care_note"], icon=":material/medical_services:")
    hint = answer.get("hint") or {}
    if answer.get("quiz"):
        render_quiz_turn(answer["quiz"], index)
    elif hint and not hint.get("last"):  # a hint before the answer: the next step, not a quiz on what is unseen
        if index == len(state.messages) - 1 and state.session_id:
            next_col, answer_col = st.columns(2)
            with next_col:
                if st.button(f"Next hint ({hint['step'] + 1} of {hint['of']})", key=f"next-hint-{index}",
                             icon=":material/lightbulb:", help="One more step towards the answer"):
                    state.pending_message, state.pending_mode = "another hint", "hint"
                    st.rerun()
            with answer_col:  # the ladder's last step at once (the tutor reads "just tell me" the same way)
                if st.button("Show the answer", key=f"show-answer-{index}", icon=":material/visibility:",
                             help="Skip the remaining hints"):
                    state.pending_message, state.pending_mode = "just tell me", "hint"
                    st.rerun()
    elif (index == len(state.messages) - 1 and answer.get("status") == "answered" and answer.get("citations")
          and state.session_id):
        # What a learner may say next, as buttons that send those words (the tutor reads them as typed)
        quiz_col, more_col, short_col = st.columns(3)
        with quiz_col:
            if st.button("Quiz me on this", key=f"quiz-me-{index}", icon=":material/quiz:",
                         help="One question on the sections this answer used, graded here"):
                state.pending_message = "Quiz me"
                st.rerun()
        with more_col:
            if st.button("Tell me more", key=f"more-{index}", icon=":material/expand_more:",
                         help="More on this topic: what the answer has not said yet"):
                state.pending_message = "Tell me more"
                st.rerun()
        with short_col:
            if len(answer.get("sentences") or []) > 1 and st.button(
                    "In one sentence", key=f"short-{index}", icon=":material/short_text:",
                    help="This answer's main sentence, with its source"):
                state.pending_message = "In one sentence?"
                st.rerun()
    chips = answer.get("citations") or []
    if not chips and answer.get("suggestions"):
        chips = answer["suggestions"]
        st.caption("Related course sections:")
    elif chips:
        st.caption("Sources (or select a [chapter.section] marker in the answer):")
    if chips:
        cols = st.columns(min(len(chips), 4))
        for i, c in enumerate(chips):
            with cols[i % len(cols)]:
                if st.button(f"[{c['ref']}] {c['section_title']}", key=f"cite-{index}-{c['ref']}",
                             help=f"Open section {c['ref']} with the quoted sentences highlighted"):
                    open_citation(index, c["ref"])
                    st.rerun()
    render_rating(answer, index, rated)


def render_user_turn(index: int, text: str) -> None:
    plain(text)  # what the learner typed, as typed
    nxt = state.messages[index + 1] if index + 1 < len(state.messages) else None
    answer = (nxt or {}).get("answer") or {}
    read_as = answer.get("resolved_question") or answer.get("corrected_question") or ""
    hint = answer.get("hint") or {}
    if hint.get("step", 1) > 1 and not same_question(hint.get("question", ""), text):
        st.caption(f"Hint {hint['step']} of {hint['of']} for:")  # "another hint": which question it climbs
        plain(hint.get("question", ""))
    elif read_as and not same_question(read_as, text) and not answer.get("quiz"):
        st.caption("The tutor read this as:")
        plain(read_as)
        # The learner corrects a wrong reading by asking the same words on their own, in a fresh conversation.
        if index == len(state.messages) - 2 and st.button("Not what I meant: ask it on its own", key=f"alone-{index}",
                                                          help="Starts a new topic with exactly what you typed"):
            start_new_topic()
            state.pending_message = text
            st.rerun()


def render_home() -> None:
    """The first screen: what the course is, questions to start with, where the learner left off, the outline."""
    if course_meta.get("subtitle"):
        st.subheader(course_meta["subtitle"])
    overview = [p for p in (course_meta.get("overview") or "").split("\n\n") if p.strip()]
    if overview:
        st.markdown(overview[0])
    st.caption("Answers come only from the course and cite the section they use, as [chapter.section]. "
               "Select a citation to read that section with the quoted sentences highlighted.")
    try:
        starters = api.starters(count=8, rotation=state.starter_rotation)
    except ApiError:
        starters = []
    if starters:
        st.markdown("**Start with a question**")
        cols = st.columns(2)
        for k, s in enumerate(starters):
            if cols[k % 2].button(s["question"], key=f"starter-{k}", width="stretch",
                                  help=f"Chapter {s['chapter']}: {s['chapter_title']}"):
                state.pending_message = s["question"]
                st.rerun()
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Continue where you left off**")
        try:
            past = api.sessions(learner)
        except ApiError:
            past = []
        try:
            due = api.review_queue(learner)
        except ApiError:
            due = []
        if past:
            last = past[0]
            if st.button(f"Continue: {(last['title'] or 'your last conversation')[:70]}", key="continue-last",
                         icon=":material/history:"):
                try:
                    load_session(last["id"])
                except ApiError as exc:
                    show_error(exc)
                st.rerun()
        if due:
            st.page_link("pages/1_Quiz.py", label=f"{len(due)} quiz question{'s' if len(due) != 1 else ''} due "
                                                    "for review", icon=":material/event_repeat:")
        if not past and not due:
            st.caption("Nothing yet: ask a question or take a quiz, and it will be here next time.")
    with right:
        st.markdown("**Browse the course**")
        sections = (outline or {}).get("sections", [])
        for ch in course_meta.get("chapters", []):
            with st.expander(f"Chapter {ch['chapter']}: {ch['title']}"):
                for sec in (x for x in sections if x["chapter"] == ch["chapter"]):
                    if st.button(f"{sec['ref']} {sec['section_title']}", key=f"browse-{sec['ref']}",
                                 type="tertiary"):
                        state.open_section = {"ref": sec["ref"], "quotes": [], "index": -1, "browse": True}
                        st.rerun()


def recover_interrupted_turn() -> None:
    """A run stopped by a rerun while its answer streamed (a click or a course switch right after sending) leaves
    the learner's message on screen without its answer: take the answer from the stored conversation when the API
    finished it, else send the message again. Nothing the learner typed is lost, and no turn is stored twice."""
    if not state.messages or not state.messages[-1].get("pending"):
        return
    pending = state.messages.pop()
    message = pending["content"]
    if state.session_id:
        try:
            turns = api.session(state.session_id, learner)["turns"]
        except ApiError:
            turns = []
        answered = sum(1 for m in state.messages if m["role"] == "assistant")
        if len(turns) > answered and turns[-1]["question"] == message:
            load_session(state.session_id)
            return
    # sent again first, in the mode it was sent in ("another hint" stays a hint whatever the toggle says now)
    state.resend = {"content": message, "mode": pending.get("mode")}


def forget_empty_session(session_id: str) -> None:
    """A conversation created for a first question the API then refused holds nothing: delete it rather than list
    an empty conversation (one the API stored a turn in is kept, and shown)."""
    try:
        if api.session(session_id, learner)["turns"]:
            load_session(session_id)
            return
        api.delete_session(session_id, learner)
    except ApiError:
        pass
    start_new_topic()


recover_interrupted_turn()
clicked = citation_clicks()
if clicked:
    open_citation(*clicked)

typed = st.chat_input("Ask about the course, e.g. “What is sensitivity?”")
resend = state.pop("resend", None)
if resend and typed:
    state.pending_message = typed  # asked next, after the question the stopped run lost
prompt = resend["content"] if resend else typed or state.pop("pending_message", None)
opened = state.get("open_section")
if opened:
    chat_col, panel_col = st.columns([3, 2], gap="large")
else:
    chat_col, panel_col = st.container(), None

with chat_col:
    if state.messages:
        if st.button("New topic", key="new-topic", icon=":material/add_comment:",
                     help="Start a fresh conversation: earlier questions are not used"):
            start_new_topic()
            st.rerun()
        st.caption("Follow-up questions use this conversation. Start a new topic to ask about something else.")
    elif not prompt:
        render_home()
    for i, msg in enumerate(state.messages):
        with st.chat_message(msg["role"]):
            if msg["role"] == "assistant" and msg.get("answer"):
                render_answer(msg["answer"], i, msg.get("rated"))
            else:
                render_user_turn(i, msg["content"])

if panel_col is not None:
    with panel_col:
        browse = opened.get("browse")
        chapter = int(opened["ref"].split(".")[0])
        show_section(opened["ref"], opened["quotes"], key=f"{opened['index']}-{opened['ref']}",
                     objectives=chapter_objectives(chapter) if browse else None,
                     caption=None if browse else f"Cited in answer {opened['index'] // 2 + 1}")

if prompt:
    # "pending" until its answer is in: a run stopped before that is picked up by recover_interrupted_turn()
    mode = (resend.get("mode") if resend else state.pop("pending_mode", None)) \
        or ("hint" if hint_mode else "answer")
    state.messages.append({"role": "user", "content": prompt, "answer": None, "pending": True, "mode": mode})
    created = None
    if not state.session_id:
        # The conversation exists before its first question is sent, so a run stopped while that answer streams
        # finds it stored there (recover_interrupted_turn) instead of sending it again into a second conversation.
        try:
            created = state.session_id = api.new_session(learner)["id"]
            st.query_params["session"] = created
        except ApiError:
            pass  # the chat request then creates it, as before, and reports what is wrong
    with chat_col:
        with st.chat_message("user"):
            plain(prompt)
        with st.chat_message("assistant"):
            placeholder = st.empty()
            shown: list[str] = []
            final = None
            try:
                for event, data in api.chat_stream(prompt, learner=learner, session_id=state.session_id,
                                                   chapter=chapters.get(chapter_label),
                                                   mode=mode):
                    if event == "sentence":
                        shown.append(data.get("marked") or data["text"])
                        placeholder.markdown(" ".join(shown) + " ▌")
                    elif event == "answer":
                        final = data
            except ApiError as exc:
                state.messages.pop()
                show_error(exc)
                if created:
                    forget_empty_session(created)
    if final is not None:
        state.messages[-1]["pending"] = False
        placeholder.markdown(final["answer"])
        state.session_id = final.get("session_id") or state.session_id
        if state.session_id:
            st.query_params["session"] = state.session_id
        state.messages.append({"role": "assistant", "content": final["answer"], "answer": final})
        if state.get("open_section"):  # the panel follows the latest answer (or closes when it cites nothing)
            first = (final.get("citations") or [None])[0]
            if first:
                open_citation(len(state.messages) - 1, first["ref"])
            else:
                state.pop("open_section", None)
        st.rerun()
