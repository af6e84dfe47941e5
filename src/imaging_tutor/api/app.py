"""The FastAPI application: routers under /api/v1, error mapping, body-size limit, CORS, rate limiter."""
from __future__ import annotations

import json
import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..config import Settings, get_settings
from ..errors import TutorError
from ..services import Services
from .auth import TokenSource
from .ratelimit import RateLimiter
from .routes import chat, evals, feedback, health, quizzes, sections, sessions

API_PREFIX = "/api/v1"
log = logging.getLogger("imaging_tutor.api")


class BodyLimitMiddleware:
    """Refuse bodies over max_bytes with 413 before any route parses them (Content-Length or counted)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_big = int(declared) > self.max_bytes
            except ValueError:
                too_big = False
            if too_big:
                await self._reject(send)
                return
        # Read the (small) body up front so a chunked upload cannot slip past the limit.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body is larger than {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


async def _tutor_error(_request: Request, exc: TutorError) -> JSONResponse:
    return JSONResponse({"detail": str(exc)}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"detail": "internal error; the request was not completed"}, status_code=500)


def ui_origins(settings: Settings) -> list[str]:
    """The browser origins allowed to call the API: configured ones, else the Streamlit UI's own address."""
    if settings.cors_origins:
        return list(settings.cors_origins)
    hosts = {settings.ui_host}
    if settings.ui_host in ("127.0.0.1", "localhost", "0.0.0.0"):
        hosts |= {"127.0.0.1", "localhost"}
    return sorted(f"http://{h}:{settings.ui_port}" for h in hosts if h != "0.0.0.0")


def warm_up(services: Services) -> None:
    """Before the first learner waits for it: load the embedding model, the index, the fitted models and the
    database (migrations checked), then answer one question without a session (nothing is stored) so every lazy
    import and per-course structure is built. As a hint: hints never call an LLM writer, which may be slow or paid
    for. Failures only log: /readyz reports the reason."""
    from ..tutor.pipeline import answer

    try:
        services.embedder.embed(["warm up"])
        services.index()
        services.models  # noqa: B018 (loads the fitted ranker and guard)
        services.db.ping()
        answer(services, "What does this course cover?", mode="hint")
    except Exception as exc:  # readiness reports the reason; startup must not fail because of it
        log.warning("warm-up incomplete: %s", exc)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app around one Services (built from settings, or the environment's, when not given)."""
    services = services or Services(settings or get_settings())
    settings = services.settings

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        threading.Thread(target=warm_up, args=(services,), name="warm-up", daemon=True).start()
        yield
        services.close()

    app = FastAPI(lifespan=lifespan, title="imaging-tutor API", version="1",
                  description="A retrieval-grounded tutor for the course on AI in medical imaging: chat with "
                              "citations, course sections, quizzes, feedback and evals.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None)
    app.state.services = services
    app.state.tokens = TokenSource(settings)
    app.state.chat_limiter = RateLimiter(settings.chat_rate_per_minute, 60.0)

    app.add_exception_handler(TutorError, _tutor_error)
    app.add_exception_handler(Exception, _unexpected)
    app.add_middleware(CORSMiddleware, allow_origins=ui_origins(settings), allow_credentials=False,
                       allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type", "X-Learner-Id"],
                       expose_headers=["Retry-After"])
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)

    for module in (chat, sections, sessions, feedback, quizzes, evals, health):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router, include_in_schema=False)  # probes also at the root, where load balancers look
    return app
