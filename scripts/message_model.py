"""Shared by the binary message models read beside the acts model (questions about the tutor, introductions): a
logistic regression over the message's features, C by cross-validated log loss, and the lowest threshold whose
cross-validated precision among the messages that reach it (labelled questions) is >= fit_acts.MIN_PRECISION; then
every held-out file is reported and the model written. Nothing here reads an eval file to choose anything."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import numpy as np
from sklearn.metrics import log_loss

from imaging_tutor.fitted import model_header
from imaging_tutor.tutor.acts import SHAPE_FEATURES

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_acts  # noqa: E402
import fit_quiz_request as qr  # noqa: E402
from fitting import ROOT, read_rows, relative, repeated_oof  # noqa: E402

C_GRID = (0.03, 0.1, 0.3, 1.0)
Row = tuple[str, int, str, str]  # (text, 1 if of the class, course id, act label)


def featurize(rows: list[Row], services, vocab, features: Callable) -> np.ndarray:
    vectors = services.embedder.embed([t for t, *_ in rows])
    return np.stack([features(v, t, vocab[c]) for v, (t, _, c, _) in zip(vectors, rows)])


def out_of_fold(X, y, c) -> np.ndarray:
    """P(of the class) of each row from the folds it was left out of (3 shuffles, as the quiz-request fit)."""
    def fit_predict(X_tr, y_tr, X_te):
        clf, mean, scale = fit_acts.fit(X_tr, y_tr, c)
        return clf.predict_proba((X_te - mean) / scale)[:, 1]
    return repeated_oof(X, y, fit_predict, repeats=3)


def fit_message_model(*, what: str, script: str, rows: list[Row], services, vocab, features: Callable,
                      cues: tuple[str, ...], decide: Callable, training_files: list[Path]) -> tuple[dict, Callable]:
    """The fitted model (header, weights, threshold, C) and `flagged(texts, course_id)`, the shipped decision."""
    X, y = featurize(rows, services, vocab, features), np.array([a for _, a, _, _ in rows])
    # Small talk, clarify and quiz requests are decided before these models are read (pipeline.answer): the
    # threshold's precision counts the messages that reach them, questions.
    reach = np.array([act == "question" for *_, act in rows])
    print(f"training rows: {len(y)} ({int(y.sum())} {what})")
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
    print(f"cross-validated at threshold {threshold}: precision {y[picked].mean():.3f} "
          f"recall {picked[y == 1].mean():.3f}; "
          f"other messages taken: {[rows[i][0] for i in np.flatnonzero(picked & (y == 0))]}")
    clf, mean, scale = fit_acts.fit(X, y, c)
    model = {**model_header(script, [relative(f) for f in training_files], [services.course()]),
             "features": ["embedding"] * (X.shape[1] - len(SHAPE_FEATURES) - len(cues)) + list(SHAPE_FEATURES)
             + list(cues),
             "weights": clf.coef_[0].round(6).tolist(), "intercept": round(float(clf.intercept_[0]), 6),
             "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "threshold": threshold, "C": c}

    def flagged(texts: list[str], course_id: str = qr.THIS_COURSE) -> np.ndarray:
        vectors = services.embedder.embed(texts)
        return np.array([decide(v, t, vocab[course_id], model) for v, t in zip(vectors, texts)], dtype=bool)
    return model, flagged


def report_held_out_sets(flagged: Callable) -> None:
    """How many messages of the held-out acts set, every eval set and every course's eval file the model takes."""
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


def write(model: dict, path: Path, dry_run: bool) -> None:
    if not dry_run:
        path.write_text(json.dumps(model) + "\n", encoding="utf-8")
        print(f"wrote {path}")
