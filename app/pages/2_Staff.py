"""Staff: generate a quiz, review and save it, edit saved items, export (GIFT, QTI, Markdown, JSON), feedback inbox."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from ui_common import (chapter_options, course_title, plain, require_api, require_token,  # noqa: E402
                       reset_on_course_change, show_error)

st.set_page_config(page_title="Staff · Imaging tutor", page_icon="🧑‍🏫", layout="wide")
api = require_api()
state = st.session_state
reset_on_course_change("staff", {"draft": None, "selected_quiz": None})  # drafts and saved quizzes are per course
st.title(f"Staff: quizzes and feedback · {course_title()}")

token = require_token("Staff token", "staff_token",
                    help="From TUTOR_STAFF_TOKEN, or staff_token in the tokens.json file `imaging-tutor up` printed.")
try:
    bank = api.quizzes(token)
except ApiError as exc:
    show_error(exc)
    st.stop()

TYPES = {"mcq": "Multiple choice", "tf": "True/false", "cloze": "Fill in the blank", "short": "Short answer",
         "numeric": "Computed (number)"}
EXPORTS = {"gift": "GIFT (Moodle)", "qti": "QTI 1.2 zip (Canvas)", "md": "Markdown with answer key", "json": "JSON"}


def item_details(item: dict) -> None:
    st.markdown(f"**{item['prompt']}**")
    if item.get("options"):
        st.markdown("\n".join(f"- {o} **(correct)**" if o == item["answer"] else f"- {o}" for o in item["options"]))
    else:
        st.markdown(f"Answer: **{item['answer']}**")
    if item.get("solution"):
        st.markdown("Worked solution:\n" + "\n".join(f"{k}. {step}" for k, step in enumerate(item["solution"], 1)))
    st.caption(f"[{item['citation']['ref']}] {item['citation']['section_title']} · level {item.get('level', 'recall')}"
               f" · difficulty {item['difficulty']} · id `{item['id']}`"
               + (" · STALE: its quote is no longer in the course" if item.get("stale") else ""))
    st.markdown(f"> {item['explanation']}")


if state.get("staff_flash"):  # a confirmation that survives the rerun after saving
    st.toast(state.staff_flash, icon=":material/check_circle:")
    st.success(state.pop("staff_flash"), icon=":material/check_circle:")

generate_tab, bank_tab, inbox_tab = st.tabs(["Generate", "Quiz bank", "Feedback inbox"])

with generate_tab:
    chapters = {k: v for k, v in chapter_options().items() if v is not None}
    with st.form("generate"):
        # Nothing preselected: adding chapter 4 must give a chapter 4 quiz, not "chapter 1, chapter 4".
        picked = st.multiselect("Chapters", list(chapters), default=[], placeholder="All chapters",
                                help="Leave empty for the whole course.")
        refs_text = st.text_input("Sections (optional, comma separated, e.g. 4.2, 4.3)")
        c1, c2, c3 = st.columns(3)
        count = c1.number_input("Number of questions", min_value=1, max_value=200, value=10)
        seed = c2.number_input("Seed (same seed, same quiz)", min_value=0, max_value=2**31 - 1, value=0)
        types = c3.multiselect("Question types", list(TYPES), default=list(TYPES), format_func=TYPES.get)
        go = st.form_submit_button("Generate", type="primary")
    if go:
        spec = {"chapters": [chapters[p] for p in picked],
                "refs": [r.strip() for r in refs_text.split(",") if r.strip()],
                "count": int(count), "types": types, "seed": int(seed)}
        try:
            with st.spinner("Generating and validating items…"):
                state.draft = api.generate_quiz(token, **spec)
            state.draft_spec = spec
        except ApiError as exc:
            show_error(exc)
    draft = state.get("draft")
    if draft:
        st.subheader(draft["title"])
        st.caption(f"{len(draft['items'])} items ({draft.get('possible')} valid items were possible; "
                   f"{len(draft.get('rejections', []))} candidates rejected by validation). "
                   "Untick a question to leave it out.")
        keep = {}
        for n, item in enumerate(draft["items"], start=1):
            with st.expander(f"{n}. {TYPES[item['type']]} · [{item['citation']['ref']}] {item['prompt'][:90]}"):
                item_details(item)
                keep[item["id"]] = st.checkbox("Include this question", value=True, key=f"keep-{item['id']}")
        title = st.text_input("Title", value=draft["title"], max_chars=200)
        if st.button("Save to quiz bank", type="primary"):
            try:
                saved = api.save_quiz(token, title=title, exclude=[i for i, k in keep.items() if not k],
                                      **state.draft_spec)
                st.success(f"Saved “{saved['title']}” with {saved['items']} questions (id {saved['id']}).", icon=":material/save:")
                state.pop("draft", None)
                state.selected_quiz = saved["id"]
                bank = api.quizzes(token)
            except ApiError as exc:
                show_error(exc)

    st.divider()
    st.subheader("The course's own chapter quizzes")
    c1, c2 = st.columns([3, 1])
    course_chapter = c1.selectbox("Chapter quiz to export", list(chapters) or ["(no chapters)"], key="course-quiz")
    if c2.button("Prepare exports", key="course-quiz-prepare") and chapters.get(course_chapter):
        state.course_export = f"course-{chapters[course_chapter]}"
    if state.get("course_export"):
        st.caption(f"Quiz id `{state.course_export}` (also for `imaging-tutor quiz export {state.course_export}`).")
        cols = st.columns(len(EXPORTS))
        for col, (fmt, label) in zip(cols, EXPORTS.items()):
            try:
                data, mime, name = api.export_quiz(token, state.course_export, fmt)
                col.download_button(f"Download {label}", data=data, file_name=name, mime=mime.split(";")[0],
                                    key=f"course-export-{fmt}")
            except ApiError as exc:
                col.warning(f"{label}: {exc.detail}")

    st.divider()
    st.subheader("Item statistics")
    st.caption("How items behave with learners: share answered correctly, discrimination (do learners who do well "
               "elsewhere get it right?), the difficulty their answers show. Retire an item that misbehaves: it is "
               "never drawn into a quiz again.")
    try:
        stats = api.item_stats(token)
    except ApiError as exc:
        stats = []
        show_error(exc)
    if not stats:
        st.caption("No answers yet.")
    for row in stats[:100]:
        disc = "n/a" if row["discrimination"] is None else f"{row['discrimination']:+.2f}"
        head = (f"`{row['item_id']}` [{row['ref']}] · {row['answers']} answers · {row['share_correct']:.0%} correct · "
                f"discrimination {disc} · {row['observed_difficulty'] or 'too few answers'}"
                + (f" · ⚠ {row['flag']}" if row["flag"] else "") + (" · RETIRED" if row["retired"] else ""))
        c1, c2 = st.columns([5, 1])
        c1.markdown(head)
        if c2.button("Restore" if row["retired"] else "Retire", key=f"retire-{row['item_id']}"):
            try:
                api.retire_item(token, row["item_id"], reason=row["flag"] or "retired by staff",
                                retired=not row["retired"])
                st.rerun()
            except ApiError as exc:
                show_error(exc)

with bank_tab:
    if not bank:
        st.caption("No saved quizzes yet. Generate one and save it.")
    else:
        labels = {q["id"]: f"{q['title']} · {q['items']} questions" + (f" · {q['stale_items']} stale" if q["stale_items"] else "")
                  for q in bank}
        ids = list(labels)
        default = ids.index(state.get("selected_quiz")) if state.get("selected_quiz") in ids else 0
        quiz_id = st.selectbox("Saved quiz", ids, index=default, format_func=labels.get)
        state.selected_quiz = quiz_id
        try:
            quiz = api.quiz(token, quiz_id)
        except ApiError as exc:
            show_error(exc)
            st.stop()
        st.caption(f"Quiz id `{quiz_id}`: learners can take it from the Quiz page with this code.")
        cols = st.columns(len(EXPORTS))
        for col, (fmt, label) in zip(cols, EXPORTS.items()):
            try:
                data, mime, name = api.export_quiz(token, quiz_id, fmt)
                col.download_button(f"Download {label}", data=data, file_name=name, mime=mime.split(";")[0],
                                    key=f"export-{fmt}")
            except ApiError as exc:
                col.warning(f"{label}: {exc.detail}")
        for n, item in enumerate(quiz["items"], start=1):
            with st.expander(f"{n}. {TYPES[item['type']]} · [{item['citation']['ref']}] {item['prompt'][:90]}"):
                item_details(item)
                with st.form(f"edit-{item['id']}"):
                    prompt = st.text_area("Question", value=item["prompt"], max_chars=1200)
                    answer = st.text_input("Correct answer", value=item["answer"], max_chars=400)
                    options = st.text_area("Options (one per line)", value="\n".join(item.get("options") or []),
                                           disabled=not item.get("options"))
                    difficulty = st.selectbox("Difficulty", ["easy", "medium", "hard"],
                                              index=["easy", "medium", "hard"].index(item["difficulty"]))
                    if st.form_submit_button("Save changes"):
                        changes = {"prompt": prompt, "answer": answer, "difficulty": difficulty}
                        if item.get("options"):
                            changes["options"] = [o.strip() for o in options.splitlines() if o.strip()]
                        try:
                            api.update_item(token, quiz_id, item["id"], changes)
                            state.staff_flash = f"Saved your changes to question {n}."
                            st.rerun()
                        except ApiError as exc:
                            show_error(exc)
                c1, c2 = st.columns(2)
                if c1.button("Regenerate this question", key=f"regen-{item['id']}"):
                    try:
                        api.regenerate_item(token, quiz_id, item["id"], seed=n)
                        st.rerun()
                    except ApiError as exc:
                        show_error(exc)
                if c2.button("Delete this question", key=f"del-{item['id']}"):
                    try:
                        api.delete_item(token, quiz_id, item["id"])
                        st.rerun()
                    except ApiError as exc:
                        show_error(exc)
        if st.button("Delete this quiz", key="delete-quiz"):
            try:
                api.delete_quiz(token, quiz_id)
                state.pop("selected_quiz", None)
                st.rerun()
            except ApiError as exc:
                show_error(exc)

with inbox_tab:
    which = st.radio("Show", ["All", "Not helpful", "Helpful"], horizontal=True)
    try:
        entries = api.feedback_inbox(token, {"All": None, "Helpful": "up", "Not helpful": "down"}[which])
    except ApiError as exc:
        entries = []
        show_error(exc)
    if not entries:
        st.caption("No feedback yet.")
    for e in entries:
        # Everything a learner wrote (question, comment) and the answer shown to them is plain text here: a
        # comment with markdown or HTML must not load images from elsewhere or show links in the staff's browser.
        verdict = ":material/thumb_up: Helpful" if e["rating"] == "up" else ":material/thumb_down: Not helpful"
        with st.expander(f"{verdict} · turn {e['turn_id']} · {e['created_at'][:16].replace('T', ' ')}"):
            st.caption("Learner")
            plain(f"{e['learner_id'] or '(anonymous)'} · session {e['session_id']}")
            if e["comment"]:
                st.caption("Comment")
                plain(e["comment"])
            st.caption("Question")
            plain(e["question"])
            st.caption("Answer")
            plain(e["answer"]["answer"])
            for c in e["answer"].get("citations", []):
                plain(f"[{c['ref']}] {c['section_title']}: “{c['quote']}”")
