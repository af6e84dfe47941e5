"""Fit the about-the-tutor model (tutor/about_model.json): does a message ask about the tutor, not the course?

"what can you do?", "are you a bot?", "do you save our chat?" are not about the course: retrieval answered 9 of 40
such fit questions with unrelated course sentences ("who made you?" with a sentence on who owns a deployed tool)
and refused the rest as not covered. Positives: the 104 questions of evals/acts/about_tutor_fit.jsonl labelled
about_tutor (the tutor and the app in no course's words: identity, what it can do, where answers come from,
citations, data and privacy, how to use it). Negatives: its 40 follow-up requests that speak to "you" ("can you go
deeper?") and every other labelled message the quiz-request model is fitted on (scripts/fit_quiz_request.py: the
acts rows, requests naming a topic, learners' study questions on three courses, this course's workplace, guard,
near-miss and personal-medical fit splits), none from evals/sets/ or an eval file. Features: the message's
embedding, the acts model's shape cues (counted against each row's own course) and whether it speaks to "you".
Binary logistic regression, balanced classes; C by 5-fold cross-validated log loss; threshold: the lowest whose
cross-validated precision is >= 0.98 (fit_acts.MIN_PRECISION: a course question taken for one goes unanswered),
counted over the messages labelled questions (small talk, clarify and quiz requests are decided before it).
Held-out numbers (evals/acts/about_tutor_eval.jsonl, the acts eval, every eval set) are printed, never used.
Usage: .venv/bin/python scripts/fit_about.py [--dry-run]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from imaging_tutor.config import get_settings
from imaging_tutor.fitted import ABOUT_FILE
from imaging_tutor.services import Services
from imaging_tutor.tutor.about import CUES, asks_about_tutor, features

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_acts  # noqa: E402
import fit_quiz_request as qr  # noqa: E402
from fitting import read_rows, relative  # noqa: E402
from message_model import fit_message_model, report_held_out_sets, write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ABOUT_FIT = ROOT / "evals" / "acts" / "about_tutor_fit.jsonl"
ABOUT_EVAL = ROOT / "evals" / "acts" / "about_tutor_eval.jsonl"


def training_rows() -> list[tuple[str, int, str, str]]:
    """(text, 1 if about the tutor, course id, act label), once per text. The fit file's other rows are follow-up
    requests that speak to "you" ("can you go deeper?", "anything else you can tell me?"): questions about the
    course's topic, not the tutor, which the other training messages hold too few of."""
    labelled = read_rows(ABOUT_FIT)
    about = {r["text"] for r in labelled if r["kind"] == "about_tutor"}
    rows = [(t, 0, c, a) for t, a, c in qr.training_rows() if t not in about]
    rows += [(r["text"], 0, qr.THIS_COURSE, "question") for r in labelled if r["kind"] != "about_tutor"]
    return rows + [(t, 1, qr.THIS_COURSE, "question") for t in sorted(about)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    services = Services(get_settings())
    model, flagged = fit_message_model(
        what="about the tutor", script="scripts/fit_about.py", rows=training_rows(), services=services,
        vocab=qr.vocabularies(), features=features, cues=CUES, decide=asks_about_tutor,
        training_files=[*fit_acts.FIT, qr.WITH_TOPIC, *qr.QUESTIONS, ABOUT_FIT])
    held = [r["text"] for r in read_rows(ABOUT_EVAL)]
    got = flagged(held)
    print(f"held out ({relative(ABOUT_EVAL)}): {int(got.sum())} of {len(held)} taken; missed: "
          f"{[t for t, g in zip(held, got) if not g]}")
    report_held_out_sets(flagged)
    write(model, ABOUT_FILE, args.dry_run)


if __name__ == "__main__":
    main()
