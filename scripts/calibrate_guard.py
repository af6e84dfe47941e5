"""Fit the out-of-scope classifier and write tutor/guard_model.json.

Training questions, on three courses (scripts/fitting.py), never from evals/sets/ or a course's eval.jsonl:
- this course: evals/calibration/guard.jsonl (answerable and out of scope), the fit splits of near misses,
  workplace, search and personal-medical look-alikes, the conversation fit split's turns (replayed, so a follow-up
  is judged as at run time) and the question bank as further answerable examples (its bank feature computed with the
  question itself left out);
- the kitchen-food-safety and reading-weather-forecasts fit splits (answerable, near misses, off topic; no bank).
Personal medical requests are left out (tutor/medical.py decides them first).
Weights: the bank counts, in total, as much as this course's other answerable questions. The refusal threshold is
the highest whose false-refusal rate stays within the product's budget for every kind of answerable input
(FALSE_REFUSAL_BUDGET: the issue's "answered" targets, 0.02 on clean single questions). Printed:
cross-validated false refusals and out-of-scope refusals, overall, per course and per kind of input, and leave-one-
course-out (fit on two courses, test on the third).
Usage: TUTOR_DATA_DIR=<a data dir> .venv/bin/python scripts/calibrate_guard.py [--dry-run]
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
from imaging_tutor.fitted import GUARD_FILE, model_header  # noqa: E402
from imaging_tutor.tutor import pipeline  # noqa: E402
from imaging_tutor.tutor.guard import MODEL_FEATURES, ask_of, guard_features, is_injection  # noqa: E402

CAL = ROOT / "evals" / "calibration"
THIS_COURSE_FILES = [CAL / "guard.jsonl", CAL / "near_miss.jsonl", CAL / "workplace.jsonl", CAL / "search.jsonl",
                     CAL / "personal_medical.jsonl", CAL / "conversations.jsonl"]
# How many answerable questions of each kind may be refused: the product targets (false refusals <= 0.02 on clean
# single questions; follow-ups and workplace questions answered >= 0.95; search-box queries answered >= 0.90).
# A pooled budget of 0.02 let the hardest kinds set the threshold for all and refused too few near misses.
FALSE_REFUSAL_BUDGET = {"single": 0.02, "follow_up": 0.05, "workplace": 0.05, "search": 0.10,
                        "personal_medical": 0.05}
DEFAULT_BUDGET = 0.02
C = 0.3


def rows_for(course_id: str, services) -> list[dict]:
    _, fit_file = TRAINING_COURSES[course_id]
    files = THIS_COURSE_FILES if fit_file is None else [fit_file]
    rows = []
    for path in files:
        for r in read_rows(path):
            if r.get("kind") in ("answerable", "out_of_scope"):
                rows.append({**r, "source": "calibration", "category": r.get("category") or "single"})
    if fit_file is None:
        course = services.course()
        rows += [{"question": q.question, "kind": "answerable", "source": "bank", "category": "bank"}
                 for q in load_question_bank(services.settings.corpus_dir, course).questions]
    return rows


def featurize(rows: list[dict], services) -> list[dict]:
    snap = services.index()
    out = []
    for r in rows:
        if is_injection(r["question"]):
            continue
        past = replay(services, r.get("history") or [])
        reading = pipeline.read_turn(services, pipeline.clean_question(r["question"], services.settings), past, snap,
                                     r.get("chapter"))
        if reading.act != "question":
            continue  # small talk and clarify requests never reach the scope guard
        ask = ask_of(reading.query)
        ask_retrieval = reading.find(ask) if ask != reading.query else reading.retrieval
        feats = guard_features(reading.query, reading.retrieval, ask, ask_retrieval)
        if r["source"] == "bank":  # the bank must not vouch for its own questions
            for prefix, ret in (("", reading.retrieval), ("ask_", ask_retrieval)):
                sims = snap.question_vectors @ ret.query_vector
                sims[[t == r["question"] for t in snap.question_texts]] = -1.0
                feats[f"{prefix}bank_max"] = float(sims.max())
        out.append({"x": [feats[f] for f in MODEL_FEATURES], "y": r["kind"] == "answerable", "source": r["source"],
                    "category": r["category"], "question": r["question"]})
    return out


def fit(X, y, weight, answerable_mask, categories):
    """Logistic model plus the highest threshold whose false refusals on `answerable_mask` stay within every
    kind's budget."""
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-9
    clf = LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y,
                                                                             sample_weight=weight)
    p = clf.predict_proba((X - mean) / scale)[:, 1]
    kinds = {c: answerable_mask & (categories == c) for c in set(categories[answerable_mask].tolist())}
    best = 0.05
    for t in np.linspace(0.05, 0.95, 181):
        if all(np.mean(p[m] < t) <= FALSE_REFUSAL_BUDGET.get(c, DEFAULT_BUDGET) for c, m in kinds.items() if m.any()):
            best = float(t)
    return clf, mean, scale, best


def weights_of(items) -> np.ndarray:
    bank = np.array([i["source"] == "bank" for i in items])
    y = np.array([i["y"] for i in items])
    per_bank = (y & ~bank).sum() / max(1, bank.sum())  # the bank, in total, weighs as much as the rest answerable
    return np.where(bank, per_bank, 1.0)


def evaluate(train, test) -> np.ndarray:
    X, y = np.array([i["x"] for i in train]), np.array([i["y"] for i in train])
    mask = y & np.array([i["source"] != "bank" for i in train])
    clf, mean, scale, t = fit(X, y, weights_of(train), mask, np.array([i["category"] for i in train]))
    p = clf.predict_proba((np.array([i["x"] for i in test]) - mean) / scale)[:, 1]
    return p >= t


def report(items, predicted, title: str) -> None:
    groups: dict[str, list[int]] = defaultdict(list)
    for k, it in enumerate(items):
        if it["source"] == "bank":
            groups["bank"].append(k)
            continue
        groups["all (non-bank)"].append(k)
        groups[f"course {it['course']}"].append(k)
        groups[f"kind {it['category']}"].append(k)
    print(title)
    for name, idx in groups.items():
        ans = [k for k in idx if items[k]["y"]]
        oos = [k for k in idx if not items[k]["y"]]
        fr = np.mean([not predicted[k] for k in ans]) if ans else float("nan")
        rr = np.mean([not predicted[k] for k in oos]) if oos else float("nan")
        print(f"  {name:34s} false refusals {fr:.3f} (n={len(ans):4d})   out-of-scope refused {rr:.3f} (n={len(oos)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    parser.add_argument("--no-history", action="store_true",
                        help="leave out conversation turns (bootstrapping: replaying them needs a guard model)")
    args = parser.parse_args()
    all_services = course_services()
    items = []
    for course_id, services in all_services.items():
        rows = [r for r in rows_for(course_id, services) if not (args.no_history and r.get("history"))]
        got = featurize(rows, services)
        for it in got:
            it["course"] = course_id
        items += got
        print(f"{course_id}: {len(got)} questions", file=sys.stderr)
    # Cross-validated, 5 folds.
    predicted = np.zeros(len(items), bool)
    order = np.random.default_rng(0).permutation(len(items))
    for f in range(5):
        test = order[f::5]
        train = [items[i] for i in range(len(items)) if i not in set(test.tolist())]
        predicted[test] = evaluate(train, [items[i] for i in test])
    report(items, predicted, "cross-validated (5 folds):")
    # Leave one course out.
    for course_id in all_services:
        test = [i for i in range(len(items)) if items[i]["course"] == course_id]
        train = [items[i] for i in range(len(items)) if items[i]["course"] != course_id]
        p = evaluate(train, [items[i] for i in test])
        sub = [items[i] for i in test if items[i]["source"] != "bank"]
        sub_p = [pi for i, pi in zip(test, p) if items[i]["source"] != "bank"]
        ans = [not pi for it, pi in zip(sub, sub_p) if it["y"]]
        oos = [not pi for it, pi in zip(sub, sub_p) if not it["y"]]
        print(f"left out {course_id:28s} false refusals {np.mean(ans):.3f} (n={len(ans)})   out-of-scope refused "
              f"{np.mean(oos):.3f} (n={len(oos)})")
    X, y = np.array([i["x"] for i in items]), np.array([i["y"] for i in items])
    mask = y & np.array([i["source"] != "bank" for i in items])
    clf, mean, scale, threshold = fit(X, y, weights_of(items), mask, np.array([i["category"] for i in items]))
    for name, w in sorted(zip(MODEL_FEATURES, clf.coef_[0]), key=lambda p: -abs(p[1]))[:12]:
        print(f"  {name:20s} {w:+.3f}")
    files = [relative(p) for p in THIS_COURSE_FILES] + [relative(f) for _, f in TRAINING_COURSES.values() if f]
    model = {**model_header("scripts/calibrate_guard.py", files, [s.course() for s in all_services.values()],
                            after=["followup", "ranker", "acts", "medical"]),
             "features": list(MODEL_FEATURES), "weights": clf.coef_[0].round(6).tolist(),
             "intercept": round(float(clf.intercept_[0]), 6), "mean": mean.round(6).tolist(),
             "scale": scale.round(6).tolist(), "threshold": round(threshold, 4),
             "calibration": {"questions": len(items), "answerable": int(y.sum()), "out_of_scope": int((~y).sum())}}
    print("threshold", round(threshold, 3))
    if not args.dry_run:
        GUARD_FILE.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {GUARD_FILE}")


if __name__ == "__main__":
    main()
