"""Evals (maintainers): run a named question set through the tutor, list runs, open a run's report."""
from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status

from ...errors import Conflict
from ..deps import CourseIdDep, EvalSetsDirDep, MaintainerDep, ServicesDep
from ...evals.catalog import available_sets, default_baseline, resolve_set
from ..schemas import EvalRunRequest

router = APIRouter(tags=["evals"])
_running = threading.Lock()  # one eval at a time per process: a run answers every question of the set


@router.get("/evals/sets", response_model=list[str], summary="Question sets that can be run")
def list_sets(_m: MaintainerDep, sets_dir: EvalSetsDirDep) -> list[str]:
    return available_sets(sets_dir)


@router.post("/evals/runs", status_code=status.HTTP_201_CREATED, response_model=dict[str, Any],
             summary="Run an eval set now", description="Blocks until the run is scored and stored; returns the "
                                                         "full report (metrics, rows, gate, baseline diff).")
def start_run(body: EvalRunRequest, services: ServicesDep, _m: MaintainerDep, sets_dir: EvalSetsDirDep) -> dict:
    from ...evals.runner import run_eval

    path = resolve_set(sets_dir, body.set)
    baseline = default_baseline(sets_dir, body.set.removesuffix(".jsonl")) if body.baseline else None
    if not _running.acquire(blocking=False):
        raise Conflict("an eval run is already in progress; try again when it finishes")
    try:
        report = run_eval(path, services, baseline, store=True)
    finally:
        _running.release()
    return report.to_dict()


@router.get("/evals/runs", response_model=list[dict[str, Any]], summary="Eval runs, newest first")
def list_runs(services: ServicesDep, course_id: CourseIdDep, _m: MaintainerDep,
              set: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")] = None,
              limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[dict]:
    from ...evals.runs import list_runs as runs

    return runs(services.db, set_name=set, limit=limit, course_id=course_id)


@router.get("/evals/runs/{run_id}", response_model=dict[str, Any], summary="One run's full report")
def get_run(services: ServicesDep, course_id: CourseIdDep, _m: MaintainerDep,
            run_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]) -> dict:
    from ...evals.runs import get_run as fetch

    return fetch(services.db, run_id, course_id)
