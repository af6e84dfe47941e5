"""Run a question set through the same `tutor.answer()` the API calls, score it, gate it and store the run."""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Protocol

from ..corpus.course import load_course
from ..errors import InvalidInput
from .grounding import ENTAILED, TokenEntailment
from . import gate
from .baseline import check_baseline, diff, load_baseline
from .metrics import aggregate, answer_sentences, outcome_from_answer, score_question
from .runs import EvalReport, get_run, list_runs, save_run  # noqa: F401  (public: run_eval, list_runs, get_run)
from .sets import EvalQuestion, load_set

Progress = Callable[[int, int], None]


class Tutor(Protocol):
    """What the runner needs from `imaging_tutor.tutor.pipeline` (a fake with this shape is used in tests)."""

    def new_session(self, services) -> str: ...

    def answer(self, services, question: str, session_id: str | None = None, chapter: int | None = None) -> Any: ...


def run_eval(set_path: str | Path, services, baseline: str | Path | dict | None = None, *,
             thresholds: str | Path | None = None, tutor: Tutor | None = None, store: bool = True,
             progress: Progress | None = None) -> EvalReport:
    """Validate everything first (set, baseline, thresholds), then answer, score, gate and store the run.

    `tutor` defaults to imaging_tutor.tutor.pipeline (the module has the Tutor shape); tests pass a named fake."""
    started = time.perf_counter()
    course = load_course(services.settings.corpus_dir)
    eval_set = load_set(set_path, course)
    base = None
    if baseline is not None:
        base = check_baseline(baseline) if isinstance(baseline, dict) else load_baseline(baseline)
    thresholds_path = Path(thresholds) if thresholds else gate.find_thresholds(set_path)
    rules = gate.load_thresholds(thresholds_path, eval_set.name)

    if tutor is None:
        from ..tutor import pipeline as tutor
    measure = TokenEntailment(course)  # the eval's own measure, independent of the runtime verifier

    answering = time.perf_counter()
    outcomes = []
    total = len(eval_set.questions)
    for i, q in enumerate(eval_set.questions, start=1):
        outcomes.append(ask(tutor, q, services))
        if progress:
            progress(i, total)
    answer_seconds = time.perf_counter() - answering
    rows = [score_question(q, outcome, course, measure) for q, outcome in zip(eval_set.questions, outcomes)]

    metrics = aggregate(rows)
    report = EvalReport(
        id=uuid.uuid4().hex,
        set_name=eval_set.name,
        set_path=str(set_path),
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        course={"id": course.id, "version": course.version},
        writers=sorted({r["writer"] for r in rows if r.get("writer")}),
        metrics=metrics,
        rows=rows,
        gate=gate.evaluate(metrics, rules, base),
        thresholds={"path": str(thresholds_path) if thresholds_path else None, **rules},
        support={"measure": "token-level entailment by the cited sentences (independent of the runtime verifier)",
                 "entailed": ENTAILED},
        seconds=0.0,
    )
    if base is not None:
        report.diff = diff(report.to_dict(), base)
    report.seconds = round(time.perf_counter() - started, 2)
    report.meta = {"answer_seconds": round(answer_seconds, 2), "history_turns": sum(len(q.history) for q in eval_set.questions)}
    if store:
        save_run(services.db, report)
    return report


def ask(tutor: Tutor, q: EvalQuestion, services) -> dict:
    """Replay the history in a fresh session, then time the question itself."""
    session_id = tutor.new_session(services)
    said: list[str] = []  # what the conversation's earlier answers said, to count what the last one repeats
    try:
        for turn in q.history:
            earlier = outcome_from_answer(tutor.answer(services, turn, session_id=session_id, chapter=q.chapter))
            if earlier["status"] == "answered":
                said += [s["text"] for s in answer_sentences(earlier)]
        t0 = time.perf_counter()
        answer = tutor.answer(services, q.question, session_id=session_id, chapter=q.chapter)
        latency = (time.perf_counter() - t0) * 1000
    except InvalidInput as exc:  # a question the tutor rejects is a failed row, not a crashed run
        return {"status": "error", "answer": "", "citations": [], "suggestions": [], "retrieved": [],
                "sentences": [], "writer": None, "error": str(exc), "latency_ms": None}
    outcome = outcome_from_answer(answer)
    outcome["latency_ms"] = round(latency, 2)
    outcome["said_before"] = said if q.history else None
    return outcome
