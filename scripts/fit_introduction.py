"""Fit the introduction model (tutor/introduction_model.json): does a message only introduce the learner?

"hello, I'm a radiographer", "my name is Sam", "I'm new to this course" ask nothing: retrieval answered them with
unrelated course sentences ("I'm new to this course" got a sentence on recalibration) or refused them as not covered,
and the acts model read 59 of 80 written introductions as questions (6 as requests to be quizzed). Positives: the
rows of evals/acts/introductions_fit.jsonl labelled introduction (who the learner is, their work, why they are here,
on many subjects). Negatives: its rows labelled question (an introduction that goes on to ask, or to describe a
problem: "I'm a radiographer and our PE tool keeps missing small clots"), the questions about the tutor
(evals/acts/about_tutor_fit.jsonl) and every other labelled message the quiz-request model is fitted on
(scripts/fit_quiz_request.py), none from evals/sets/ or an eval file. Features: the message's embedding, the acts
model's shape cues and whether it speaks of "I", "my" or "we". Binary logistic regression, balanced classes; C by
5-fold cross-validated log loss; threshold: the lowest whose cross-validated precision is >= 0.98
(fit_acts.MIN_PRECISION: a question taken for an introduction goes unanswered), counted over the messages labelled
questions (small talk, clarify and quiz requests are decided before it). Held-out numbers
(evals/acts/introductions_eval.jsonl, the acts eval, every eval set) are printed, never used.
Usage: .venv/bin/python scripts/fit_introduction.py [--dry-run]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imaging_tutor.config import get_settings
from imaging_tutor.fitted import INTRODUCTION_FILE
from imaging_tutor.services import Services
from imaging_tutor.tutor.introduction import CUES, features, introduces_self

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_acts  # noqa: E402
import fit_quiz_request as qr  # noqa: E402
from fitting import read_rows, relative  # noqa: E402
from message_model import fit_message_model, report_held_out_sets, write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ABOUT_FIT = ROOT / "evals" / "acts" / "about_tutor_fit.jsonl"
INTRO_FIT = ROOT / "evals" / "acts" / "introductions_fit.jsonl"
INTRO_EVAL = ROOT / "evals" / "acts" / "introductions_eval.jsonl"


def training_rows() -> list[tuple[str, int, str, str]]:
    """(text, 1 if an introduction, course id, act label), once per text."""
    labelled = read_rows(INTRO_FIT)
    intro = {r["text"] for r in labelled if r["kind"] == "introduction"}
    rows = [(t, 0, c, a) for t, a, c in qr.training_rows() if t not in intro]
    rows += [(r["text"], 0, qr.THIS_COURSE, "question") for path in (INTRO_FIT, ABOUT_FIT) for r in read_rows(path)
             if r["text"] not in intro]
    return rows + [(t, 1, qr.THIS_COURSE, "question") for t in sorted(intro)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    services = Services(get_settings())
    model, flagged = fit_message_model(
        what="introductions", script="scripts/fit_introduction.py", rows=training_rows(), services=services,
        vocab=qr.vocabularies(), features=features, cues=CUES, decide=introduces_self,
        training_files=[*fit_acts.FIT, qr.WITH_TOPIC, *qr.QUESTIONS, ABOUT_FIT, INTRO_FIT])
    held = read_rows(INTRO_EVAL)
    for kind in ("introduction", "question"):
        texts = [r["text"] for r in held if r["kind"] == kind]
        got = flagged(texts)
        print(f"held out ({relative(INTRO_EVAL)}) {kind}: {int(got.sum())} of {len(texts)} taken; "
              f"{'missed' if kind == 'introduction' else 'taken'}: "
              f"{[t for t, g in zip(texts, got) if g != (kind == 'introduction')]}")
    report_held_out_sets(flagged)
    write(model, INTRODUCTION_FILE, args.dry_run)


if __name__ == "__main__":
    main()
