"""Fit the out-of-scope classifier on evals/calibration/guard.jsonl and write src/imaging_tutor/guard_model.json.

The calibration set is separate from the eval sets, so the eval numbers measure the guard rather than echo it.
Usage: TUTOR_DATA_DIR=<an ingested data dir> .venv/bin/python scripts/calibrate_guard.py
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from imaging_tutor.config import get_settings
from imaging_tutor.guard import FEATURES, GUARD_MODEL, is_injection, is_medical_advice, scope_features
from imaging_tutor.retrieval import retrieve

MAX_FALSE_REFUSAL = 0.02  # leave room below the 0.03 ceiling the product promises
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    settings = get_settings()
    rows = [json.loads(line) for line in (ROOT / "evals/calibration/guard.jsonl").read_text().splitlines() if line.strip()]
    X, y, qs = [], [], []
    for r in rows:
        if r["kind"] == "medical_advice" or is_injection(r["question"]) or is_medical_advice(r["question"]):
            continue
        q = r["question"]
        feats = scope_features(q, retrieve(q, settings, chapter=r.get("chapter")))
        X.append([feats[f] for f in FEATURES])
        y.append(r["kind"] == "answerable")
        qs.append(q)
    X, y = np.array(X), np.array(y)
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    clf = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    p = clf.predict_proba((X - mean) / scale)[:, 1]
    # Highest threshold whose false-refusal rate on answerable questions stays within the budget.
    best = 0.0
    for t in np.linspace(0.05, 0.95, 181):
        if np.mean(p[y] < t) <= MAX_FALSE_REFUSAL:
            best = float(t)
    refusal = float(np.mean(p[~y] < best))
    model = {"features": list(FEATURES), "weights": clf.coef_[0].tolist(), "intercept": float(clf.intercept_[0]),
             "mean": mean.tolist(), "scale": scale.tolist(), "threshold": best,
             "fitted_on": "evals/calibration/guard.jsonl",
             "calibration": {"answerable": int(y.sum()), "out_of_scope": int((~y).sum()),
                             "false_refusal": float(np.mean(p[y] < best)), "oos_refusal": refusal}}
    GUARD_MODEL.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(model["calibration"], indent=2), "threshold", round(best, 3))
    for q, pi, yi in zip(qs, p, y):
        if (pi >= best) != yi:
            print(f"  miss ({'answerable' if yi else 'out_of_scope'} p={pi:.2f}): {q}")


if __name__ == "__main__":
    main()
