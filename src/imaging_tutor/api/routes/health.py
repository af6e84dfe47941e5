"""GET /healthz (the process answers) and GET /readyz (database, vector store and index all usable)."""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from ..auth import BadCredentials, identify
from ..deps import ServicesDep, _bearer
from ..errors import new_error_id
from ..readiness import check_ready, public_report
from ..schemas import Health, Readiness

router = APIRouter(tags=["health"])
log = logging.getLogger("imaging_tutor.api")


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, summary="Readiness",
            description="503 when the database, the vector store or the index cannot serve. Reasons name the part; "
                        "a maintainer token also gets the details (which otherwise go to the log).",
            responses={503: {"model": Readiness, "description": "not ready, with reasons"}})
def readyz(request: Request, services: ServicesDep,
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]):
    report = check_ready(services, getattr(request.app.state, "limiter", None))
    code = 200 if report["status"] == "ready" else 503
    if _is_maintainer(request, credentials):
        return JSONResponse(report, status_code=code)
    error_id = None
    if report["reasons"]:
        error_id = new_error_id()
        log.warning("not ready [%s]: %s", error_id, "; ".join(report["reasons"]))
    return JSONResponse(public_report(report, error_id), status_code=code)


def _is_maintainer(request: Request, credentials) -> bool:
    if credentials is None:
        return False
    try:  # a probe never answers 401: a wrong token simply gets the public report
        return identify(request.app.state.tokens.get(), credentials.credentials).is_maintainer
    except Exception:
        return False
