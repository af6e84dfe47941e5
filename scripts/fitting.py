"""Shared by the fitting scripts: one Services per course (same data dir, model, store and database), the
training courses, and the fit splits. Nothing here reads evals/sets/ or a course's eval.jsonl."""
from __future__ import annotations

import json
from pathlib import Path

from imaging_tutor.config import get_settings
from imaging_tutor.index.ingest import ingest
from imaging_tutor.services import Services

ROOT = Path(__file__).resolve().parents[1]
# The courses fitted on: this course and two test courses of other subjects (their fit splits only). The composting
# and bicycle courses are never fitted on: they measure how the tutor does on a course it has never seen.
TRAINING_COURSES = {
    "ai-in-medical-imaging": (ROOT / "corpus" / "ai-in-medical-imaging", None),
    "kitchen-food-safety": (ROOT / "tests/fixtures/courses/kitchen-food-safety",
                            ROOT / "evals/courses/kitchen-food-safety/fit.jsonl"),
    "reading-weather-forecasts": (ROOT / "tests/fixtures/courses/reading-weather-forecasts",
                                  ROOT / "evals/courses/reading-weather-forecasts/fit.jsonl"),
}


def replay(services: Services, history: list[str]) -> list:
    """Answer earlier turns in a fresh session and return them as the tutor reads a conversation (PastTurn)."""
    from imaging_tutor.tutor import conversations, pipeline
    from imaging_tutor.tutor.resolve import past_turns

    if not history:
        return []
    sid = pipeline.new_session(services)
    for turn in history:
        pipeline.answer(services, turn, session_id=sid)
    return past_turns(conversations.history(services.db, sid))


def course_services() -> dict[str, Services]:
    """Services for each training course, ingested (idempotent) into the configured data dir."""
    base = Services(get_settings())
    out = {}
    for course_id, (folder, _) in TRAINING_COURSES.items():
        s = Services(base.settings.model_copy(update={"corpus_dir": folder}), embedder=base.embedder,
                     store=base.store, database=base.db)
        ingest(s)
        out[course_id] = s
    return out


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def relative(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()
