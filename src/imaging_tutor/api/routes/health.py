"""GET /healthz (the process answers) and GET /readyz (index, database and vector store all usable)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ..deps import ServicesDep
from ..readiness import check_ready
from ..schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Liveness")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz", response_model=Readiness, summary="Readiness",
            responses={503: {"model": Readiness, "description": "not ready, with reasons"}})
def readyz(services: ServicesDep):
    report = check_ready(services)
    return JSONResponse(report, status_code=200 if report["status"] == "ready" else 503)
