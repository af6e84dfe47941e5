"""The FastAPI application: routers under /api/v1, error mapping, body guard, security headers, CORS, limits."""
from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware

from ..config import Settings, get_settings
from ..errors import TutorError
from ..services import Services
from ..storage.files import secure_data_dir
from . import errors
from .auth import OidcAuthenticator, ProxyList, TokenSource, check_token_strength, ensure_tokens
from .docs import add_docs
from .limits import Limiter
from .middleware import BodyGuardMiddleware, SecurityHeadersMiddleware
from .deps import course_in_path
from .routes import chat, courses, evals, feedback, health, insight, learners, quizzes, sections, sessions

API_PREFIX = "/api/v1"
COURSE_PREFIX = f"{API_PREFIX}/courses/{{course_id}}"
# Routers about one course: mounted at /api/v1/… (the default course) and at /api/v1/courses/{course_id}/….
COURSE_ROUTERS = (chat, sections, sessions, feedback, quizzes, evals, insight)
log = logging.getLogger("imaging_tutor.api")


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
        default = services.default_course()
        default.index()
        for reason in default.models.stale_reasons([default.course()]):
            log.warning("%s; refit with `make fit`", reason)
        default.db.ping()
        answer(default, "What does this course cover?", mode="hint")
    except Exception as exc:  # readiness reports the reason; startup must not fail because of it
        log.warning("warm-up incomplete: %s", exc)
    if services.settings.courses_dir is not None:
        for entry in services.catalog().courses:  # each course's index, so its first learner does not wait
            try:
                services.for_course(entry.id).index()
            except Exception as exc:
                log.warning("course %s not ready: %s", entry.id, exc)


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app around one Services (built from settings, or the environment's, when not given).

    Refuses to start with a staff or maintainer token or learner secret under 32 bytes of entropy."""
    services = services or Services(settings or get_settings())
    settings = services.settings
    ensure_tokens(settings)  # normally done by `serve`/`up` before the workers start; then this finds it complete
    tokens = TokenSource(settings)
    check_token_strength(tokens.get())
    secure_data_dir(settings.data_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        threading.Thread(target=warm_up, args=(services,), name="warm-up", daemon=True).start()
        yield
        services.close()

    app = FastAPI(lifespan=lifespan, title="imaging-tutor API", version="1",
                  description="A retrieval-grounded tutor for a course: chat with citations, course sections, "
                              "quizzes, feedback and evals. Learners send the token POST /learners issues.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None)
    app.state.services = services
    app.state.tokens = tokens
    app.state.proxies = ProxyList(settings.trusted_proxies)
    oidc = OidcAuthenticator.from_settings(settings)
    app.state.authenticators = (oidc,) if oidc is not None else ()
    app.state.limiter = Limiter(settings)

    app.add_exception_handler(TutorError, errors.tutor_error)
    app.add_exception_handler(RequestValidationError, errors.validation_error)
    app.add_exception_handler(Exception, errors.unexpected)
    app.add_middleware(CORSMiddleware, allow_origins=ui_origins(settings), allow_credentials=False,
                       allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                       allow_headers=["Authorization", "Content-Type"],
                       expose_headers=["Retry-After", "Link"])
    app.add_middleware(BodyGuardMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware, docs_prefix=f"{API_PREFIX}/docs",
                       static_prefix=f"{API_PREFIX}/docs/static")

    for module in (*COURSE_ROUTERS, courses, learners, health):
        app.include_router(module.router, prefix=API_PREFIX)
    for module in COURSE_ROUTERS:
        app.include_router(module.router, prefix=COURSE_PREFIX, dependencies=[Depends(course_in_path)])
    app.include_router(health.router, include_in_schema=False)  # probes also at the root, where load balancers look
    add_docs(app, API_PREFIX)
    return app
