"""The Insight page against a live API: refused questions appear as content-gap groups, sections and CSV downloads;
the page needs a staff token."""
from __future__ import annotations

import httpx

from .conftest import STAFF_TOKEN, app_test, learner_headers


def test_insight_page_shows_gap_groups_sections_and_downloads(ui_env):
    with httpx.Client(base_url=ui_env, timeout=120) as api:
        for n, q in enumerate(["How do I renew my passport?", "How can I renew an expired passport?"]):
            r = api.post("/api/v1/chat", json={"message": q}, headers=learner_headers(f"ui-gap-{n}")).json()
            assert r["status"] == "out_of_scope"
    at = app_test("pages/4_Insight.py").run()
    assert any("staff token" in i.value for i in at.info)
    at.sidebar.text_input[0].set_value(STAFF_TOKEN).run()
    assert not at.exception and not at.error
    assert [t.label for t in at.tabs] == ["Sections", "Content gaps", "Most missed quiz items"]
    texts = [t.value for t in at.text]
    assert "• How do I renew my passport?" in texts and "• How can I renew an expired passport?" in texts
    assert any("2 questions · 2 learners · 2 refused" in m.value for m in at.markdown)
    assert len(at.get("download_button")) == 3

    chapter = at.selectbox(key="insight_chapter")
    chapter.set_value(next(o for o in chapter.options if o.startswith("Chapter 4"))).run()
    assert not at.exception
