"""Errors as clients see them: one mapping for our own exceptions, validation errors that never echo the input, and
server-side failures that carry a generic message and an error id (the details go to the log, and to maintainers).
"""
from __future__ import annotations

import logging
import secrets

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..errors import IndexMissing, TutorError

log = logging.getLogger("imaging_tutor.api")


def new_error_id() -> str:
    """A short id that ties a response to its log line."""
    return "e-" + secrets.token_hex(6)


def _is_maintainer(request: Request) -> bool:
    from .auth import identify

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    try:
        return identify(request.app.state.tokens.get(), token.strip()).is_maintainer
    except Exception:
        return False


def public_message(exc: TutorError) -> str:
    """What anyone may read about a server-side failure: which part failed, never hosts, paths or queries.

    Our ServiceUnavailable messages read "<what failed>: <details>"; the part before the colon is public."""
    if isinstance(exc, IndexMissing):
        return "the course index is not built yet; run `imaging-tutor ingest`"
    summary = str(exc).split(":", 1)[0].strip() or "a backing service is unavailable"
    return f"{summary}; try again shortly"


async def tutor_error(request: Request, exc: TutorError) -> JSONResponse:
    if exc.status_code < 500:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)
    error_id = new_error_id()
    log.warning("%s %s failed [%s]: %s", request.method, request.url.path, error_id, exc)
    body = {"detail": public_message(exc), "error_id": error_id}
    if _is_maintainer(request):
        body["internal"] = str(exc)
    return JSONResponse(body, status_code=exc.status_code, headers={"Retry-After": "5"})


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    error_id = new_error_id()
    log.exception("unhandled error on %s %s [%s]", request.method, request.url.path, error_id)
    body = {"detail": "internal error; the request was not completed", "error_id": error_id}
    if _is_maintainer(request):
        body["internal"] = f"{type(exc).__name__}: {exc}"
    return JSONResponse(body, status_code=500)


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 naming each bad field and why, without the value sent (it may be huge, invalid or someone's secret)."""
    errors = []
    for err in exc.errors():
        errors.append({"type": err.get("type"), "loc": [str(p) for p in err.get("loc", ())],
                       "msg": _ascii_safe(str(err.get("msg", "invalid value")))})
    return JSONResponse({"detail": errors}, status_code=422)


def _ascii_safe(text: str) -> str:
    """Messages can quote a pattern or an enum; a lone surrogate from the input must never reach the encoder."""
    return text.encode("utf-8", "replace").decode("utf-8")
