"""What the pages need from the browser itself: inline citation links that talk back to Python, and remembering
the learner across a reload.

Both are `st.components.v2` components (JavaScript that runs in the app's page, no iframe). Clicking a link in
Streamlit markdown would otherwise open a new tab or start a new session; the citation component catches clicks on
`#cite-…` links anywhere in the page and hands the link to Python as a one-shot trigger. The learner's credential
is kept in a first-party cookie (SameSite=Strict, 180 days) so a reload, which starts a new Streamlit session, is
still the same learner; it is never put in the URL.
"""
from __future__ import annotations

import json
import re
from urllib.parse import unquote

import streamlit as st

COOKIE = "tutor_learner"
CITE_PREFIX = "#cite-"

_CITE_JS = """
export default function(component) {
    const { setTriggerValue } = component;
    // One listener for the whole page, replaced on every mount so it always uses the newest setTriggerValue.
    if (window.__tutorCiteClick) document.removeEventListener('click', window.__tutorCiteClick, true);
    window.__tutorCiteClick = (event) => {
        const link = event.target.closest && event.target.closest('a[href^="#cite-"]');
        if (!link) return;
        event.preventDefault();
        event.stopPropagation();
        setTriggerValue('cite', link.getAttribute('href').slice(6) + '@' + Date.now());
    };
    document.addEventListener('click', window.__tutorCiteClick, true);
}
"""

_REMEMBER_JS = """
export default function(component) {
    const { data } = component;
    if (!data) return;
    const expires = data.value ? 'max-age=15552000' : 'max-age=0';
    document.cookie = `${data.name}=${encodeURIComponent(data.value || '')}; path=/; SameSite=Strict; ${expires}`;
}
"""

_cite_component = st.components.v2.component("tutor_citation_links", js=_CITE_JS)
_remember_component = st.components.v2.component("tutor_remember_learner", js=_REMEMBER_JS)

_MARKER = re.compile(r"\[(\d{1,3}\.\d{1,3})\]")


def linked_markers(text: str, index: int) -> str:
    """Markdown in which each [C.S] marker is a link the citation component catches (`#cite-<turn>-<ref>`)."""
    return _MARKER.sub(lambda m: f"[\\[{m.group(1)}\\]]({CITE_PREFIX}{index}-{m.group(1)})", text)


def citation_clicks() -> tuple[int, str] | None:
    """The (message index, ref) of an inline citation clicked since the last run, else None."""
    try:
        result = _cite_component(key="tutor-citation-links", on_cite_change=lambda: None)
    except Exception:  # a test runner without a browser runtime: there are no clicks to catch
        return None
    value = getattr(result, "cite", None)
    if not value:
        return None
    m = re.fullmatch(r"(\d+)-(\d{1,3}\.\d{1,3})@\d+", str(value))
    return (int(m.group(1)), m.group(2)) if m else None


def stored_learner() -> dict | None:
    """The credential this browser kept from an earlier session ({token, resume_code}), if any."""
    try:
        raw = st.context.cookies.get(COOKIE)
    except Exception:
        return None
    if not raw or not isinstance(raw, str):
        return None
    try:
        data = json.loads(unquote(raw))
    except ValueError:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("token"), str) else None


def remember_learner(identity: dict | None) -> None:
    """Keep (or, with None, forget) this learner's credential in the browser for the next session."""
    value = json.dumps({"token": identity["token"], "resume_code": identity.get("resume_code")}) if identity else ""
    try:
        _remember_component(key="tutor-remember-learner", data={"name": COOKIE, "value": value})
    except Exception:
        pass
