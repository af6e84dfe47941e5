"""Pieces every page shares: the cached API client, the course picker, the learner id, the API-down message,
section highlighting."""
from __future__ import annotations

import html

import streamlit as st

from api_client import ApiError, ApiUnavailable, TutorApi, api_url_from_env


@st.cache_resource(show_spinner=False)
def _client(base_url: str, course: str | None = None) -> TutorApi:
    return TutorApi(base_url, course=course)


def api() -> TutorApi:
    """The HTTP client for the API address and the course this browser session chose (one per pair, shared by
    the whole Streamlit server)."""
    return _client(api_url_from_env(), st.session_state.get("course"))


@st.cache_data(ttl=30, show_spinner=False)
def _course_list(base_url: str) -> list[dict]:
    try:
        return _client(base_url).courses()
    except ApiUnavailable:
        raise
    except ApiError:  # an API without GET /courses serves one course: its plain routes
        return []


def choose_course() -> dict | None:
    """The course this browser session works in, from the sidebar picker (shown when the deployment has several).

    Remembered in the session and in the URL (`?course=id`, so a link or a reload opens the same course); an
    unknown or missing id falls back to the deployment's default course."""
    state = st.session_state
    courses = _course_list(api_url_from_env())
    if not courses:
        state.course = None
        return None
    by_id = {c["id"]: c for c in courses}
    default = next((c["id"] for c in courses if c.get("default")), courses[0]["id"])
    wanted = st.query_params.get("course") or state.get("course")
    if wanted not in by_id:
        wanted = default
    if len(courses) > 1:
        if state.get("course_picker") not in by_id or state.get("course_picker_url") != st.query_params.get("course"):
            state.course_picker = wanted  # the URL (or the session) decides until the learner picks another
        chosen = st.sidebar.selectbox("Course", list(by_id), key="course_picker",
                                      format_func=lambda cid: by_id[cid]["title"],
                                      help="Every page works in this course: answers, quizzes, progress.")
    else:
        chosen = wanted
    state.course = chosen
    if st.query_params.get("course") != chosen:
        st.query_params["course"] = chosen
    state.course_picker_url = chosen
    return by_id[chosen]


def current_course() -> dict | None:
    """The chosen course ({id, title, version, default}), or None on a single-course API without GET /courses."""
    chosen = st.session_state.get("course")
    return next((c for c in _course_list(api_url_from_env()) if c["id"] == chosen), None)


def course_title(fallback: str = "the course") -> str:
    course = current_course()
    return course["title"] if course else fallback


def reset_on_course_change(page: str, defaults: dict) -> None:
    """A page's state belongs to one course: when the learner picks another, these keys go back to their
    defaults (a conversation or a quiz of one course is never continued in another)."""
    state = st.session_state
    key = f"{page}_course"
    if state.get(key, state.get("course")) != state.get("course"):
        for name, value in defaults.items():
            state[name] = value
    state[key] = state.get("course")


def api_down(error: Exception | None = None) -> None:
    """A clear message (not a traceback) when the API cannot be reached; stops the page."""
    where = api().base_url
    reason = f" ({error.detail})" if isinstance(error, ApiError) and error.detail else ""
    st.error(f"The tutor service is not reachable at {where}{reason}. Start it with `imaging-tutor serve` "
             "(or `imaging-tutor up` for everything), then reload this page.", icon=":material/warning:")
    st.stop()


def require_api() -> TutorApi:
    """The API client for the chosen course (the picker is drawn here, so every page has it); stops the page with
    a clear message when the API is down."""
    if not _client(api_url_from_env()).healthy():
        api_down()
    try:
        choose_course()
    except ApiError as exc:
        show_error(exc)
        st.stop()
    return api()


def learner_identity() -> dict:
    """This browser session's learner: {learner_id, token, resume_code}, issued by the API on first use.

    It lives in the Streamlit session and in a first-party cookie, so a reload is the same learner (never in the
    URL, where it would leak through history and logs); the sidebar shows the resume code that brings the same
    identity back in another browser."""
    from browser_bridge import remember_learner, stored_learner

    state = st.session_state
    if not state.get("learner"):
        kept = stored_learner()  # a reload starts a new session: the browser kept the credential in a cookie
        if kept:
            try:
                me = api().who_am_i(kept["token"])
                if me.get("role") == "learner" and me.get("learner_id"):
                    state.learner = {"learner_id": me["learner_id"], "token": kept["token"],
                                     "resume_code": kept.get("resume_code")}
            except ApiError:
                pass  # a token the API no longer accepts (new secret): start afresh
    if not state.get("learner"):
        try:
            state.learner = api().new_learner()
        except ApiError as exc:
            show_error(exc)
            st.stop()
    remember_learner(state.learner)
    with st.sidebar.expander("Your learner identity"):
        st.caption("Your conversations and quiz progress belong to this anonymous identity. Keep the resume code "
                   "private: it brings them back in a new browser session.")
        if state.learner.get("resume_code"):
            st.code(state.learner["resume_code"], language=None)
        with st.form("resume_form", clear_on_submit=True, border=False):
            code = st.text_input("Resume with a code", type="password", key="resume_code_input")
            if st.form_submit_button("Resume") and code.strip():
                try:
                    state.learner = api().resume_learner(code.strip())
                    st.rerun()
                except ApiError as exc:
                    st.error("That resume code is not valid." if exc.status in (404, 422) else exc.detail)
    return state.learner


def learner_id() -> str:
    """The credential pages pass as `learner=` to the API client: the learner's signed token."""
    return learner_identity()["token"]


def plain(text: str | None) -> None:
    """Text somebody typed, shown as text: no markdown, no HTML, no images or links that load anything."""
    st.text(text or "")


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


def show_section(ref: str, quotes: list[str], key: str, objectives: list[str] | None = None,
                 caption: str | None = None) -> None:
    """The cited (or browsed) section with the quoted sentences highlighted, its chapter's objectives, and a close
    button."""
    try:
        section = api().section(ref, quotes)
    except ApiError as exc:
        show_error(exc)
        return
    with st.container(border=True, key=f"section-panel-{key}"):
        head, close = st.columns([5, 1])
        head.subheader(f"[{section['ref']}] {section['section_title']}")
        if close.button("Close", key=f"close-{key}", icon=":material/close:", help="Close this section"):
            st.session_state.pop("open_section", None)
            st.rerun()
        st.caption(f"Chapter {section['chapter']}: {section['chapter_title']}")
        if caption:
            st.caption(caption)
        if section["highlights"]:
            st.caption("Passages the answer quoted are highlighted and in bold.")
        if objectives:
            st.markdown("**What this chapter teaches**\n" + "\n".join(f"- {o}" for o in objectives))
        st.markdown(highlighted_html(section["text"], section["highlights"]), unsafe_allow_html=True)


@st.cache_data(ttl=60, show_spinner=False)
def _outline(base_url: str, course: str | None) -> dict:
    return _client(base_url, course).outline()


def course_outline() -> dict | None:
    """The chosen course's outline (GET /sections: course metadata with overview and chapters, and the sections);
    None when it cannot be read."""
    try:
        return _outline(api_url_from_env(), st.session_state.get("course"))
    except ApiError:
        return None


def chapter_objectives(chapter: int) -> list[str]:
    outline = course_outline() or {"course": {"chapters": []}}
    return next((c.get("objectives", []) for c in outline["course"]["chapters"] if c["chapter"] == chapter), [])


def course_quiz_chapters() -> set[int]:
    """The chapters whose own quiz can be taken (the course ships answer keys for it)."""
    outline = course_outline() or {"course": {"chapters": []}}
    return {c["chapter"] for c in outline["course"]["chapters"] if c.get("course_quiz")}


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
