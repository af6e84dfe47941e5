"""Dependencies the routes declare: the services, settings, the caller, role checks and the rate limits."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Settings
from ..errors import NotFound
from ..ids import LEARNER_ID_PATTERN
from ..services import Services
from .auth import BadCredentials, Principal, identify

_bearer = HTTPBearer(auto_error=False, description="a learner token (POST /learners), an OpenID Connect token, "
                                                   "or a staff or maintainer token")


COURSE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,99}$"  # what course.md's front matter allows as an id
_COURSE_ID = re.compile(COURSE_ID_PATTERN)


def course_in_path(course_id: Annotated[str, PathParam(pattern=COURSE_ID_PATTERN,
                                                      description="a course id (GET /api/v1/courses)")]) -> str:
    """Declares {course_id} on the course-scoped mount of every course router (get_services reads it)."""
    return course_id


def get_services(request: Request) -> Services:
    """The Services of the course the request is about: the one in the path (/api/v1/courses/{course_id}/…), else
    the default course. All of them share the process's one model, store and database (built once, in the
    app's lifespan); an unknown course is 404."""
    root: Services = request.app.state.services
    course_id = request.path_params.get("course_id")
    if course_id is None:
        return root.default_course()
    if not _COURSE_ID.match(course_id):
        raise NotFound(f"unknown course {course_id[:100]!r}")
    return root.for_course(course_id)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_course_id(services: ServicesDep) -> str:
    """The id of the course the request is about (what sessions, quizzes, progress and runs are filtered by)."""
    return services.course().id


CourseIdDep = Annotated[str, Depends(get_course_id)]


def get_settings_of(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings_of)]


def peer_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def client_address(request: Request) -> str:
    """The caller's address: the peer, or behind a trusted proxy the address it forwarded."""
    return request.app.state.proxies.client_address(peer_address(request), request.headers.get("x-forwarded-for"))


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_learner_id: Annotated[str | None, Header(pattern=LEARNER_ID_PATTERN,
                                               description="the learner a trusted proxy vouches for; refused "
                                                           "from any other address")] = None,
) -> Principal:
    """The caller, from an optional bearer token (or, from a trusted proxy only, an X-Learner-Id header)."""
    state = request.app.state
    try:
        return identify(state.tokens.get(), credentials.credentials if credentials else None, x_learner_id,
                        proxy_trusted=state.proxies.trusts(peer_address(request)),
                        authenticators=state.authenticators)
    except BadCredentials as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_learner(principal: PrincipalDep) -> Principal:
    """A learner acting for themselves; staff and maintainers read learners' data but never act inside it."""
    if principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            "staff and maintainer tokens cannot act inside a learner's conversation or quiz")
    if principal.learner_id is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "send a learner bearer token (POST /api/v1/learners issues one)",
                            headers={"WWW-Authenticate": "Bearer"})
    return principal


def require_staff(principal: PrincipalDep) -> Principal:
    if principal.role == "anonymous":
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a staff bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})
    if not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "staff only")
    return principal


def require_maintainer(principal: PrincipalDep) -> Principal:
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

    def check(request: Request, principal: PrincipalDep) -> None:
        address = client_address(request)
        identity = None if by_address_only else (principal.learner_id or
                                                 (principal.role if principal.is_staff else None))
        verdict = request.app.state.limiter.check(action, identity, address)
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


def get_eval_sets_dir(request: Request, services: ServicesDep) -> Path:
    """The folder of eval question sets: for the default course the app's own, else evals/sets of the working
    directory or checkout; for another course evals/courses/<course id>/ beside it."""
    from ..evals.catalog import default_sets_dir

    sets = getattr(request.app.state, "eval_sets_dir", None) or default_sets_dir()
    if services is request.app.state.services.default_course():
        return sets
    return sets.parent / "courses" / services.course().id


EvalSetsDirDep = Annotated[Path, Depends(get_eval_sets_dir)]
