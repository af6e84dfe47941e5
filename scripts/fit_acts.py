"""Fit the message-act model (tutor/acts_model.json): question, small talk, clarify, quiz me.

Training: evals/acts/fit.jsonl (messages on many subjects), the turns of evals/calibration/conversations.jsonl
(small-talk turns; clarify turns by their `act` label: "simpler please" is clarify, "what do you mean by leakage?"
names its subject and is a question; every other turn a question), and the search-box fit split (questions: two
misspelt words are a question, not small talk). Never evals/acts/eval.jsonl or evals/sets/.
Each non-question act gets the lowest threshold whose precision, cross-validated on the training rows, is >= 0.98:
a question taken for small talk would go unanswered, so precision is what matters. Held-out numbers on
evals/acts/eval.jsonl are printed, never used to choose anything.
Usage: .venv/bin/python scripts/fit_acts.py [--dry-run]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from imaging_tutor.config import get_settings
from imaging_tutor.fitted import ACTS_FILE, model_header
from imaging_tutor.services import Services
from imaging_tutor.tutor.acts import ACTS, SHAPE_FEATURES, shape_features
from imaging_tutor.tutor.spelling import course_vocabulary

ROOT = Path(__file__).resolve().parents[1]
FIT = [ROOT / "evals/acts/fit.jsonl", ROOT / "evals/calibration/conversations.jsonl",
       ROOT / "evals/calibration/search.jsonl"]
EVAL = ROOT / "evals/acts/eval.jsonl"
MIN_PRECISION = 0.98
C = 0.5


def rows_of(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if "act" in r:  # an act labelled by hand: a message, or a conversation turn (see evals/README.md)
            out.append((r.get("text") or r["question"], r["act"]))
        elif r.get("kind") == "small_talk":
            out.append((r["question"], "small_talk"))
        elif r.get("turn_type") == "clarify":
            out.append((r["question"], "clarify"))
        else:
            out.append((r["question"], "question"))
    return out


def featurize(rows, services, vocabulary) -> tuple[np.ndarray, np.ndarray]:
    vectors = services.embedder.embed([t for t, _ in rows])
    X = np.hstack([vectors, np.array([shape_features(t, vocabulary) for t, _ in rows])])
    y = np.array([ACTS.index(a) for _, a in rows])
    return X, y


def fit(X, y, c: float = C):
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    return clf, mean, scale


def probabilities(clf, mean, scale, X) -> np.ndarray:
    return clf.predict_proba((X - mean) / scale)


def choose_thresholds(p: np.ndarray, y: np.ndarray, classes: list[int]) -> dict[str, float]:
    out = {}
    for k, cls in enumerate(classes):
        if ACTS[cls] == "question":
            continue
        best = 1.0
        for t in np.linspace(0.3, 0.99, 70):
            picked = p[:, k] >= t
            if picked.sum() and (y[picked] == cls).mean() >= MIN_PRECISION:
                best = float(t)
                break
        out[ACTS[cls]] = round(best, 3)
    return out


def report(p, y, classes, thresholds, title):
    pred = []
    for row in p:
        k = int(np.argmax(row))
        act = ACTS[classes[k]]
        pred.append(classes[k] if act != "question" and row[k] >= thresholds.get(act, 1.0) else ACTS.index("question"))
    pred = np.array(pred)
    print(f"{title}: agreement {np.mean(pred == y):.3f} on {len(y)}")
    for cls in classes:
        tp = np.sum((pred == cls) & (y == cls))
        prec = tp / max(1, np.sum(pred == cls))
        rec = tp / max(1, np.sum(y == cls))
        print(f"  {ACTS[cls]:11s} precision {prec:.3f} recall {rec:.3f} (n={np.sum(y == cls)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    services = Services(get_settings())
    vocabulary = course_vocabulary(services.course())
    train = [r for path in FIT for r in rows_of(path)]
    X, y = featurize(train, services, vocabulary)
    classes = sorted(set(y.tolist()))
    cv = np.zeros((len(y), len(classes)))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        clf, mean, scale = fit(X[tr], y[tr])
        cv[te] = probabilities(clf, mean, scale, X[te])
    thresholds = choose_thresholds(cv, y, classes)
    report(cv, y, classes, thresholds, "cross-validated on the fit rows")
    clf, mean, scale = fit(X, y)
    Xe, ye = featurize(rows_of(EVAL), services, vocabulary)
    report(probabilities(clf, mean, scale, Xe), ye, classes, thresholds, "held out (evals/acts/eval.jsonl)")
    model = {**model_header("scripts/fit_acts.py", [p.relative_to(ROOT).as_posix() for p in FIT], [services.course()]),
             "classes": [ACTS[c] for c in classes], "features": ["embedding"] * (X.shape[1] - len(SHAPE_FEATURES))
             + list(SHAPE_FEATURES), "weights": clf.coef_.round(6).tolist(),
             "intercepts": clf.intercept_.round(6).tolist(), "mean": mean.round(6).tolist(),
             "scale": scale.round(6).tolist(), "thresholds": thresholds}
    print("thresholds", thresholds)
    if not args.dry_run:
        ACTS_FILE.write_text(json.dumps(model) + "\n", encoding="utf-8")
        print(f"wrote {ACTS_FILE}")


if __name__ == "__main__":
    main()
