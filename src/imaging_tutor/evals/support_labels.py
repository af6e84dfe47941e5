"""How well the runtime support measure agrees with hand labels, and the fit of its learned decision.

Kept apart from the measure itself (imaging_tutor.tutor.support): this is maintainers' tooling, not the runtime.
`fit_decision` fits on evals/verifier/fit.jsonl; evals/verifier/eval.jsonl is only ever scored
(imaging_tutor.evals.verifier_labels). Refit after changing the measure's checks or signals:

    python -c "from imaging_tutor.evals.support_labels import refit; refit()"
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..tutor.support import SupportMeasure

@dataclass(frozen=True)
class LabelReport:
    """Agreement of the measure with hand labels."""

    n: int
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    errors: list[dict]

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        positive = self.true_positive + self.false_negative
        return self.true_positive / positive if positive else 1.0

    def as_dict(self) -> dict:
        return {"n": self.n, "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "tp": self.true_positive, "fp": self.false_positive, "fn": self.false_negative,
                "tn": self.true_negative, "errors": self.errors}


def read_labels(path: str | Path) -> list[dict]:
    """Labelled (sentence, ref, supported) pairs, one JSON object a line."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_labels(measure: SupportMeasure, labels: list[dict]) -> LabelReport:
    """Precision/recall of `supported` against hand labels (positive class: supported)."""
    tp = fp = fn = tn = 0
    errors = []
    measure.prepare((r["sentence"], [r["ref"]]) for r in labels)
    for row in labels:
        got = measure.score(row["sentence"], row["ref"])
        want = bool(row["supported"])
        if got.supported and want:
            tp += 1
        elif got.supported:
            fp += 1
        elif want:
            fn += 1
        else:
            tn += 1
        if got.supported != want:
            errors.append({**row, **{k: v for k, v in got.as_dict().items() if k != "supported"}})
    return LabelReport(len(labels), tp, fp, fn, tn, errors)


def _f_half(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


# ---- the learned decision of the runtime measure ---------------------------------------------------------------

def _logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not penalised)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    reg = np.eye(xb.shape[1]) * l2
    reg[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        grad = xb.T @ (p - y) + reg @ w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + reg
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def _fold(row_id: str, folds: int) -> int:
    import hashlib

    return int(hashlib.sha256(row_id.encode()).hexdigest(), 16) % folds


def fit_decision(measure: SupportMeasure, labels: list[dict], folds: int = 5, l2: float = 0.1) -> dict:
    """Fit the decision over the signals of claims no check settles, with a cross-validated threshold.

    The threshold maximises F0.5 over the whole label set (settled claims count with their verdict) on
    out-of-fold probabilities; ties go to the stricter threshold. Returns weights, bias, threshold and the
    cross-validated and in-sample confusion counts."""
    from ..tutor.support import DECISION_WEIGHTS, probability

    names = list(DECISION_WEIGHTS)
    measure.prepare((r["sentence"], [r["ref"]]) for r in labels)
    feats = [measure.features(r["sentence"], r["ref"]) for r in labels]
    want = np.array([bool(r["supported"]) for r in labels])
    open_ = np.array([not f.reason for f in feats])
    settled_as = np.array([f.supported for f in feats])
    x = np.array([[f.signals.get(n, 0.0) for n in names] if not f.reason else [0.0] * len(names) for f in feats])
    ids = [str(r.get("id") or r["sentence"]) for r in labels]
    fold_of = np.array([_fold(i, folds) for i in ids])
    oof = np.zeros(len(labels))
    for k in range(folds):
        train = open_ & (fold_of != k)
        w, b = _logistic_fit(x[train], want[train].astype(float), l2)
        test = open_ & (fold_of == k)
        oof[test] = 1.0 / (1.0 + np.exp(-(x[test] @ w + b)))
    w, b = _logistic_fit(x[open_], want[open_].astype(float), l2)
    weights = {n: round(float(v), 4) for n, v in zip(names, w)}
    bias = round(b, 4)
    full = np.array([probability(dict(zip(names, row)), weights, bias) for row in x])

    def counts(prob: np.ndarray, threshold: float) -> tuple[int, int, int]:
        got = np.where(open_, prob >= threshold, settled_as)
        return int((got & want).sum()), int((got & ~want).sum()), int((~got & want).sum())

    grid = [round(t, 2) for t in np.arange(0.30, 0.96, 0.01)]
    threshold = max(grid, key=lambda t: (round(_f_half(*counts(oof, t)), 12), t))

    def pr(tp: int, fp: int, fn: int) -> dict:
        return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
                "tp": tp, "fp": fp, "fn": fn}

    curve = {t: pr(*counts(oof, t)) for t in grid[::5]}
    return {"weights": weights, "bias": bias, "threshold": threshold, "curve": curve,
            "cross_validated": pr(*counts(oof, threshold)), "in_sample": pr(*counts(full, threshold)),
            "open": int(open_.sum()), "n": len(labels)}


def refit(labels: str = "evals/verifier/fit.jsonl") -> dict:
    """Fit the decision with the configured course and model and print the constants to paste into support.py."""
    from ..config import get_settings
    from ..corpus.course import load_course
    from ..services import Services

    services = Services(get_settings())
    measure = SupportMeasure(load_course(services.settings.corpus_dir), services.embedder)
    result = fit_decision(measure, read_labels(labels))
    print(json.dumps({k: v for k, v in result.items()}, indent=1))
    return result
