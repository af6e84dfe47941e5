"""Split labelled data into a part that may be fitted on and a part that never is, deterministically.

Run once on data written before any tuning. Sets curated after their split (rows moved or added by hand) are not
re-split the same way, so `--only NAME` splits one new set and leaves every other file alone.
A row goes to a side by a hash of its group (a conversation's turns stay together; other rows are their own
group), stratified by kind of input so both sides see every kind. Nothing about the tutor's answers is read.

    python scripts/split_eval_data.py [--only NAME]
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVALS = ROOT / "evals"

# name -> (the fit side, the eval side). Eval sides live in evals/sets/ (or a course's eval.jsonl) and are never
# read by a fitting script; fit sides live in evals/calibration/ (or a course's fit.jsonl).
SPLITS = {
    "conversations": (EVALS / "calibration" / "conversations.jsonl", EVALS / "sets" / "conversations.jsonl"),
    "workplace": (EVALS / "calibration" / "workplace.jsonl", EVALS / "sets" / "workplace.jsonl"),
    "search": (EVALS / "calibration" / "search.jsonl", EVALS / "sets" / "search.jsonl"),
    "near_miss": (EVALS / "calibration" / "near_miss.jsonl", EVALS / "sets" / "near_miss.jsonl"),
    "personal_medical": (EVALS / "calibration" / "personal_medical.jsonl", EVALS / "sets" / "personal_medical.jsonl"),
    "situations": (EVALS / "calibration" / "situations.jsonl", EVALS / "sets" / "situations.jsonl"),
    "verifier": (EVALS / "verifier" / "fit.jsonl", EVALS / "verifier" / "eval.jsonl"),
    "grading": (EVALS / "quiz" / "grading_fit.jsonl", EVALS / "quiz" / "grading_eval.jsonl"),
    "acts": (EVALS / "acts" / "fit.jsonl", EVALS / "acts" / "eval.jsonl"),
    "kitchen-food-safety": (EVALS / "courses" / "kitchen-food-safety" / "fit.jsonl",
                            EVALS / "courses" / "kitchen-food-safety" / "eval.jsonl"),
    "reading-weather-forecasts": (EVALS / "courses" / "reading-weather-forecasts" / "fit.jsonl",
                                  EVALS / "courses" / "reading-weather-forecasts" / "eval.jsonl"),
}


def _rank(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Half the groups of each stratum to each side (the odd one to eval), by hash order."""
    strata: dict[str, dict[str, list[dict]]] = {}
    for row in rows:
        stratum = str(row.get("turn_type") or row.get("subtype") or row.get("near_miss_type") or row.get("style") or row.get("act")
                      or row.get("category")
                      or "") + "/" + str(row.get("kind") or row.get("label") or row.get("supported"))
        group = str(row.get("group") or row["id"])
        strata.setdefault(stratum, {}).setdefault(group, []).append(row)
    # A conversation belongs to one side: its stratum is the one of its first row.
    side: dict[str, str] = {}
    for stratum in sorted(strata):
        groups = [g for g in sorted(strata[stratum], key=_rank) if g not in side]
        for i, g in enumerate(groups):
            side[g] = "eval" if i % 2 == 0 else "fit"
    fit = [r for r in rows if side[str(r.get("group") or r["id"])] == "fit"]
    ev = [r for r in rows if side[str(r.get("group") or r["id"])] == "eval"]
    return fit, ev


def _read(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(sources: dict[str, list[Path]] | None = None, only: str | None = None) -> None:
    for name, (fit_path, eval_path) in SPLITS.items():
        if only is not None and name != only:
            continue
        rows = [r for p in (sources or {}).get(name, []) for r in _read(p)] or _read(fit_path) + _read(eval_path)
        if not rows:
            continue
        rows.sort(key=lambda r: r["id"])
        fit, ev = split(rows)
        _write(fit_path, fit)
        _write(eval_path, ev)
        print(f"{name}: {len(fit)} fit, {len(ev)} eval")


if __name__ == "__main__":
    import sys

    new = EVALS / "new"
    courses = EVALS / "courses"
    main({
        "conversations": sorted(new.glob("conversations_*.jsonl")),
        "workplace": [new / "workplace.jsonl"], "search": [new / "search.jsonl"],
        "near_miss": [new / "near_miss.jsonl"], "personal_medical": [new / "personal_medical.jsonl"],
        "verifier": [new / "verifier_labels.jsonl"], "grading": [new / "grading_labels.jsonl"],
        "acts": [new / "acts.jsonl"],
        "kitchen-food-safety": [courses / "kitchen-food-safety.jsonl"],
        "reading-weather-forecasts": [courses / "reading-weather-forecasts.jsonl"],
    } if "--from-new" in sys.argv else None,
        only=sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None)
