"""The UI's only way to the tutor: a small httpx client for the HTTP API (no Streamlit, no imaging_tutor imports)."""
from __future__ import annotations

import json
import os
from typing import Any, Iterator

import httpx

DEFAULT_API_URL = "http://127.0.0.1:8000"
PREFIX = "/api/v1"


def api_url_from_env() -> str:
    """TUTOR_API_URL, else the API's default local address."""
    return (os.environ.get("TUTOR_API_URL") or DEFAULT_API_URL).rstrip("/")


class ApiError(Exception):
    """The API answered with an error status; `detail` is its message, fit to show a user."""

    def __init__(self, status: int, detail: str, retry_after: str | None = None):
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail
        self.retry_after = retry_after


class ApiUnavailable(ApiError):
    """The API cannot be reached (not started, wrong address) or says it is unavailable."""

    def __init__(self, detail: str):
        super().__init__(503, detail)


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    detail = body.get("detail") if isinstance(body, dict) else body
    if isinstance(detail, list):  # pydantic validation errors: name the fields
        parts = []
        for err in detail:
            loc = ".".join(str(p) for p in err.get("loc", []) if p not in ("body", "query", "path"))
            parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
        return "; ".join(parts)
    return str(detail)


class TutorApi:
    """Methods mirror the API's routes; credentials are passed per call (one client serves all users).

    `learner=` is the learner's bearer token (what POST /learners issued), never a bare id: the API believes
    only a signed credential. `token=` is a staff or maintainer token. With `course=` every course route goes to
    /api/v1/courses/{course}/… (without, to the deployment's default course); learners, health and the course list
    are the deployment's."""

    def __init__(self, base_url: str | None = None, timeout: float = 30.0, transport: httpx.BaseTransport | None = None,
                 course: str | None = None):
        self.base_url = (base_url or api_url_from_env()).rstrip("/")
        self.course = course
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, transport=transport)

    @property
    def course_prefix(self) -> str:
        """Where this client's course routes are."""
        return f"{PREFIX}/courses/{self.course}" if self.course else PREFIX

    def close(self) -> None:
        self._http.close()

    # -- plumbing ---------------------------------------------------------------------------------------------
    @staticmethod
    def _headers(learner: str | None = None, token: str | None = None) -> dict[str, str]:
        credential = token or learner
        return {"Authorization": f"Bearer {credential}"} if credential else {}

    def _call(self, method: str, path: str, *, learner: str | None = None, token: str | None = None,
              timeout: float | None = None, raw: bool = False, course_route: bool = True, **kwargs) -> Any:
        prefix = self.course_prefix if course_route else PREFIX
        try:
            response = self._http.request(method, prefix + path, headers=self._headers(learner, token),
                                          timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                                          **kwargs)
        except httpx.TransportError as exc:
            raise ApiUnavailable(f"the tutor API at {self.base_url} is not reachable ({type(exc).__name__})") from exc
        if response.status_code == 503:
            raise ApiUnavailable(_detail(response))
        if response.status_code >= 400:
            raise ApiError(response.status_code, _detail(response), response.headers.get("Retry-After"))
        if raw:
            return response
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    # -- health -----------------------------------------------------------------------------------------------
    def healthy(self) -> bool:
        try:
            return self._http.get(PREFIX + "/healthz", timeout=3.0).status_code == 200
        except httpx.HTTPError:
            return False

    def ready(self) -> dict:
        try:
            return self._http.get(PREFIX + "/readyz", timeout=10.0).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ApiUnavailable(f"the tutor API at {self.base_url} is not reachable ({type(exc).__name__})") from exc

    # -- learner identity -------------------------------------------------------------------------------------
    def new_learner(self) -> dict:
        """A new anonymous learner: {learner_id, token, resume_code}."""
        return self._call("POST", "/learners", course_route=False)

    def who_am_i(self, learner: str) -> dict:
        """{role, learner_id, via} of a credential (a learner token kept by the browser is checked this way)."""
        return self._call("GET", "/learners/me", learner=learner, course_route=False)

    def resume_learner(self, code: str) -> dict:
        """The anonymous learner a resume code belongs to: {learner_id, token, resume_code}."""
        return self._call("POST", "/learners/resume", json={"resume_code": code}, course_route=False)

    # -- courses ----------------------------------------------------------------------------------------------
    def courses(self) -> list[dict]:
        """The deployment's courses: [{id, title, version, default}]."""
        return self._call("GET", "/courses", course_route=False)

    # -- chat -------------------------------------------------------------------------------------------------
    @staticmethod
    def _chat_body(message: str, session_id: str | None, chapter: int | None, mode: str) -> dict:
        body: dict[str, Any] = {"message": message, "mode": mode}
        if session_id:
            body["session_id"] = session_id
        if chapter:
            body["chapter"] = chapter
        return body

    def chat(self, message: str, *, learner: str | None, session_id: str | None = None, chapter: int | None = None,
             mode: str = "answer") -> dict:
        return self._call("POST", "/chat", learner=learner, json=self._chat_body(message, session_id, chapter, mode))

    def chat_stream(self, message: str, *, learner: str | None, session_id: str | None = None,
                    chapter: int | None = None, mode: str = "answer") -> Iterator[tuple[str, dict]]:
        """Yield (event, data) pairs: 'sentence' events, then one 'answer' event with the full Answer."""
        body = self._chat_body(message, session_id, chapter, mode)
        try:
            with self._http.stream("POST", self.course_prefix + "/chat/stream", json=body,
                                   headers=self._headers(learner)) as response:
                if response.status_code >= 400:
                    response.read()
                    if response.status_code == 503:
                        raise ApiUnavailable(_detail(response))
                    raise ApiError(response.status_code, _detail(response), response.headers.get("Retry-After"))
                event, data = "message", []
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].lstrip())
                    elif not line and data:
                        yield event, json.loads("\n".join(data))
                        event, data = "message", []
                if data:
                    yield event, json.loads("\n".join(data))
        except httpx.TransportError as exc:
            raise ApiUnavailable(f"the tutor API at {self.base_url} is not reachable ({type(exc).__name__})") from exc

    # -- course -----------------------------------------------------------------------------------------------
    def outline(self) -> dict:
        return self._call("GET", "/sections")

    def section(self, ref: str, quotes: list[str] | None = None) -> dict:
        return self._call("GET", f"/sections/{ref}", params=[("quote", q) for q in quotes or []])

    def starters(self, count: int = 8, rotation: int = 0) -> list[dict]:
        """Starter questions for the first screen: [{question, ref, chapter, chapter_title}], one per chapter."""
        return self._call("GET", "/starters", params={"count": count, "rotation": rotation})

    # -- sessions ---------------------------------------------------------------------------------------------
    def sessions(self, learner: str) -> list[dict]:
        return self._call("GET", "/sessions", learner=learner)

    def session(self, session_id: str, learner: str) -> dict:
        return self._call("GET", f"/sessions/{session_id}", learner=learner)

    def new_session(self, learner: str) -> dict:
        return self._call("POST", "/sessions", learner=learner)

    def delete_session(self, session_id: str, learner: str) -> None:
        self._call("DELETE", f"/sessions/{session_id}", learner=learner)

    # -- feedback ---------------------------------------------------------------------------------------------
    def give_feedback(self, turn_id: int, rating: str, *, learner: str, comment: str = "") -> dict:
        return self._call("POST", "/feedback", learner=learner,
                          json={"turn_id": turn_id, "rating": rating, "comment": comment})

    def feedback_inbox(self, token: str, rating: str | None = None) -> list[dict]:
        return self._call("GET", "/feedback", token=token, params={"rating": rating} if rating else None)

    # -- quizzes: learners ------------------------------------------------------------------------------------
    def start_quiz(self, learner: str, *, mode: str = "course", chapter: int | None = None,
                   quiz_id: str | None = None, count: int = 10, free_text: bool = False) -> dict:
        body: dict[str, Any] = {"mode": mode, "count": count, "free_text": free_text}
        if chapter is not None:
            body["chapter"] = chapter
        if quiz_id:
            body["quiz_id"] = quiz_id
        return self._call("POST", "/quiz-sessions", learner=learner, json=body, timeout=180.0)

    def quiz_session(self, session_id: str, learner: str) -> dict:
        return self._call("GET", f"/quiz-sessions/{session_id}", learner=learner)

    def next_item(self, session_id: str, learner: str) -> dict | None:
        return self._call("GET", f"/quiz-sessions/{session_id}/next", learner=learner)

    def answer_item(self, session_id: str, item_id: str, response: str, learner: str) -> dict:
        return self._call("POST", f"/quiz-sessions/{session_id}/answers", learner=learner,
                          json={"item_id": item_id, "response": response}, timeout=60.0)

    def item_hint(self, session_id: str, item_id: str, learner: str) -> dict:
        """The next step of the item's hint ladder: {step, of, kind, text, ref, section_title, last}."""
        return self._call("POST", f"/quiz-sessions/{session_id}/items/{item_id}/hint", learner=learner)

    def chat_quiz(self, session_id: str, learner: str, topic: str | None = None) -> dict:
        """'Quiz me' on the conversation's recent sections: an Answer whose `quiz` holds the question."""
        body: dict[str, Any] = {"session_id": session_id, **({"topic": topic} if topic else {})}
        return self._call("POST", "/chat-quizzes", learner=learner, json=body, timeout=120.0)

    def progress(self, learner: str, chapter: int | None = None) -> list[dict]:
        return self._call("GET", "/progress", learner=learner, params={"chapter": chapter} if chapter else None)

    def review_queue(self, learner: str, limit: int = 20) -> list[dict]:
        return self._call("GET", "/review", learner=learner, params={"limit": limit})

    # -- quizzes: staff ---------------------------------------------------------------------------------------
    @staticmethod
    def _spec(chapters, refs, count, types, seed) -> dict[str, Any]:
        body: dict[str, Any] = {"count": count, "seed": seed}
        if chapters:
            body["chapters"] = list(chapters)
        if refs:
            body["refs"] = list(refs)
        if types:
            body["types"] = list(types)
        return body

    def generate_quiz(self, token: str, *, chapters: list[int] | None = None, refs: list[str] | None = None,
                      count: int = 10, types: list[str] | None = None, seed: int = 0) -> dict:
        return self._call("POST", "/quizzes/generate", token=token,
                          json=self._spec(chapters, refs, count, types, seed), timeout=180.0)

    def save_quiz(self, token: str, *, title: str, chapters: list[int] | None = None, refs: list[str] | None = None,
                  count: int = 10, types: list[str] | None = None, seed: int = 0,
                  exclude: list[str] | None = None) -> dict:
        body = {**self._spec(chapters, refs, count, types, seed), "title": title, "exclude": list(exclude or [])}
        return self._call("POST", "/quizzes", token=token, json=body, timeout=180.0)

    def item_stats(self, token: str) -> list[dict]:
        return self._call("GET", "/quizzes/items/stats", token=token)

    def retire_item(self, token: str, item_id: str, reason: str = "", retired: bool = True) -> dict:
        return self._call("POST", f"/quizzes/items/{item_id}/retire", token=token,
                          json={"reason": reason, "retired": retired})

    def quizzes(self, token: str) -> list[dict]:
        return self._call("GET", "/quizzes", token=token)

    def quiz(self, token: str, quiz_id: str) -> dict:
        return self._call("GET", f"/quizzes/{quiz_id}", token=token)

    def update_item(self, token: str, quiz_id: str, item_id: str, changes: dict) -> dict:
        return self._call("PATCH", f"/quizzes/{quiz_id}/items/{item_id}", token=token, json=changes, timeout=60.0)

    def regenerate_item(self, token: str, quiz_id: str, item_id: str, seed: int = 0) -> dict:
        return self._call("POST", f"/quizzes/{quiz_id}/items/{item_id}/regenerate", token=token,
                          json={"seed": seed}, timeout=120.0)

    def delete_item(self, token: str, quiz_id: str, item_id: str) -> dict:
        return self._call("DELETE", f"/quizzes/{quiz_id}/items/{item_id}", token=token)

    def delete_quiz(self, token: str, quiz_id: str) -> None:
        self._call("DELETE", f"/quizzes/{quiz_id}", token=token)

    def export_quiz(self, token: str, quiz_id: str, fmt: str) -> tuple[bytes, str, str]:
        """(content, media type, file name) of an export."""
        response = self._call("GET", f"/quizzes/{quiz_id}/export", token=token, params={"format": fmt}, raw=True)
        disposition = response.headers.get("content-disposition", "")
        name = disposition.split("filename=")[-1].strip('"') if "filename=" in disposition else f"{quiz_id}.{fmt}"
        return response.content, response.headers.get("content-type", "application/octet-stream"), name

    # -- staff insight ----------------------------------------------------------------------------------------
    @staticmethod
    def _insight_params(chapter: int | None, since: str | None, until: str | None) -> dict[str, Any]:
        return {k: v for k, v in (("chapter", chapter), ("since", since), ("until", until)) if v}

    def insight(self, token: str, *, chapter: int | None = None, since: str | None = None,
                until: str | None = None) -> dict:
        """Per-section activity, content gaps and most missed items (GET /insight)."""
        return self._call("GET", "/insight", token=token, params=self._insight_params(chapter, since, until),
                          timeout=120.0)

    def insight_csv(self, token: str, table: str, *, chapter: int | None = None, since: str | None = None,
                    until: str | None = None) -> tuple[bytes, str]:
        """(CSV bytes, file name) of one insight table: sections, gaps or items."""
        params = {"table": table, **self._insight_params(chapter, since, until)}
        response = self._call("GET", "/insight/export", token=token, params=params, raw=True, timeout=120.0)
        disposition = response.headers.get("content-disposition", "")
        name = disposition.split("filename=")[-1].strip('"') if "filename=" in disposition else f"insight-{table}.csv"
        return response.content, name

    # -- evals ------------------------------------------------------------------------------------------------
    def eval_sets(self, token: str) -> list[str]:
        return self._call("GET", "/evals/sets", token=token)

    def run_eval(self, token: str, set_name: str, baseline: bool = True) -> dict:
        return self._call("POST", "/evals/runs", token=token, json={"set": set_name, "baseline": baseline},
                          timeout=1800.0)

    def eval_runs(self, token: str) -> list[dict]:
        return self._call("GET", "/evals/runs", token=token)

    def eval_run(self, token: str, run_id: str) -> dict:
        return self._call("GET", f"/evals/runs/{run_id}", token=token)
