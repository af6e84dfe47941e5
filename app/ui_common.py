"""Pieces every page shares: the cached API client, the learner id, the API-down message, section highlighting."""
from __future__ import annotations

import html
import re
import uuid

import streamlit as st

from api_client import ApiError, ApiUnavailable, TutorApi, api_url_from_env


@st.cache_resource(show_spinner=False)
def _client(base_url: str) -> TutorApi:
    return TutorApi(base_url)


def api() -> TutorApi:
    """One HTTP client per API address for the whole Streamlit server."""
    return _client(api_url_from_env())


def api_down(error: Exception | None = None) -> None:
    """A clear message (not a traceback) when the API cannot be reached; stops the page."""
    where = api().base_url
    reason = f" ({error.detail})" if isinstance(error, ApiError) and error.detail else ""
    st.error(f"The tutor service is not reachable at {where}{reason}. Start it with `imaging-tutor serve` "
             "(or `imaging-tutor up` for everything), then reload this page.", icon=":material/warning:")
    st.stop()


def require_api() -> TutorApi:
    client = api()
    if not client.healthy():
        api_down()
    return client


_LEARNER = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")


def learner_id() -> str:
    """The learner this browser acts for: kept in the URL (?learner=…) so a reload keeps the same history."""
    if "learner_id" not in st.session_state:
        from_url = st.query_params.get("learner", "")
        st.session_state.learner_id = from_url if _LEARNER.match(from_url or "") else f"learner-{uuid.uuid4().hex[:8]}"
    with st.sidebar:
        value = st.text_input("Your learner id", value=st.session_state.learner_id, key="learner_id_input",
                              help="Your conversations and quiz progress are stored under this id.")
    if value != st.session_state.learner_id:
        if _LEARNER.match(value):
            st.session_state.learner_id = value
        else:
            st.sidebar.warning("Use 1–100 letters, digits or . _ @ -")
    st.query_params["learner"] = st.session_state.learner_id
    return st.session_state.learner_id


def show_error(error: ApiError) -> None:
    """An API error as a readable message (down → the standard notice; rate limit → when to retry)."""
    if isinstance(error, ApiUnavailable):
        api_down(error)
    if error.status == 429:
        st.warning(f"Slow down a little: {error.detail}", icon=":material/hourglass_empty:")
    elif error.status in (401, 403):
        st.error(f"Not allowed: {error.detail}", icon=":material/lock:")
    else:
        st.error(error.detail, icon=":material/warning:")


def highlighted_html(text: str, highlights: list[dict]) -> str:
    """Section text as HTML with highlighted spans in <mark><strong> (visible without colour too)."""
    out, pos = [], 0
    for h in sorted(highlights, key=lambda h: h["start"]):
        start, end = max(h["start"], pos), h["end"]
        if end <= start:
            continue
        out.append(html.escape(text[pos:start]))
        out.append(f"<mark><strong>{html.escape(text[start:end])}</strong></mark>")
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n\n", "</p><p>").join(["<p>", "</p>"])


def show_section(ref: str, quotes: list[str], key: str) -> None:
    """The cited section with the quoted sentences highlighted, plus a close button."""
    try:
        section = api().section(ref, quotes)
    except ApiError as exc:
        show_error(exc)
        return
    with st.container(border=True):
        st.subheader(f"[{section['ref']}] {section['section_title']}")
        st.caption(f"Chapter {section['chapter']}: {section['chapter_title']}")
        if section["highlights"]:
            st.caption("Passages the answer quoted are highlighted and in bold.")
        st.markdown(highlighted_html(section["text"], section["highlights"]), unsafe_allow_html=True)
        if st.button("Close section", key=f"close-{key}"):
            st.session_state.pop("open_section", None)
            st.rerun()


def chapter_options() -> dict[str, int | None]:
    """Label → chapter number for a chapter picker ('All chapters' → None)."""
    options: dict[str, int | None] = {"All chapters": None}
    try:
        outline = api().outline()
    except ApiError:
        return options
    for ch in outline["course"]["chapters"]:
        options[f"Chapter {ch['chapter']}: {ch['title']}"] = ch["chapter"]
    return options


def require_token(label: str, key: str, help: str | None = None) -> str:
    """The token from the sidebar; without one the page explains what it needs and stops."""
    token = token_input(label, key, help=help)
    if not token:
        st.info(f"Enter your {label.lower()} to continue.", icon=":material/key:")
        st.stop()
    return token


def token_input(label: str, key: str, help: str | None = None) -> str:
    """A password field for a bearer token, kept for this browser session only (never in the URL)."""
    value = st.sidebar.text_input(label, type="password", key=f"{key}_input", value=st.session_state.get(key, ""),
                                  help=help)
    st.session_state[key] = value.strip()
    return st.session_state[key]
