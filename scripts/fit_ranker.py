"""Fit the section ranker (retrieval/ranker_model.json) on labelled questions that are not eval data.

Training questions, on three courses (scripts/fitting.py): this course's question bank (each one's bank vote computed
with itself left out), the answerable rows of its fit splits (evals/calibration/guard.jsonl, workplace, search,
personal_medical) and the turns of its conversation fit split, replayed through the real tutor so a follow-up sees
the conversation state it sees at run time; and the answerable rows of the other two courses' fit splits (no bank).
The eval sets (evals/sets/, a course's eval.jsonl) are never read.
Model: pairwise logistic regression (gold section vs each other shortlisted section), no intercept. Printed:
first hit of the fused order and of the ranker, 10-fold cross-validated, overall, per course and per kind of input.
Usage: TUTOR_DATA_DIR=<a data dir> .venv/bin/python scripts/fit_ranker.py [--features a,b,c] [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import ROOT, TRAINING_COURSES, course_services, read_rows, relative, replay  # noqa: E402

from imaging_tutor.corpus.questionbank import load_question_bank  # noqa: E402
from imaging_tutor.evals.sets import evidence_refs, flat_sections  # noqa: E402
from imaging_tutor.fitted import RANKER_FILE, model_header  # noqa: E402
from imaging_tutor.retrieval.rerank import FEATURES, section_features  # noqa: E402
from imaging_tutor.tutor import pipeline  # noqa: E402

CAL = ROOT / "evals" / "calibration"
THIS_COURSE_FILES = [CAL / "guard.jsonl", CAL / "workplace.jsonl", CAL / "search.jsonl", CAL / "personal_medical.jsonl",
                     CAL / "conversations.jsonl"]


def gold_of(row: dict, course, flat) -> set[str]:
    gold = set(row.get("gold_refs") or [])
    for fragment in row.get("evidence") or []:
        gold |= set(evidence_refs(course, fragment, flat))
    return gold


def training_rows(course_id: str, services) -> list[dict]:
    course = services.course()
    flat = flat_sections(course)
    _, fit_file = TRAINING_COURSES[course_id]
    rows = []
    if fit_file is None:
        rows += [{"question": q.question, "gold": {q.ref}, "bank": True, "kind": "bank"}
                 for q in load_question_bank(services.settings.corpus_dir, course).questions]
        files = THIS_COURSE_FILES
    else:
        files = [fit_file]
    for path in files:
        for r in read_rows(path):
            if r.get("kind") == "answerable":
                rows.append({**r, "gold": gold_of(r, course, flat), "bank": False,
                             "kind": r.get("category") or "single"})
    return rows


def featurize(rows: list[dict], services) -> list[tuple[list[str], np.ndarray, set[str], str]]:
    """Per question: the shortlist (fused order), its feature matrix, the gold sections, the kind of input."""
    snap = services.index()
    out = []
    for r in rows:
        past = replay(services, r.get("history") or [])
        reading = pipeline.read_turn(services, pipeline.clean_question(r["question"], services.settings), past, snap,
                                     r.get("chapter"), ranker_model=None)
        ret = reading.retrieval
        feats = section_features(ret, exclude=r["question"] if r["bank"] else None)
        out.append(([s.ref for s in ret.sections[:len(feats)]], np.array([[f[k] for k in FEATURES] for f in feats]),
                    r["gold"], r["kind"]))
    return out


def fit(items, cols: list[int], c: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    scale = np.vstack([F[:, cols] for _, F, _, _ in items]).std(axis=0) + 1e-9
    X, y = [], []
    for refs, F, gold, _ in items:
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


def first_hit(item, cols, w=None, scale=None) -> bool:
    refs, F, gold, _ = item
    if w is None:
        return refs[0] in gold
    return refs[int(np.argmax(F[:, cols] / scale @ w))] in gold


def cross_validated(items, cols, folds: int = 10, repeats: int = 3) -> list[list[bool]]:
    """Per item, its held-out first hit in each repeat."""
    hits: list[list[bool]] = [[] for _ in items]
    for seed in range(repeats):
        order = np.random.default_rng(seed).permutation(len(items))
        for f in range(folds):
            test = set(order[f::folds].tolist())
            w, scale = fit([items[i] for i in range(len(items)) if i not in test], cols)
            for i in test:
                hits[i].append(first_hit(items[i], cols, w, scale))
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", help="comma-separated subset of FEATURES (default: all)")
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    names = args.features.split(",") if args.features else list(FEATURES)
    cols = [FEATURES.index(n) for n in names]
    all_services = course_services()
    items, course_of = [], []
    for course_id, services in all_services.items():
        got = featurize(training_rows(course_id, services), services)
        items += got
        course_of += [course_id] * len(got)
        print(f"{course_id}: {len(got)} questions", file=sys.stderr)
    cv = cross_validated(items, cols)
    groups: dict[str, list[int]] = defaultdict(list)
    for i, (item, course_id) in enumerate(zip(items, course_of)):
        groups["all"].append(i)
        groups[f"course {course_id}"].append(i)
        groups[f"kind {item[3]}"].append(i)
    print(f"{'first hit':32s} {'fused':>7s} {'ranker CV':>9s}  n")
    for name, idx in groups.items():
        fused = np.mean([first_hit(items[i], cols) for i in idx])
        ranked = np.mean([np.mean(cv[i]) for i in idx])
        print(f"{name:32s} {fused:7.3f} {ranked:9.3f}  {len(idx)}")
    w, scale = fit(items, cols)
    for n, wi in sorted(zip(names, w), key=lambda p: -abs(p[1])):
        print(f"  {n:15s} {wi:+.3f}")
    if args.dry_run:
        return
    files = [relative(p) for p in THIS_COURSE_FILES] + [relative(f) for _, f in TRAINING_COURSES.values() if f]
    model = {**model_header("scripts/fit_ranker.py", files, [s.course() for s in all_services.values()],
                            after=["followup"]),
             "features": names, "weights": w.round(6).tolist(), "mean": [0.0] * len(names),
             "scale": scale.round(6).tolist(),
             "training": {"questions": len(items),
                          "fused_first_hit": round(float(np.mean([first_hit(it, cols) for it in items])), 4),
                          "cv_first_hit": round(float(np.mean([np.mean(h) for h in cv])), 4)}}
    RANKER_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {RANKER_FILE}")


if __name__ == "__main__":
    main()
