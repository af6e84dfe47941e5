"""Fit the follow-up model (tutor/followup_model.json): does a turn lean on the conversation?

Training turns: the conversation fit split (evals/calibration/conversations.jsonl) and the follow-up rows of the other
training courses' fit splits, each replayed through the real tutor so the earlier turns leave the state they leave
at run time. Labels from the data writers' turn types: pronoun, ellipsis, why/how, example, compare, deeper, clarify
and return lean on the conversation; switch does not, nor does switch_out (a new subject the course lacks: it must
be judged on its own, not read as a follow-up of the course topic before it). offtopic turns (out of scope, but
about the conversation's topic: "how much would that cost us?") are left out: they may lean on it. Further
negatives: standalone fit questions of each training course asked right after another random question of the same
course (a new topic after an unrelated one).
The threshold is the top of cross-validated accuracy averaged over +/-0.05; the shipped one stays unless another
is better by more than one turn (so `make fit` reaches a fixed point). The script prints cross-validated numbers
per turn type.
Never reads evals/sets/ or a course's eval.jsonl.
Usage: .venv/bin/python scripts/fit_followup.py [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter, defaultdict

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from fitting import (ROOT, TRAINING_COURSES, course_services, plateau_threshold, read_rows, relative,  # noqa: E402
                     repeated_oof, replay)

from imaging_tutor.fitted import FOLLOWUP_FILE, model_header  # noqa: E402
from imaging_tutor.tutor import pipeline  # noqa: E402
from imaging_tutor.tutor.resolve import FEATURES  # noqa: E402

LEANS = {"pronoun", "ellipsis", "why", "how", "example", "compare", "deeper", "clarify", "return"}
STANDS = {"switch", "switch_out"}
CONVERSATIONS = ROOT / "evals/calibration/conversations.jsonl"
STANDALONE_SOURCES = [ROOT / "evals/calibration/guard.jsonl", ROOT / "evals/calibration/workplace.jsonl",
                      ROOT / "evals/calibration/search.jsonl"]
C = 1.0
REPEATS = 5


def features_after(services, history: list[str], question: str) -> dict[str, float] | None:
    """Replay history in a fresh session, then read the question against it (None when nothing was answered)."""
    past = replay(services, history)
    if not past:
        return None
    reading = pipeline.read_turn(services, pipeline.clean_question(question, services.settings), past,
                                 services.index(), followup_model=None)
    return reading.resolution.features or None


def collect(all_services) -> tuple[list[dict], list[int], list[str]]:
    feats, labels, kinds = [], [], []
    rng = random.Random(7)
    for course_id, services in all_services.items():
        _, fit_file = TRAINING_COURSES[course_id]
        conv_rows = read_rows(CONVERSATIONS) if fit_file is None else read_rows(fit_file)
        standalone = []
        for row in conv_rows:
            turn_type = row.get("turn_type")
            if row.get("history") and turn_type in LEANS | STANDS:
                f = features_after(services, row["history"], row["question"])
                if f:
                    feats.append(f)
                    labels.append(int(turn_type in LEANS))
                    kinds.append(turn_type)
            if not row.get("history") and row.get("kind") == "answerable" and row.get("category") in (
                    "single", "search", "workplace", None):
                standalone.append(row["question"])
        if fit_file is None:
            standalone += [r["question"] for p in STANDALONE_SOURCES for r in read_rows(p)
                           if r.get("kind") == "answerable" and not r.get("history")]
        rng.shuffle(standalone)
        # A course with fewer than 300 such questions pairs each with itself and adds none (the two small courses);
        # pairing them among themselves was measured and not kept: held-out conversations and workplace fell
        # (evals/README.md, the follow-up row).
        for question, previous in zip(standalone[:150], standalone[150:300] + standalone[:150]):
            if question == previous:
                continue
            f = features_after(services, [previous], question)
            if f:
                feats.append(f)
                labels.append(0)
                kinds.append("new topic")
        print(f"{course_id}: {len(feats)} turns so far", file=sys.stderr)
    return feats, labels, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    all_services = course_services()
    feats, labels, kinds = collect(all_services)
    X = np.array([[f[k] for k in FEATURES] for f in feats])
    y = np.array(labels)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    # Out-of-fold probabilities averaged over REPEATS shuffles of the folds: one shuffle moved the threshold by
    # a few hundredths from one refit to the next, enough to flip a turn sitting at p = 0.56.
    def fit_predict(X_tr, y_tr, X_te):
        clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit((X_tr - mean) / scale, y_tr)
        return clf.predict_proba((X_te - mean) / scale)[:, 1]

    p = repeated_oof(X, y, fit_predict, REPEATS)
    # Accuracy is flat near its peak: the plain argmax went 0.52, 0.55, 0.52 pass after pass on one change (no
    # fixed point), and the top of the +/-0.05 average went 0.54, 0.53, 0.54; the shipped threshold now stays
    # unless another is better by more than one turn.
    shipped = json.loads(FOLLOWUP_FILE.read_text(encoding="utf-8"))["threshold"] if FOLLOWUP_FILE.is_file() else None
    threshold = plateau_threshold(p, y, np.round(np.linspace(0.2, 0.8, 61), 2), keep=shipped)
    print(f"{len(y)} turns ({y.sum()} lean on the conversation); threshold {threshold:.2f}; "
          f"cross-validated accuracy {np.mean((p >= threshold) == y):.3f}")
    per: dict[str, list[bool]] = defaultdict(list)
    for k, pi, yi in zip(kinds, p, y):
        per[k].append((pi >= threshold) == yi)
    for k, hits in sorted(per.items()):
        print(f"  {k:10s} {np.mean(hits):.3f} of {len(hits)}")
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    for name, w in sorted(zip(FEATURES, clf.coef_[0]), key=lambda x: -abs(x[1])):
        print(f"  {name:22s} {w:+.3f}")
    courses = [s.course() for s in all_services.values()]
    files = [relative(CONVERSATIONS)] + [relative(p) for p in STANDALONE_SOURCES] + [
        relative(f) for _, f in TRAINING_COURSES.values() if f is not None]
    model = {**model_header("scripts/fit_followup.py", files, courses, after=()),
             "features": list(FEATURES), "weights": clf.coef_[0].round(6).tolist(),
             "intercept": round(float(clf.intercept_[0]), 6), "mean": mean.round(6).tolist(),
             "scale": scale.round(6).tolist(), "threshold": round(threshold, 3),
             "training": {"turns": int(len(y)), "lean": int(y.sum()), "by_kind": dict(Counter(kinds)),
                          "cv_accuracy": round(float(np.mean((p >= threshold) == y)), 4)}}
    if not args.dry_run:
        FOLLOWUP_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {FOLLOWUP_FILE}")


if __name__ == "__main__":
    main()
