"""Fit the extractive writer's sentence model (tutor/sentence_model.json) and choose its composition shares.

Training: every question of the fit data that carries evidence quotes (the question bank, evals/calibration/*.jsonl,
the other training courses' fit splits), never evals/sets/ or a course's eval.jsonl. For each, the sentences of the
top sections (as the tutor retrieves them) are candidates; a sentence is a positive when it holds an evidence quote.
Printed: cross-validated precision of the top sentence, and for a grid of (same-section, other-section) shares, how
often the composed answer contains the evidence and how long it is. The chosen shares are printed for
tutor/extractive.py (they are constants there, with this script named as their source).
Usage: .venv/bin/python scripts/fit_sentences.py [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import ROOT, TRAINING_COURSES, course_services, read_rows, relative  # noqa: E402

from imaging_tutor.corpus.questionbank import QUESTIONS_FILE  # noqa: E402
from imaging_tutor.fitted import SENTENCE_FILE, model_header  # noqa: E402
from imaging_tutor.tutor import extractive, pipeline  # noqa: E402

CAL = ROOT / "evals" / "calibration"
THIS_COURSE_FILES = [CAL / "guard.jsonl", CAL / "workplace.jsonl", CAL / "search.jsonl", CAL / "personal_medical.jsonl"]
C = 1.0


def fold(text: str) -> str:
    return " ".join(text.split())


def rows_for(course_id: str, services) -> list[dict]:
    _, fit_file = TRAINING_COURSES[course_id]
    files = THIS_COURSE_FILES + [Path(services.settings.corpus_dir) / QUESTIONS_FILE] if fit_file is None else [fit_file]
    return [r for p in files if p.is_file() for r in read_rows(p)
            if r.get("kind", "answerable") == "answerable" and r.get("evidence") and not r.get("history")]


def collect(services, rows):
    snap = services.index()
    groups = []
    for r in rows:
        reading = pipeline.read_turn(services, pipeline.clean_question(r["question"], services.settings), [], snap)
        ret = reading.retrieval
        feats = extractive.sentence_features(reading.query, ret, ret.query_vector)
        if not feats:
            continue
        evidence = [fold(e) for e in r["evidence"]]
        labels = [any(e in fold(snap.sentences[i].text) or fold(snap.sentences[i].text) in e for e in evidence)
                  for i, _ in feats]
        if any(labels):
            groups.append((ret, reading.query, feats, labels))
    return groups


def matrix(groups):
    X = np.array([[f[k] for k in extractive.FEATURES] for _, _, feats, _ in groups for _, f in feats])
    y = np.array([l for *_, labels in groups for l in labels])
    return X, y


def fit(groups):
    X, y = matrix(groups)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    return {"features": list(extractive.FEATURES), "weights": clf.coef_[0].round(6).tolist(),
            "intercept": round(float(clf.intercept_[0]), 6), "mean": mean.round(6).tolist(),
            "scale": scale.round(6).tolist()}


def evaluate(groups, model, same: float, other: float) -> tuple[float, float, float]:
    """(top sentence is evidence, composed answer holds evidence, mean sentences) over the groups."""
    top = hold = length = 0
    for ret, query, feats, labels in groups:
        positives = {i for (i, _), l in zip(feats, labels) if l}
        picked = extractive.score_sentences(query, ret, ret.query_vector, model)
        top += picked[0].index in positives if picked else 0
        composed = extractive.compose(picked, ret, same_share=same, other_share=other)
        hold += any(p.index in positives for p in composed)
        length += len(composed)
    n = max(1, len(groups))
    return top / n, hold / n, length / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    all_services = course_services()
    groups = []
    for course_id, services in all_services.items():
        got = collect(services, rows_for(course_id, services))
        groups += got
        print(f"{course_id}: {len(got)} questions with evidence among their candidates", file=sys.stderr)
    order = np.random.default_rng(0).permutation(len(groups))
    folds = [order[f::5] for f in range(5)]
    print(f"{'same':>5s} {'other':>6s}  top sentence is evidence | answer holds evidence | sentences  (5-fold CV)")
    results = {}
    for same in (0.7, 0.8, 0.9):
        for other in (0.9, 0.95, 1.0):
            tot = np.zeros(3)
            for test in folds:
                ts = set(test.tolist())
                model = fit([g for k, g in enumerate(groups) if k not in ts])
                tot += np.array(evaluate([groups[k] for k in test], model, same, other)) * len(test)
            results[(same, other)] = tot / len(groups)
            print(f"{same:5.2f} {other:6.2f}  {results[(same, other)][0]:.3f} | {results[(same, other)][1]:.3f} | "
                  f"{results[(same, other)][2]:.2f}")
    model = fit(groups)
    for name, w in sorted(zip(extractive.FEATURES, model["weights"]), key=lambda p: -abs(p[1])):
        print(f"  {name:18s} {w:+.3f}")
    files = [relative(p) for p in THIS_COURSE_FILES] + [relative(f) for _, f in TRAINING_COURSES.values() if f]
    model = {**model_header("scripts/fit_sentences.py", files, [s.course() for s in all_services.values()],
                            after=["followup", "ranker"]), **model, "training": {"questions": len(groups)}}
    if not args.dry_run:
        SENTENCE_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {SENTENCE_FILE}")


if __name__ == "__main__":
    main()
