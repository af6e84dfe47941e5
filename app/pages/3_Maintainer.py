"""Maintainer: run an eval set against its own baseline, see its metrics as a chart, the failing questions with the
tutor's answers, and a per-question table with baseline differences."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from api_client import ApiError  # noqa: E402
from ui_common import course_title, plain, require_api, require_token, reset_on_course_change, show_error  # noqa: E402

st.set_page_config(page_title="Maintainer · Imaging tutor", page_icon="📊", layout="wide")
api = require_api()
state = st.session_state
reset_on_course_change("maintainer", {"eval_run": None})  # eval runs are per course
st.title(f"Maintainer: answer-quality evals · {course_title()}")

token = require_token("Maintainer token", "maintainer_token",
                    help="From TUTOR_MAINTAINER_TOKEN, or maintainer_token in the tokens.json file `imaging-tutor up` printed.")
try:
    sets = api.eval_sets(token)
    runs = api.eval_runs(token)
except ApiError as exc:
    show_error(exc)
    st.stop()

with st.container(border=True):
    st.subheader("Run an eval")
    c1, c2 = st.columns([2, 1])
    set_name = c1.selectbox("Question set (evals/sets)", sets or ["(none found)"])
    compare = c2.checkbox("Compare with the baseline", value=True,
                          help="the set's own baseline (evals/baselines/<set>.json): newly failing and newly passing questions are marked.")
    if st.button("Run eval", type="primary", disabled=not sets):
        try:
            with st.spinner(f"Answering every question of {set_name}… this takes a while"):
                report = api.run_eval(token, set_name, baseline=compare)
            state.eval_run = report["id"]
            runs = api.eval_runs(token)
        except ApiError as exc:
            show_error(exc)

if not runs:
    st.caption("No eval runs yet.")
    st.stop()

labels = {r["id"]: f"{r['created_at'][:19].replace('T', ' ')} · {r['set_name']} · "
                   f"{'passed' if r['passed'] else 'FAILED'}" for r in runs}
ids = list(labels)
current = ids.index(state.eval_run) if state.get("eval_run") in ids else 0
run_id = st.selectbox("Run", ids, index=current, format_func=labels.get)
state.eval_run = run_id
try:
    report = api.eval_run(token, run_id)
except ApiError as exc:
    show_error(exc)
    st.stop()

gate = report.get("gate", {})
diff = report.get("diff") or {}
set_label = report.get("set_name") or ""
if diff:
    against = f" against {diff.get('baseline_set') or set_label}'s own baseline"
    if diff.get("baseline_set") and diff["baseline_set"] != set_label:
        against = f" against the baseline of another set ({diff['baseline_set']})"
else:
    against = " (no baseline compared: evals/baselines/<set>.json holds a set's own)"
if gate.get("passed"):
    st.success(f"PASS · {set_label}{against} · {len(report['rows'])} questions · {report.get('seconds', 0):.0f} s",
               icon=":material/check_circle:")
else:
    st.error(f"FAIL · {set_label}{against}: " + "; ".join(str(f) for f in gate.get("failures", [])),
             icon=":material/cancel:")

metrics = report["metrics"]
rates = {k: v for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
         and k not in ("invalid_refs", "quote_mismatches", "errors") and not k.startswith("n_")}  # n_*: counts
if rates:
    names = {k: k.replace("_", " ") for k in rates}
    frame = pd.DataFrame({"metric": [names[k] for k in rates], "value": list(rates.values())})
    baseline_values = {k: (diff.get("metrics", {}).get(k) or {}).get("baseline") for k in rates}
    try:
        import altair as alt

        # Every label shown in full: one row of at least 28 px per metric, no truncation, no overlap culling.
        axis = alt.Axis(labelLimit=0, labelOverlap=False, labelFontSize=13)
        layers = [alt.Chart(frame).mark_bar().encode(
            y=alt.Y("metric:N", sort=None, title=None, axis=axis),
            x=alt.X("value:Q", title="This run", scale=alt.Scale(domain=[0, 1])),
            tooltip=["metric", alt.Tooltip("value:Q", format=".3f")])]
        base_frame = pd.DataFrame([{"metric": names[k], "baseline": v} for k, v in baseline_values.items()
                                   if v is not None])
        if not base_frame.empty:
            layers.append(alt.Chart(base_frame).mark_tick(color="black", thickness=3, size=18).encode(
                y=alt.Y("metric:N", sort=None, axis=axis), x="baseline:Q",
                tooltip=["metric", alt.Tooltip("baseline:Q", format=".3f")]))
        st.altair_chart(alt.layer(*layers).properties(title="Metrics (bars: this run; ticks: baseline)",
                                                      height=max(160, 28 * len(rates))),
                        width="stretch")
    except ImportError:
        st.bar_chart(frame, x="metric", y="value")

counts = {k: v for k, v in metrics.items() if k in ("invalid_refs", "quote_mismatches", "errors")}
if counts:
    cols = st.columns(len(counts))
    for col, (name, value) in zip(cols, counts.items()):
        delta = (diff.get("metrics", {}).get(name) or {}).get("delta")
        col.metric(name.replace("_", " "), value, delta=delta, delta_color="inverse")

if diff:
    st.subheader(f"Against the baseline of {diff.get('baseline_set') or set_label}")
    table = pd.DataFrame([{"metric": k, "baseline": v.get("baseline"), "this run": v.get("current"),
                           "change": v.get("delta")} for k, v in diff.get("metrics", {}).items()])
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(f"{len(diff.get('newly_failing', []))} newly failing, {len(diff.get('newly_passing', []))} newly passing "
               f"(baseline from {diff.get('baseline_created_at') or 'unknown date'}).")

failing_rows = [r for r in report["rows"] if not r["passed"]]
st.subheader(f"Failing questions ({len(failing_rows)})")
if not failing_rows:
    st.caption("Every question passed its checks.")
for r in failing_rows:
    checks = ", ".join(k.replace("_", " ") for k, ok in r.get("checks", {}).items() if not ok)
    with st.expander(f"{r['id']} · {r['kind']} · failed: {checks or 'see checks'}"):
        st.caption("Question")
        plain(r["question"])
        st.caption(f"Expected sections: {', '.join(r.get('gold', [])) or '—'} · status {r['status']} · "
                   f"first citation {r.get('first_citation') or '—'}")
        st.caption("The tutor's answer")
        plain(r.get("answer") or "(no answer)")
        for c in r.get("citations") or []:
            plain(f"[{c.get('ref')}] “{c.get('quote', '')}”")

st.subheader("Per question")
failing = {d["id"] for d in diff.get("newly_failing", [])}
passing = {d["id"] for d in diff.get("newly_passing", [])}
rows = []
for r in report["rows"]:
    rows.append({"id": r["id"], "kind": r["kind"], "result": "pass" if r["passed"] else "FAIL",
                 "vs baseline": "newly failing" if r["id"] in failing else "newly passing" if r["id"] in passing else "",
                 "status": r["status"], "first citation": r.get("first_citation"),
                 "gold": ", ".join(r.get("gold", [])),
                 "failed checks": ", ".join(k for k, ok in r.get("checks", {}).items() if not ok),
                 "question": r["question"]})
show = st.radio("Show", ["All", "Failing only", "Changed vs baseline"], horizontal=True)
frame = pd.DataFrame(rows)
if show == "Failing only":
    frame = frame[frame["result"] == "FAIL"]
elif show == "Changed vs baseline":
    frame = frame[frame["vs baseline"] != ""]
st.dataframe(frame, hide_index=True, width="stretch")
