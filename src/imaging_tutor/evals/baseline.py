"""Baselines: save a run's metrics and per-question checks, load one back, and diff a new run against it."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from .metrics import METRICS, split_metric

FORMAT = "imaging-tutor-eval-baseline/1"
_ROW_FIELDS = ("id", "kind", "status", "first_citation", "retrieved_top5", "checks", "passed")


class BaselineError(InvalidInput):
    """A baseline file that cannot be used; names the file."""


def baseline_payload(report: dict) -> dict:
    """What a baseline keeps of a run: metrics and the slim per-question rows."""
    return {
        "format": FORMAT,
        "set_name": report["set_name"],
        "created_at": report["created_at"],
        "course": report.get("course"),
        "writers": report.get("writers"),
        "metrics": report["metrics"],
        "rows": [{k: r.get(k) for k in _ROW_FIELDS} for r in report["rows"]],
    }


def save_baseline(report: dict, path: str | Path) -> Path:
    """Write the baseline JSON (stable key order, one file)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(baseline_payload(report), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return p


def load_baseline(path: str | Path) -> dict:
    """Read and check a baseline file; anything unusable raises BaselineError before a run starts."""
    p = Path(path)
    if not p.is_file():
        raise BaselineError(f"{p}: baseline file not found")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{p}: not a JSON baseline ({exc})") from None
    return check_baseline(data, str(p))


def check_baseline(data: Any, source: str = "baseline") -> dict:
    """Validate the shape of a baseline object (a saved baseline or a full `--json` report both work)."""
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict) or not isinstance(data.get("rows"), list):
        raise BaselineError(f"{source}: expected an object with 'metrics' and 'rows' (from --save-baseline)")
    for i, row in enumerate(data["rows"]):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("checks"), dict):
            raise BaselineError(f"{source}: row {i} lacks an 'id' or 'checks'")
    return data


def diff(current: dict, baseline: dict) -> dict:
    """Metric deltas, and the questions that newly fail or newly pass (matched by id)."""
    deltas = {}
    names = list(METRICS) + [k for k in current["metrics"] if ":" in k and split_metric(k)[1] in METRICS]
    for name in names:
        now, then = current["metrics"].get(name), baseline["metrics"].get(name)
        deltas[name] = {"current": now, "baseline": then,
                        "delta": (now - then) if isinstance(now, (int, float)) and isinstance(then, (int, float)) else None}
    before = {r["id"]: r for r in baseline["rows"]}
    newly_failing, newly_passing = [], []
    for row in current["rows"]:
        old = before.get(row["id"])
        if old is None:
            continue
        broke = sorted(k for k, ok in row["checks"].items() if not ok and old["checks"].get(k, False))
        fixed = sorted(k for k, ok in row["checks"].items() if ok and old["checks"].get(k) is False)
        if old.get("passed") and not row["passed"]:
            newly_failing.append({"id": row["id"], "kind": row["kind"], "checks": broke,
                                  "status": row["status"], "was_status": old.get("status"),
                                  "first_citation": row["first_citation"], "was_first_citation": old.get("first_citation")})
        elif not old.get("passed") and row["passed"]:
            newly_passing.append({"id": row["id"], "kind": row["kind"], "checks": fixed})
    ids = {r["id"] for r in current["rows"]}
    return {
        "baseline_created_at": baseline.get("created_at"),
        "baseline_set": baseline.get("set_name"),
        "metrics": deltas,
        "newly_failing": newly_failing,
        "newly_passing": newly_passing,
        "only_in_baseline": sorted(set(before) - ids),
        "only_in_current": sorted(ids - set(before)),
    }
