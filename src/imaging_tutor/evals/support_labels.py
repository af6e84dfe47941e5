"""How well the runtime support measure agrees with hand labels, and the grid search that chose its thresholds.

Kept apart from the measure itself (imaging_tutor.tutor.support): this is maintainers' tooling, not the runtime.
"""
from __future__ import annotations

import itertools
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


GRID = {
    "lexical_min": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8),
    "cosine_min": (0.55, 0.6, 0.65, 0.7, 0.75),
    "cosine_strong": (0.7, 0.75, 0.8, 0.85, 0.9, 1.01),
    "lexical_floor": (0.3, 0.4, 0.5),
}


def _f_half(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def calibrate(measure: SupportMeasure, labels: list[dict]) -> dict:
    """Grid-search the similarity thresholds for F0.5 on the labels, with a leave-one-out estimate.

    Ties go to the stricter setting (higher thresholds). Returns the chosen thresholds, their in-sample
    confusion counts and the leave-one-out counts (thresholds re-chosen without each held-out label).
    """
    measure.prepare((r["sentence"], [r["ref"]]) for r in labels)
    feats = [measure.features(r["sentence"], r["ref"]) for r in labels]
    want = np.array([bool(r["supported"]) for r in labels])
    settled = np.array([bool(f.reason) for f in feats])
    settled_as = np.array([f.supported for f in feats])
    lex = np.array([f.lexical for f in feats])
    cos = np.array([f.cosine for f in feats])
    grid = np.array(list(itertools.product(*GRID.values())))  # (g, 4): lexical_min, cosine_min, cosine_strong, floor
    by_rule = ((lex >= grid[:, [0]]) & (cos >= grid[:, [1]])) | ((cos >= grid[:, [2]]) & (lex >= grid[:, [3]]))
    got = np.where(settled, settled_as, by_rule)  # (g, n) verdicts
    tp_i, fp_i, fn_i = got & want, got & ~want, ~got & want
    tp, fp, fn = tp_i.sum(1), fp_i.sum(1), fn_i.sum(1)

    def pick(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> int:
        scores = [_f_half(int(a), int(b), int(c)) for a, b, c in zip(tp, fp, fn)]
        return max(range(len(grid)), key=lambda g: (round(scores[g], 12), tuple(grid[g])))

    chosen = pick(tp, fp, fn)
    loo = [0, 0, 0]
    for i in range(len(labels)):
        g = pick(tp - tp_i[:, i], fp - fp_i[:, i], fn - fn_i[:, i])
        loo[0] += bool(tp_i[g, i])
        loo[1] += bool(fp_i[g, i])
        loo[2] += bool(fn_i[g, i])

    def pr(tp: int, fp: int, fn: int) -> dict:
        return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
                "tp": tp, "fp": fp, "fn": fn}

    return {"thresholds": {k: float(v) for k, v in zip(GRID, grid[chosen])},
            "in_sample": pr(int(tp[chosen]), int(fp[chosen]), int(fn[chosen])), "leave_one_out": pr(*loo)}
