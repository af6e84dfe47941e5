"""The Maintainer page against a live API: run an eval set by name, metrics chart, per-question table."""
from __future__ import annotations

from .conftest import MAINTAINER_TOKEN, STAFF_TOKEN, app_test, button


def test_staff_token_is_not_enough(ui_env):
    at = app_test("pages/3_Maintainer.py").run()
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    assert any("Not allowed" in e.value for e in at.error)


def test_run_an_eval_and_read_the_report(ui_env):
    at = app_test("pages/3_Maintainer.py", timeout=600).run()
    at.sidebar.text_input[0].set_value(MAINTAINER_TOKEN).run()
    sets = next(s for s in at.selectbox if s.label.startswith("Question set"))
    assert sets.options == ["mini"]
    button(at, "Run eval").click().run()
    assert not at.exception
    assert (at.success and at.success[0].value.startswith("PASS · mini")) or any(e.value.startswith("FAIL · mini")
                                                                              for e in at.error)
    assert any("no baseline compared" in (at.success or at.error)[0].value for _ in [0])  # mini has no baseline file
    failing = next(h.value for h in at.subheader if h.value.startswith("Failing questions"))
    shown = [e for e in at.expander if " · failed: " in e.label]
    assert failing == f"Failing questions ({len(shown)})"
    for e in shown:  # each failing question with the tutor's answer
        assert any(c.value == "The tutor's answer" for c in e.caption)
    table = at.dataframe[-1].value
    assert len(table) == 3 and {"id", "result", "vs baseline", "first citation"} <= set(table.columns)
    assert at.get("arrow_vega_lite_chart") or any(type(e).__name__ == "UnknownElement" for e in at.main)
    show = next(r for r in at.radio if r.label == "Show")
    show.set_value("Failing only").run()
    assert len(at.dataframe[-1].value) <= 3
