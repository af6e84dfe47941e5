"""Dependencies the routes declare: the services, settings, the caller, role checks and the chat rate limit."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Settings
from ..ids import LEARNER_ID_PATTERN
from ..services import Services
from .auth import BadCredentials, Principal, identify

_bearer = HTTPBearer(auto_error=False, description="staff or maintainer token, or a signed learner token")


def get_services(request: Request) -> Services:
    """The composition root the app was built with (one per process)."""
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings_of(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings_of)]


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_learner_id: Annotated[str | None, Header(pattern=LEARNER_ID_PATTERN,
                                               description="the learner this request acts for")] = None,
) -> Principal:
    """The caller, from an optional bearer token and an optional X-Learner-Id header."""
    try:
        return identify(request.app.state.tokens.get(), credentials.credentials if credentials else None,
                        x_learner_id)
    except BadCredentials as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_learner(principal: PrincipalDep) -> Principal:
    """A caller acting for a learner (a learner, or staff sending X-Learner-Id)."""
    if principal.learner_id is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send an X-Learner-Id header or a learner bearer token",
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


def chat_rate_limit(request: Request, principal: PrincipalDep) -> None:
    """429 with Retry-After once a client exceeds settings.chat_rate_per_minute.

    The key is the learner id when there is one: the UI server relays every learner from one address.
    """
    client = request.client.host if request.client else "unknown"
    key = f"learner:{principal.learner_id}" if principal.learner_id else f"{principal.role}@{client}"
    wait = request.app.state.chat_limiter.check(key)
    if wait:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, f"too many chat requests; retry in {wait} s",
                            headers={"Retry-After": str(wait)})


ChatRateLimit = Depends(chat_rate_limit)


def get_eval_sets_dir(request: Request) -> Path:
    """The folder of eval question sets (the app's own, else evals/sets of the working directory or checkout)."""
    from ..evals.catalog import default_sets_dir

    return getattr(request.app.state, "eval_sets_dir", None) or default_sets_dir()


EvalSetsDirDep = Annotated[Path, Depends(get_eval_sets_dir)]
