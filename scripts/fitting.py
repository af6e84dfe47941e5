"""Shared by the fitting scripts: one Services per course (same data dir, model, store and database), the
training courses, and the fit splits. Nothing here reads evals/sets/ or a course's eval.jsonl."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

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

TEST_COURSES_DIR = ROOT / "tests" / "fixtures" / "courses"


def course_catalog():
    """The configured course and every test course, by the id its course.md gives (what a row's "course" names)."""
    from imaging_tutor.corpus.catalog import build_catalog

    return build_catalog(get_settings().model_copy(update={"courses_dir": TEST_COURSES_DIR}))


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


def repeated_oof(X: np.ndarray, y: np.ndarray, fit_predict: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
                 repeats: int = 5, folds: int = 5) -> np.ndarray:
    """Each row's held-out probability, averaged over `repeats` shuffles of stratified k-fold CV, so a threshold
    chosen on it does not swing with the fold one hard row lands in. fit_predict(X_train, y_train, X_test) -> P(1)."""
    from sklearn.model_selection import StratifiedKFold

    p = np.zeros(len(y))
    for seed in range(repeats):
        for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
            p[te] += fit_predict(X[tr], y[tr], X[te]) / repeats
    return p


def plateau_threshold(p: np.ndarray, y: np.ndarray, grid: np.ndarray, half_width: int = 5,
                      keep: float | None = None) -> float:
    """The grid threshold whose accuracy, averaged over `half_width` grid steps each side, is highest (ties: the
    one nearer 0.5); `keep` (the shipped threshold) stays while its averaged accuracy is within one row of that.
    The plain argmax of a flat accuracy curve jumped between peaks a turn apart from one refit to the next, and
    the averaged curve's top is as flat (0.53 and 0.54 a tenth of a turn apart), so `make fit` cycled; a refit
    now moves the threshold only for a real gain, and a pass that changes nothing stays a fixed point."""
    acc = np.array([np.mean((p >= t) == y) for t in grid])
    smooth = np.array([acc[max(0, i - half_width): i + half_width + 1].mean() for i in range(len(grid))])
    best = max(range(len(grid)), key=lambda i: (round(float(smooth[i]), 9), -abs(float(grid[i]) - 0.5)))
    if keep is not None:
        kept = int(np.argmin(np.abs(grid - keep)))
        if abs(float(grid[kept]) - keep) < 1e-9 and (smooth[best] - smooth[kept]) * len(y) <= 1.0:
            return float(grid[kept])
    return float(grid[best])
