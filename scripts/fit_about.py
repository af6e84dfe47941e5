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
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss

from imaging_tutor.config import get_settings
from imaging_tutor.fitted import ABOUT_FILE, model_header
from imaging_tutor.services import Services
from imaging_tutor.tutor.about import CUES, asks_about_tutor, features
from imaging_tutor.tutor.acts import SHAPE_FEATURES

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_acts  # noqa: E402
import fit_quiz_request as qr  # noqa: E402
from fitting import read_rows, relative, repeated_oof  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ABOUT_FIT = ROOT / "evals" / "acts" / "about_tutor_fit.jsonl"
ABOUT_EVAL = ROOT / "evals" / "acts" / "about_tutor_eval.jsonl"
C_GRID = (0.03, 0.1, 0.3, 1.0)


def training_rows() -> list[tuple[str, int, str, str]]:
    """(text, 1 if about the tutor, course id, act label), once per text. The fit file's other rows are follow-up
    requests that speak to "you" ("can you go deeper?", "anything else you can tell me?"): questions about the
    course's topic, not the tutor, which the other training messages hold too few of."""
    labelled = read_rows(ABOUT_FIT)
    about = {r["text"] for r in labelled if r["kind"] == "about_tutor"}
    rows = [(t, 0, c, a) for t, a, c in qr.training_rows() if t not in about]
    rows += [(r["text"], 0, qr.THIS_COURSE, "question") for r in labelled if r["kind"] != "about_tutor"]
    return rows + [(t, 1, qr.THIS_COURSE, "question") for t in sorted(about)]


def featurize(rows, services, vocab) -> np.ndarray:
    vectors = services.embedder.embed([t for t, *_ in rows])
    return np.stack([features(v, t, vocab[c]) for v, (t, _, c, _) in zip(vectors, rows)])


def out_of_fold(X, y, c) -> np.ndarray:
    """P(about the tutor) of each row from the folds it was left out of (3 shuffles, as the quiz-request fit)."""
    def fit_predict(X_tr, y_tr, X_te):
        clf, mean, scale = fit_acts.fit(X_tr, y_tr, c)
        return clf.predict_proba((X_te - mean) / scale)[:, 1]
    return repeated_oof(X, y, fit_predict, repeats=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    services = Services(get_settings())
    vocab = qr.vocabularies()
    rows = training_rows()
    X, y = featurize(rows, services, vocab), np.array([a for _, a, _, _ in rows])
    # Small talk, clarify and quiz requests are decided before this model is read (pipeline.answer): the threshold's
    # precision counts the messages that reach it, questions.
    reach = np.array([act == "question" for *_, act in rows])
    print(f"training rows: {len(y)} ({int(y.sum())} about the tutor)")
    oof = {c: out_of_fold(X, y, c) for c in C_GRID}
    losses = {c: log_loss(y, p) for c, p in oof.items()}
    c = min(losses, key=losses.get)
    print("cross-validated log loss by C: " + ", ".join(f"{k:g}: {v:.4f}" for k, v in losses.items()) + f" -> C {c:g}")
    p = oof[c]
    for t in (0.5, 0.7, 0.8, 0.9, 0.95, 0.98):
        sel = (p >= t) & reach
        print(f"  cross-validated at {t}: precision {y[sel].mean() if sel.any() else float('nan'):.3f} recall "
              f"{sel[y == 1].mean():.3f}; others taken {int((sel & (y == 0)).sum())}")
    top = np.argsort(-np.where((y == 0) & reach, p, -1.0))[:8]
    print("  highest-scored other messages: " + "; ".join(f"{rows[i][0]!r} {p[i]:.2f}" for i in top))
    threshold = 1.0
    for t in np.linspace(0.3, 0.99, 70):
        picked = (p >= t) & reach
        if picked.sum() and y[picked].mean() >= fit_acts.MIN_PRECISION:
            threshold = round(float(t), 3)
            break
    picked = (p >= threshold) & reach
    print(f"cross-validated at threshold {threshold}: precision {y[picked].mean():.3f} recall {picked[y == 1].mean():.3f}; "
          f"other messages taken: {[rows[i][0] for i in np.flatnonzero(picked & (y == 0))]}")
    clf, mean, scale = fit_acts.fit(X, y, c)
    model = {**model_header("scripts/fit_about.py", [relative(p) for p in [*fit_acts.FIT, qr.WITH_TOPIC,
                                                                            *qr.QUESTIONS, ABOUT_FIT]],
                            [services.course()]),
             "features": ["embedding"] * (X.shape[1] - len(SHAPE_FEATURES) - len(CUES)) + list(SHAPE_FEATURES)
             + list(CUES),
             "weights": clf.coef_[0].round(6).tolist(), "intercept": round(float(clf.intercept_[0]), 6),
             "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "threshold": threshold, "C": c}

    def flagged(texts: list[str], course_id: str = qr.THIS_COURSE) -> np.ndarray:
        vectors = services.embedder.embed(texts)
        return np.array([asks_about_tutor(v, t, vocab[course_id], model) for v, t in zip(vectors, texts)], dtype=bool)

    held = [r["text"] for r in read_rows(ABOUT_EVAL)]
    got = flagged(held)
    print(f"held out ({relative(ABOUT_EVAL)}): {int(got.sum())} of {len(held)} taken; missed: "
          f"{[t for t, g in zip(held, got) if not g]}")
    acts = read_rows(qr.HELD_OUT_ACTS)
    got = flagged([r["text"] for r in acts])
    print(f"held out evals/acts/eval.jsonl: {int(got.sum())} of {len(acts)} messages taken: "
          f"{[r['text'] for r, g in zip(acts, got) if g]}")
    for path in [*qr.HELD_OUT_SETS, *sorted((ROOT / "evals" / "courses").glob("*/eval.jsonl"))]:
        course_id = path.parent.name if path.parent.parent.name == "courses" else qr.THIS_COURSE
        texts = list(dict.fromkeys(t for r in read_rows(path) for t in [r["question"], *(r.get("history") or [])]))
        got = flagged(texts, course_id)
        print(f"held out {relative(path)}: {int(got.sum())} of {len(texts)} messages taken "
              f"{[t for t, g in zip(texts, got) if g]}")
    if not args.dry_run:
        ABOUT_FILE.write_text(json.dumps(model) + "\n", encoding="utf-8")
        print(f"wrote {ABOUT_FILE}")


if __name__ == "__main__":
    main()
