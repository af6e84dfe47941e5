"""Fit the section ranker (src/imaging_tutor/ranker_model.json) on labelled questions that are not eval data.

Training questions: the course's question bank (corpus/<course>/questions.jsonl; each one's bank feature is
computed with itself left out) and the answerable rows of evals/calibration/guard.jsonl (not in the bank, so
they see the bank as a new learner question would). The eval sets in evals/sets/ are never read here.
Model: pairwise logistic regression (gold section vs each other shortlisted section), no intercept.
Usage: TUTOR_DATA_DIR=<an ingested data dir> .venv/bin/python scripts/fit_ranker.py [--features a,b,c]
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
from imaging_tutor.fitted import RANKER_FILE as RANKER_MODEL
from imaging_tutor.retrieval.fusion import retrieve
from imaging_tutor.retrieval.rerank import FEATURES, section_features
from imaging_tutor.services import Services
from imaging_tutor.text import expand_acronyms
from imaging_tutor.tutor.condense import condense

ROOT = Path(__file__).resolve().parents[1]
CALIBRATION = ROOT / "evals/calibration/guard.jsonl"


def training_rows(settings) -> list[dict]:
    course = load_course(settings.corpus_dir)
    rows = [{"question": q.question, "gold_refs": [q.ref], "bank": True} for q in load_question_bank(settings.corpus_dir, course).questions]
    for line in CALIBRATION.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["kind"] == "answerable":
            rows.append({**r, "bank": False})
    return rows


def featurize(rows: list[dict], services) -> list[tuple[list[str], np.ndarray, set[str]]]:
    embedder, snap = services.embedder, services.index()
    out = []
    for r in rows:
        query, _ = condense(r["question"], r.get("history", []))
        query = expand_acronyms(query, snap.acronyms)
        ret = retrieve(query, snap, services.store, embedder, chapter=r.get("chapter"))
        feats = section_features(ret, exclude=r["question"] if r["bank"] else None)
        out.append(([s.ref for s in ret.sections[:len(feats)]], np.array([[f[k] for k in FEATURES] for f in feats]),
                    set(r["gold_refs"])))
    return out


def fit(items, cols: list[int], c: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    scale = np.vstack([F[:, cols] for _, F, _ in items]).std(axis=0) + 1e-9
    X, y = [], []
    for refs, F, gold in items:
        golds = [i for i, r in enumerate(refs) if r in gold]
        if not golds:
            continue  # the gold section is not on the shortlist: nothing to learn about the order
        g = F[golds[0], cols] / scale
        for j, r in enumerate(refs):
            if r not in gold:
                d = g - F[j, cols] / scale
                X += [d, -d]
                y += [1, 0]
    clf = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(np.array(X), np.array(y))
    return clf.coef_[0], scale


def hit1(items, cols, w=None, scale=None) -> float:
    if w is None:
        return float(np.mean([refs[0] in gold for refs, _, gold in items]))
    return float(np.mean([refs[int(np.argmax(F[:, cols] / scale @ w))] in gold for refs, F, gold in items]))


def cross_validated(items, cols, folds: int = 10, repeats: int = 3) -> float:
    hits = []
    for seed in range(repeats):
        order = np.random.default_rng(seed).permutation(len(items))
        for f in range(folds):
            test = set(order[f::folds].tolist())
            w, scale = fit([items[i] for i in range(len(items)) if i not in test], cols)
            hits += [hit1([items[i]], cols, w, scale) for i in test]
    return float(np.mean(hits))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", help="comma-separated subset of FEATURES (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    services = Services(get_settings())
    names = args.features.split(",") if args.features else list(FEATURES)
    cols = [FEATURES.index(n) for n in names]
    rows = training_rows(services.settings)
    items = featurize(rows, services)
    fused, cv = hit1(items, cols), cross_validated(items, cols)
    w, scale = fit(items, cols)
    print(f"{len(items)} training questions; first hit: fused {fused:.3f}, ranker 10-fold CV {cv:.3f}, "
          f"ranker in-sample {hit1(items, cols, w, scale):.3f}")
    for n, wi in sorted(zip(names, w), key=lambda p: -abs(p[1])):
        print(f"  {n:15s} {wi:+.3f}")
    if args.dry_run:
        return
    model = {"features": names, "weights": w.tolist(), "mean": [0.0] * len(names), "scale": scale.tolist(),
             "fitted_on": ["corpus/<course>/questions.jsonl (leave-one-out)", "evals/calibration/guard.jsonl"],
             "training": {"questions": len(items), "fused_first_hit": round(fused, 4), "cv_first_hit": round(cv, 4)}}
    RANKER_MODEL.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RANKER_MODEL}")


if __name__ == "__main__":
    main()
