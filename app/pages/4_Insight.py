"""Staff insight: what learners ask per section, what the course could not answer (content gaps grouped by meaning),
how they do in quizzes, the most missed items; filters by chapter and date; CSV export. Learners are pseudonyms."""
from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from ui_common import chapter_options, course_title, plain, require_api, require_token, show_error  # noqa: E402

st.set_page_config(page_title="Insight · Imaging tutor", page_icon="🔎", layout="wide")
api = require_api()
st.title(f"Insight: what learners need · {course_title()}")
token = require_token("Staff token", "staff_token",
                      help="From TUTOR_STAFF_TOKEN, or staff_token in the tokens.json file `imaging-tutor up` printed.")

chapters = chapter_options()
c1, c2, c3 = st.columns([2, 1, 1])
chapter = chapters.get(c1.selectbox("Chapter", list(chapters), key="insight_chapter"))
use_dates = c2.toggle("Only a date range", key="insight_use_dates")
since = until = None
if use_dates:
    picked = c3.date_input("From – to", value=(date.today() - timedelta(days=30), date.today()), key="insight_dates")
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        since, until = picked[0].isoformat(), picked[1].isoformat()
filters = {"chapter": chapter, "since": since, "until": until}
try:
    with st.spinner("Reading questions, ratings and quiz answers…"):
        report = api.insight(token, **filters)
except ApiError as exc:
    show_error(exc)
    st.stop()

totals = report["totals"]
cols = st.columns(5)
for col, (label, key) in zip(cols, [("Learners", "learners"), ("Questions", "questions"), ("Refused", "refused"),
                                    ("Not helpful", "thumbs_down"), ("Quiz answers", "quiz_answers")]):
    col.metric(label, totals.get(key, 0))
st.caption("Learners are counted, never named: each appears only as a pseudonymous id. Question texts are shown "
           "only when the course could not answer them or a learner rated the answer not helpful, and never with "
           "who asked.")


def download(table: str, label: str) -> None:
    try:
        data, name = api.insight_csv(token, table, **filters)
    except ApiError as exc:
        show_error(exc)
        return
    st.download_button(label, data=data, file_name=name, mime="text/csv", key=f"csv-{table}",
                       icon=":material/download:")


sections_tab, gaps_tab, items_tab = st.tabs(["Sections", "Content gaps", "Most missed quiz items"])

with sections_tab:
    frame = pd.DataFrame(report["sections"])
    if frame.empty or not (frame["questions"].sum() or frame["quiz_answers"].sum()):
        st.caption("No questions or quiz answers in this selection yet.")
    else:
        import altair as alt

        asked = frame[frame["questions"] > 0].melt(id_vars=["ref", "section_title"], value_vars=["answered", "refused"],
                                                   var_name="outcome", value_name="count")
        if not asked.empty:
            st.altair_chart(alt.Chart(asked).mark_bar().encode(
                y=alt.Y("ref:N", sort=None, title="Section", axis=alt.Axis(labelLimit=0)),
                x=alt.X("count:Q", title="Questions", stack=True),
                color=alt.Color("outcome:N", scale=alt.Scale(domain=["answered", "refused"],
                                                              range=["#4c78a8", "#e45756"])),
                tooltip=["ref", "section_title", "outcome", "count"]).properties(
                    title="Questions per section (answered or refused)", height=max(160, 22 * asked["ref"].nunique())),
                width="stretch")
        quizzed = frame[frame["quiz_answers"] > 0]
        if not quizzed.empty:
            long = quizzed.melt(id_vars=["ref", "section_title"], value_vars=["quiz_accuracy", "mastery"],
                                var_name="measure", value_name="share").dropna()
            st.altair_chart(alt.Chart(long).mark_bar().encode(
                y=alt.Y("ref:N", sort=None, title="Section", axis=alt.Axis(labelLimit=0)),
                yOffset="measure:N", x=alt.X("share:Q", scale=alt.Scale(domain=[0, 1]), title="Share",
                                             axis=alt.Axis(format="%")),
                color="measure:N", tooltip=["ref", "section_title", "measure", alt.Tooltip("share:Q", format=".0%")])
                .properties(title="Quiz accuracy and mastery across learners",
                            height=max(160, 40 * quizzed["ref"].nunique())), width="stretch")
        st.dataframe(frame.drop(columns=["chapter_title"]), hide_index=True, width="stretch",
                     column_config={"share_answered": st.column_config.NumberColumn(format="percent"),
                                    "quiz_accuracy": st.column_config.NumberColumn(format="percent"),
                                    "mastery": st.column_config.NumberColumn(format="percent")})
    download("sections", "Download sections (CSV)")

with gaps_tab:
    st.caption("Questions the course refused and answers learners rated not helpful, grouped by meaning: each group "
               "is one thing learners asked that the course does not serve well. Biggest first.")
    if not report["gaps"]:
        st.caption("No refused or not-helpful questions in this selection.")
    for n, gap in enumerate(report["gaps"], start=1):
        with st.container(border=True, key=f"gap-{n}"):
            plural = {k: "" if gap[k] == 1 else "s" for k in ("count", "learners")}
            st.markdown(f"**Group {n}** · {gap['count']} question{plural['count']} · "
                        f"{gap['learners']} learner{plural['learners']} · {gap['refused']} refused · "
                        f"{gap['thumbs_down']} not helpful"
                        + (f" · nearest sections {', '.join(gap['near_refs'])}" if gap["near_refs"] else ""))
            for example in gap["examples"]:
                plain(f"• {example}")  # what learners typed: plain text, never markdown
    download("gaps", "Download content gaps (CSV)")

with items_tab:
    if not report["missed_items"]:
        st.caption("No quiz item has been missed by two or more answers yet.")
    for item in report["missed_items"]:
        with st.container(border=True):
            st.markdown(f"**[{item['ref']}]** {item['share_wrong']:.0%} wrong of {item['answers']} answers · "
                        f"`{item['item_id']}`")
            plain(item["prompt"])
            st.caption(f"Correct answer: {item['answer']}")
            dist = pd.DataFrame(item["distribution"])
            if not dist.empty:
                st.dataframe(dist, hide_index=True, width="stretch")
    download("items", "Download missed items (CSV)")
