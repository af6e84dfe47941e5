"""Fit the out-of-scope classifier and write src/imaging_tutor/guard_model.json.

Training questions: evals/calibration/guard.jsonl (answerable and out of scope; its medical-advice rows are
handled by rules, not this model) plus the course's question bank as further answerable examples, weighted so
that the whole bank counts as much as the calibration set's answerable questions (their bank_max feature is
computed with the question itself left out, as for a new learner question).
The refusal threshold is set on the calibration set's answerable questions only: bank questions resemble each
other, so they would make refusing look safer than it is. Choices (C, bank weight, where the threshold is set)
were made by the cross-validated rates this script prints. The eval sets are never read here.
Usage: TUTOR_DATA_DIR=<an ingested data dir> .venv/bin/python scripts/calibrate_guard.py [--no-bank] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from imaging_tutor.config import get_settings
from imaging_tutor.corpus.course import load_course
from imaging_tutor.corpus.questionbank import load_question_bank
from imaging_tutor.fitted import GUARD_FILE as GUARD_MODEL
from imaging_tutor.retrieval.fusion import retrieve
from imaging_tutor.services import Services
from imaging_tutor.text import expand_acronyms
from imaging_tutor.tutor.guard import MODEL_FEATURES, ask_of, guard_features, is_injection, is_medical_advice

MAX_FALSE_REFUSAL = 0.012  # in-sample: one calibration question in 89; held out ~0.02, under the 0.03 ceiling
C = 0.3
ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "evals/calibration/guard.jsonl"


def collect(services, with_bank: bool) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    settings, snap = services.settings, services.index()

    def find(text: str, chapter):
        return retrieve(text, snap, services.store, services.embedder, chapter=chapter, ranker=services.models.ranker)

    rows = [json.loads(line) for line in CALIBRATION.read_text().splitlines() if line.strip()]
    for r in rows:
        r["source"] = "calibration"
    if with_bank:
        course = load_course(settings.corpus_dir)
        rows += [{"question": q.question, "kind": "answerable", "source": "bank"}
                 for q in load_question_bank(settings.corpus_dir, course).questions]
    X, y, qs, sources = [], [], [], []
    for r in rows:
        if r["kind"] == "medical_advice" or is_injection(r["question"]) or is_medical_advice(r["question"]):
            continue
        q = expand_acronyms(r["question"], snap.acronyms)
        retrieval = find(q, r.get("chapter"))
        ask = ask_of(q)
        ask_retrieval = find(ask, r.get("chapter")) if ask != q else retrieval
        feats = guard_features(q, retrieval, ask, ask_retrieval)
        if r["source"] == "bank":  # the bank must not vouch for its own questions
            for prefix, ret in (("", retrieval), ("ask_", ask_retrieval)):
                sims = snap.question_vectors @ ret.query_vector
                sims[[t == r["question"] for t in snap.question_texts]] = -1.0
                feats[f"{prefix}bank_max"] = float(sims.max())
        X.append([feats[f] for f in MODEL_FEATURES])
        y.append(r["kind"] == "answerable")
        qs.append(r["question"])
        sources.append(r["source"])
    return np.array(X), np.array(y), qs, sources


def fit(X: np.ndarray, y: np.ndarray, calib: np.ndarray) -> tuple[LogisticRegression, np.ndarray, np.ndarray, float]:
    """Logistic model plus the highest threshold whose false-refusal rate on calibration questions stays in budget."""
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    bank_weight = (y & calib).sum() / max(1, (~calib).sum())  # the bank, in total, weighs as much as calibration
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(
        (X - mean) / scale, y, sample_weight=np.where(calib, 1.0, bank_weight))
    p = clf.predict_proba((X - mean) / scale)[:, 1]
    best = 0.05
    for t in np.linspace(0.05, 0.95, 181):
        if np.mean(p[y & calib] < t) <= MAX_FALSE_REFUSAL:
            best = float(t)
    return clf, mean, scale, best


def cross_validated(X, y, calib, folds: int = 5, repeats: int = 4) -> dict[str, float]:
    """Held-out false refusals (on calibration questions only) and out-of-scope refusals."""
    fr, oos = [], []
    for seed in range(repeats):
        order = np.random.default_rng(seed).permutation(len(y))
        for f in range(folds):
            test = np.zeros(len(y), bool)
            test[order[f::folds]] = True
            clf, mean, scale, t = fit(X[~test], y[~test], calib[~test])
            p = clf.predict_proba((X[test] - mean) / scale)[:, 1]
            yt, ct = y[test], calib[test]
            fr += list(p[yt & ct] < t)
            oos += list(p[~yt] < t)
    return {"false_refusal_calibration": float(np.mean(fr)), "oos_refusal": float(np.mean(oos))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-bank", action="store_true", help="learn from the calibration set alone")
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    X, y, qs, sources = collect(Services(get_settings()), not args.no_bank)
    calib = np.array([s == "calibration" for s in sources])
    cv = cross_validated(X, y, calib)
    clf, mean, scale, best = fit(X, y, calib)
    p = clf.predict_proba((X - mean) / scale)[:, 1]
    model = {"features": list(MODEL_FEATURES), "weights": clf.coef_[0].tolist(), "intercept": float(clf.intercept_[0]),
             "mean": mean.tolist(), "scale": scale.tolist(), "threshold": best,
             "fitted_on": ["evals/calibration/guard.jsonl"] + ([] if args.no_bank else ["corpus/<course>/questions.jsonl"]),
             "calibration": {"answerable": int((y & calib).sum()), "bank_answerable": int((y & ~calib).sum()),
                             "out_of_scope": int((~y).sum()),
                             "false_refusal": float(np.mean(p[y & calib] < best)),
                             "oos_refusal": float(np.mean(p[~y] < best)),
                             "cross_validated": {k: round(v, 4) for k, v in cv.items()}}}
    print(json.dumps(model["calibration"], indent=2), "threshold", round(best, 3))
    for q, pi, yi in zip(qs, p, y):
        if (pi >= best) != yi:
            print(f"  miss ({'answerable' if yi else 'out_of_scope'} p={pi:.2f}): {q}")
    if not args.dry_run:
        GUARD_MODEL.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
