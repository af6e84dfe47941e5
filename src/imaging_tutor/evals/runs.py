"""Eval runs in the database (table eval_runs), so the API and the maintainer page can list and open them."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import select

from ..storage.db import Database
from ..errors import NotFound
from ..storage.models import EvalRun


@dataclass
class EvalReport:
    """One scored run: metrics, per-question rows, the gate verdict and, with a baseline, the diff."""

    id: str
    set_name: str
    set_path: str
    created_at: str
    course: dict
    writers: list[str]
    metrics: dict[str, Any]
    rows: list[dict]
    gate: dict
    thresholds: dict
    support: dict
    seconds: float
    diff: dict | None = None
    meta: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return bool(self.gate["passed"])

    def to_dict(self) -> dict:
        return asdict(self)


def save_run(db: Database, report: EvalReport) -> str:
    """Store a finished run; returns its id."""
    with db.scope() as s:
        s.add(EvalRun(id=report.id, course_id=report.course["id"], set_name=report.set_name, status="done",
                      passed=report.passed,
                      first_citation_accuracy=report.metrics.get("first_citation_accuracy"),
                      report_json=json.dumps(report.to_dict(), ensure_ascii=False)))
    return report.id


def list_runs(db: Database, set_name: str | None = None, limit: int = 50, course_id: str | None = None) -> list[dict]:
    """Newest runs first (of one course, when given), as summaries: id, set, time, verdict and metrics (no rows)."""
    with db.scope() as s:
        query = select(EvalRun).order_by(EvalRun.created_at.desc()).limit(limit)
        if set_name:
            query = query.where(EvalRun.set_name == set_name)
        if course_id is not None:
            query = query.where(EvalRun.course_id == course_id)
        runs = list(s.scalars(query))
    out = []
    for run in runs:
        data = json.loads(run.report_json or "{}")
        out.append({"id": run.id, "course_id": run.course_id, "set_name": run.set_name,
                    "created_at": run.created_at.isoformat(),
                    "status": run.status, "passed": run.passed,
                    "first_citation_accuracy": run.first_citation_accuracy,
                    "metrics": data.get("metrics", {}), "failures": data.get("gate", {}).get("failures", [])})
    return out


def get_run(db: Database, run_id: str, course_id: str | None = None) -> dict:
    """The full stored report of one run, or NotFound (also for a run of another course when one is given)."""
    with db.scope() as s:
        run = s.get(EvalRun, run_id)
        if run is None or (course_id is not None and run.course_id != course_id):
            raise NotFound(f"no eval run {run_id!r}")
        return json.loads(run.report_json)
