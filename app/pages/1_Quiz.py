"""Quiz: a chapter's course quiz or generated practice, one item at a time, cited feedback, progress, review queue."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from ui_common import (chapter_options, course_quiz_chapters, course_title, learner_id, require_api,  # noqa: E402
                       reset_on_course_change, show_error, show_section)

st.set_page_config(page_title="Quiz · Imaging tutor", page_icon="📝", layout="wide")
api = require_api()
learner = learner_id()
state = st.session_state
state.setdefault("quiz", None)  # the SessionView of the running quiz
state.setdefault("quiz_result", None)  # the SubmitResult of the last answer, shown until "Next question"
state.setdefault("quiz_owner", learner)
state.setdefault("quiz_hints", {})  # item id -> the hint steps shown so far (the API remembers them too)
if state.quiz_owner != learner:
    state.quiz, state.quiz_result, state.quiz_owner = None, None, learner
    state.quiz_hints = {}
# a quiz is one course's
reset_on_course_change("quiz", {"quiz": None, "quiz_result": None, "open_section": None, "quiz_hints": {}})

st.title(f"Practise with quizzes: {course_title()}")

MODES = {"Course quiz (the chapter's own questions)": "course",
         "Practice (questions generated from the course text)": "practice",
         "Review (questions you missed, when they are due)": "review",
         "Saved quiz (a code from your teacher)": "bank"}


def start(mode: str, chapter: int | None, count: int, free_text: bool, quiz_id: str | None = None) -> None:
    try:
        with st.spinner("Preparing your quiz…"):
            state.quiz = api.start_quiz(learner, mode=mode, chapter=chapter, count=count, free_text=free_text,
                                        quiz_id=quiz_id)
        state.quiz_result = None
        state.pop("open_section", None)
    except ApiError as exc:
        show_error(exc)


with st.container(border=True):
    st.subheader("Start a quiz")
    chapters = {k: v for k, v in chapter_options().items() if v is not None}
    c1, c2 = st.columns(2)
    chapter_label = c1.selectbox("Chapter", list(chapters) or ["(no chapters)"])
    # A chapter's own quiz needs its answer keys: without them (a course drafted from raw text has stems only) the
    # course quiz is not offered, and the page says why.
    keyed = chapters.get(chapter_label) in course_quiz_chapters()
    modes = {label: m for label, m in MODES.items() if m != "course" or keyed}
    mode_label = c2.radio("Kind of quiz", list(modes))
    mode = modes[mode_label]
    if not keyed and chapters:
        c2.caption("This chapter's own quiz has no answer keys in this course, so it cannot be taken here; "
                   "practice questions are generated from the chapter's text.")
    count = 5
    free_text = False
    quiz_code = None
    if mode == "bank":
        quiz_code = st.text_input("Quiz code", placeholder="qb-…").strip() or None
    elif mode == "practice":
        count = st.number_input("Number of questions", min_value=1, max_value=20, value=5, step=1)
    elif mode == "course":
        free_text = st.checkbox("Answer in my own words (no options)")
    if st.button("Start quiz", type="primary"):
        start(mode, chapters.get(chapter_label) if mode in ("course", "practice") else None, int(count), free_text,
              quiz_code)


def answer_widget(item: dict):
    """The input for an item's type; returns the response (None until the learner gives one)."""
    key = f"response-{state.quiz['id']}-{item['id']}"
    if item["type"] in ("mcq", "tf") and item.get("options"):
        return st.radio("Your answer", item["options"], index=None, key=key)
    if item["type"] == "tf":
        return st.radio("Your answer", ["True", "False"], index=None, key=key)
    if item["type"] == "cloze":
        return st.text_input("Your answer (the missing term)", key=key, max_chars=200)
    if item["type"] == "numeric":
        unit = " (in %)" if item.get("unit") == "%" else ""
        return st.text_input(f"Your answer, a number{unit}", key=key, max_chars=50, placeholder="e.g. 42.5")
    return st.text_area("Your answer, in your own words", key=key, max_chars=2000)


LEVELS = {"recall": "Recall", "understand": "Understand", "apply": "Apply"}


quiz = state.quiz
result = state.quiz_result
if quiz:
    st.divider()
    st.subheader({"course": "Course quiz", "practice": "Practice quiz", "review": "Review",
                  "bank": "Quiz"}.get(quiz["source"], "Quiz") + (f" · chapter {quiz['chapter']}" if quiz["chapter"] else ""))
    if result:
        verdict = result["verdict"]
        # The verdict is said in words as well as by colour and icon.
        # The API's feedback never repeats the verdict, so it is said once, here.
        if result["correct"]:
            st.success(f"**Correct.** {result['feedback']}", icon=":material/check_circle:")
        elif verdict == "partial":
            st.warning(f"**Partly right** (score {result['score']:.0%}). {result['feedback']}", icon=":material/adjust:")
        else:
            st.error(f"**Incorrect.** {result['feedback']}", icon=":material/cancel:")
        if result.get("solution"):
            with st.expander("Worked solution", expanded=not result["correct"]):
                st.markdown("\n".join(f"{k}. {step}" for k, step in enumerate(result["solution"], 1)))
        cite = result["citation"]
        if st.button(f"Reread [{cite['ref']}] {cite['section_title']}", key="quiz-cite",
                     help="Open the section this answer comes from, with the passage highlighted"):
            state.open_section = {"ref": cite["ref"], "quotes": [cite["quote"]], "index": "quiz"}
        opened = state.get("open_section")
        if opened and opened.get("index") == "quiz":
            show_section(opened["ref"], opened["quotes"], key="quiz")
        st.caption(f"{result['answered']} of {result['total']} answered")
        if result["next"] is not None:
            if st.button("Next question", type="primary"):
                state.quiz = {**quiz, "next": result["next"], "answered": result["answered"]}
                state.quiz_result = None
                state.pop("open_section", None)
                st.rerun()
        else:
            try:
                final = api.quiz_session(quiz["id"], learner)
                st.info(f"Quiz complete: {final['correct']} of {final['total']} correct.", icon=":material/flag:")
            except ApiError as exc:
                show_error(exc)
    elif quiz["next"] is not None:
        item = quiz["next"]
        st.progress((item["position"] - 1) / item["total"],
                    text=f"Question {item['position']} of {item['total']} · section {item['ref']} · "
                         f"{LEVELS.get(item.get('level'), 'Recall')}")
        shown = state.quiz_hints.get(item["id"], [])
        for h in shown:
            st.info(f"**Hint {h['step']} of {h['of']}** — {h['text']}", icon=":material/lightbulb:")
        if not shown or not shown[-1]["last"]:
            step = len(shown) + 1
            if st.button(f"Hint {step} of 4", key=f"hint-{item['id']}",
                         help="One step at a time: the section, the idea to look for, the key sentence with a gap, "
                              "then the answer (an answer you were shown comes back for review)."):
                try:
                    state.quiz_hints[item["id"]] = [*shown, api.item_hint(quiz["id"], item["id"], learner)]
                    st.rerun()
                except ApiError as exc:
                    show_error(exc)
        with st.form(f"item-{item['id']}"):
            st.markdown(f"**{item['prompt']}**")
            response = answer_widget(item)
            submitted = st.form_submit_button("Submit answer")
        if submitted:
            if response is None or not str(response).strip():
                st.warning("Choose or type an answer first.")
            else:
                try:
                    state.quiz_result = api.answer_item(quiz["id"], item["id"], str(response), learner)
                    st.rerun()
                except ApiError as exc:
                    show_error(exc)
    else:
        st.info(f"Quiz complete: {quiz['correct']} of {quiz['total']} correct.", icon=":material/flag:")

st.divider()
st.subheader("Your progress by section")
try:
    progress = api.progress(learner)
except ApiError as exc:
    progress = []
    show_error(exc)
if progress:
    # A practised section at 0% must not look unpractised: its bar is drawn at a small visible height and every
    # bar is labelled with its true share and number of answers.
    frame = pd.DataFrame([{"section": p["ref"], "title": p["section_title"], "accuracy": p["accuracy"],
                           "drawn": max(p["accuracy"], 0.02), "label": f"{p['accuracy']:.0%} of {p['attempts']}",
                           "attempts": p["attempts"], "chapter": f"Chapter {p['ref'].split('.')[0]}"}
                          for p in progress])
    try:
        import altair as alt

        base = alt.Chart(frame).encode(x=alt.X("section:N", sort=None, title="Section"))
        bars = base.mark_bar().encode(
            y=alt.Y("drawn:Q", title="Share answered correctly", scale=alt.Scale(domain=[0, 1]),
                    axis=alt.Axis(format="%")),
            color=alt.Color("chapter:N", title="Chapter"),
            tooltip=["section", "title", alt.Tooltip("accuracy:Q", format=".0%"), "attempts"])
        labels = base.mark_text(dy=-6, fontSize=11).encode(y="drawn:Q", text="label:N")
        chart = (bars + labels).properties(height=260, title="Accuracy per section (labels: share correct of answers)")
        st.altair_chart(chart, width="stretch")
    except ImportError:  # altair ships with streamlit, but the plain chart is an acceptable fallback
        st.bar_chart(frame, x="section", y="accuracy")
    weakest = min(progress, key=lambda p: (p["accuracy"], -p["attempts"]))
    n, answers = len(progress), weakest["attempts"]
    st.caption(f"{n} section{'s' if n != 1 else ''} practised. Weakest so far: [{weakest['ref']}] "
               f"{weakest['section_title']} ({weakest['accuracy']:.0%} of {answers} answer{'s' if answers != 1 else ''}"
               " correct).")
else:
    st.caption("No answers yet: start a quiz above and your progress per section appears here.")

st.subheader("Review queue")
try:
    queue = api.review_queue(learner)
except ApiError as exc:
    queue = []
    show_error(exc)
if queue:
    st.caption(f"{len(queue)} question(s) are due again. Missed questions come back after growing intervals.")
    for entry in queue:
        st.markdown(f"- [{entry['item']['ref']}] {entry['item']['prompt']}  \n  due {entry['due'][:16].replace('T', ' ')}"
                    f" · reviewed {entry['reviews']}×")
    if st.button("Start review"):
        start("review", None, len(queue), False)
        st.rerun()
else:
    st.caption("Nothing is due for review right now.")
