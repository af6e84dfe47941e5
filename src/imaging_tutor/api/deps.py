"""Dependencies the routes declare: the services, settings, the caller, role checks and the rate limits.

They are `async def` so that FastAPI runs them on the event loop: a plain `def` dependency is a hop to the thread
pool and back for each one, and these are cheap (a dict lookup, an HMAC). What can wait on the network or the disk (an
OpenID Connect token's key set, a Redis rate-limit store, a course not built yet or parsed again) still goes to the
thread pool, and only then."""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from ..config import Settings
from ..errors import NotFound
from ..ids import LEARNER_ID_PATTERN
from ..services import Services
from .auth import BadCredentials, Principal, identify, learner_from_token, role_of_token

_bearer = HTTPBearer(auto_error=False, description="a learner token (POST /learners), an OpenID Connect token, "
                                                   "or a staff or maintainer token")


COURSE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"  # what course.md's front matter allows as an id
_COURSE_ID = re.compile(COURSE_ID_PATTERN)


async def course_in_path(course_id: Annotated[str, PathParam(pattern=COURSE_ID_PATTERN,
                                                            description="a course id (GET /api/v1/courses)")]) -> str:
    """Declares {course_id} on the course-scoped mount of every course router (get_services reads it)."""
    return course_id


async def get_services(request: Request) -> Services:
    """The Services of the course the request is about: the one in the path (/api/v1/courses/{course_id}/…), else
    the default course. All of them share the process's one model, store and database (built once, in the
    app's lifespan); an unknown course is 404. Finding a course not yet built reads the courses folder, in the
    thread pool."""
    root: Services = request.app.state.services
    course_id = request.path_params.get("course_id")
    if course_id is not None and not _COURSE_ID.match(course_id):
        raise NotFound(f"unknown course {course_id[:100]!r}")
    built = root.built_course(course_id)
    if built is not None:
        return built
    if course_id is None:
        return await run_in_threadpool(root.default_course)
    return await run_in_threadpool(root.for_course, course_id)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_course_id(services: ServicesDep) -> str:
    """The id of the course the request is about (what sessions, quizzes, progress and runs are filtered by); a
    plain `def`, run in the thread pool, because a course whose files changed is parsed again here."""
    return services.course().id


CourseIdDep = Annotated[str, Depends(get_course_id)]


async def get_settings_of(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings_of)]


def peer_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def client_address(request: Request) -> str:
    """The caller's address: the peer, or behind a trusted proxy the address it forwarded."""
    return request.app.state.proxies.client_address(peer_address(request), request.headers.get("x-forwarded-for"))


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_learner_id: Annotated[str | None, Header(pattern=LEARNER_ID_PATTERN,
                                               description="the learner a trusted proxy vouches for; refused "
                                                           "from any other address")] = None,
) -> Principal:
    """The caller, from an optional bearer token (or, from a trusted proxy only, an X-Learner-Id header)."""
    state = request.app.state
    bearer = credentials.credentials if credentials else None
    tokens = state.tokens.get()
    # Only a bearer token that is none of ours reaches the OpenID Connect authenticators, which may fetch keys.
    network = bool(bearer and state.authenticators and role_of_token(tokens, bearer) is None
                   and learner_from_token(tokens, bearer) is None)
    who = functools.partial(identify, tokens, bearer, x_learner_id,
                            proxy_trusted=state.proxies.trusts(peer_address(request)),
                            authenticators=state.authenticators)
    try:
        return await run_in_threadpool(who) if network else who()
    except BadCredentials as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def require_learner(principal: PrincipalDep) -> Principal:
    """A learner acting for themselves; staff and maintainers read learners' data but never act inside it."""
    if principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "staff and maintainer tokens cannot act inside a learner's conversation or quiz")
    if principal.learner_id is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "send a learner bearer token (POST /api/v1/learners issues one)",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


async def require_staff(principal: PrincipalDep) -> Principal:
    if principal.role == "anonymous":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a staff bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    if not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "staff only")
    return principal


async def require_maintainer(principal: PrincipalDep) -> Principal:
    if principal.role == "anonymous":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a maintainer bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    if not principal.is_maintainer:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "maintainers only")
    return principal


LearnerDep = Annotated[Principal, Depends(require_learner)]
StaffDep = Annotated[Principal, Depends(require_staff)]
MaintainerDep = Annotated[Principal, Depends(require_maintainer)]


def rate_limited(action: str, by_address_only: bool = False):
    """A dependency: 429 with Retry-After once the caller exceeds the limit of `action` (see api/limits.py).

    The key is the caller's identity when there is one (a learner, or a staff role), else the client address;
    `by_address_only` counts per address whoever calls (for creating identities)."""

    async def check(request: Request, principal: PrincipalDep) -> None:
        address = client_address(request)
        identity = None if by_address_only else (principal.learner_id or
                                                 (principal.role if principal.is_staff else None))
        limiter = request.app.state.limiter
        verdict = (limiter.check(action, identity, address) if limiter.in_process
                   else await run_in_threadpool(limiter.check, action, identity, address))
        if not verdict.allowed:
            raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS,
                                f"too many {verdict.what}; retry in {verdict.wait} s",
                                headers={"Retry-After": str(verdict.wait)})

    check.__name__ = f"rate_limit_{action}"
    return Depends(check)


ChatRateLimit = rate_limited("chat")
SessionsRateLimit = rate_limited("sessions")
FeedbackRateLimit = rate_limited("feedback")
QuizAnswerRateLimit = rate_limited("quiz_answers")
NewLearnerRateLimit = rate_limited("new_learners", by_address_only=True)


async def get_eval_sets_dir(request: Request, services: ServicesDep) -> Path:
    """The folder of eval question sets: for the default course the app's own, else evals/sets of the working
    directory or checkout; for another course evals/courses/<course id>/ beside it."""
    from ..evals.catalog import default_sets_dir

    sets = getattr(request.app.state, "eval_sets_dir", None) or default_sets_dir()
    if services is request.app.state.services.default_course():
        return sets
    return sets.parent / "courses" / services.course().id


EvalSetsDirDep = Annotated[Path, Depends(get_eval_sets_dir)]
