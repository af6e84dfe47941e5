"""Content gaps: refused and thumbs-down questions grouped by meaning, so staff see what the course does not cover.

Grouping is average-linkage agglomerative clustering on the course's own embedding model (cosine similarity of
unit vectors): two groups merge while the mean similarity between their questions is at least `threshold`.
Measured with all-MiniLM-L6-v2 on 13 hand-written off-course questions (tests/insight/test_gaps.py keeps a subset):
paraphrases of one question score 0.83–0.96 ("what is the capital of France" / "which city is the capital of
France"), two questions on one topic 0.52–0.68 ("how does quantum computing work" / "what is a qubit" 0.57; "capital
of France" / "capital of Spain" 0.61), unrelated topics under 0.25. 0.55 groups questions by topic (what staff act
on: one missing topic, however it is asked) and keeps topics apart; at 0.6 topic pairs split into singletons, at
0.5 nothing more merged. Bread proofing and sourdough recipes (0.42–0.44) stay apart: the threshold cannot join
two facets of one broad theme.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

DEFAULT_THRESHOLD = 0.55
MAX_QUESTIONS = 2000  # the newest ones; clustering is O(n²) in memory and time


@dataclass(frozen=True)
class GapQuestion:
    text: str
    kind: str  # "refused" (the course does not cover it) or "thumbs_down" (answered, rated not helpful)
    learner: str  # a pseudonym
    when: str  # ISO date-time
    near_ref: str | None = None  # the nearest section the tutor suggested or cited


@dataclass
class GapCluster:
    label: str  # the question most like the others (the medoid)
    questions: list[GapQuestion] = field(default_factory=list)

    def public(self, examples: int = 5) -> dict:
        refs: dict[str, int] = {}
        for q in self.questions:
            if q.near_ref:
                refs[q.near_ref] = refs.get(q.near_ref, 0) + 1
        distinct = list(dict.fromkeys(q.text for q in self.questions))
        return {"label": self.label, "count": len(self.questions),
                "refused": sum(q.kind == "refused" for q in self.questions),
                "thumbs_down": sum(q.kind == "thumbs_down" for q in self.questions),
                "learners": len({q.learner for q in self.questions}),
                "examples": distinct[:examples],
                "near_refs": [r for r, _ in sorted(refs.items(), key=lambda kv: -kv[1])][:3],
                "last_asked": max(q.when for q in self.questions)}


def cluster_labels(vectors: np.ndarray, threshold: float = DEFAULT_THRESHOLD) -> list[int]:
    """Average-linkage clusters of unit vectors: a cluster id per row (0 = the largest cluster)."""
    n = len(vectors)
    if n == 0:
        return []
    if n == 1:
        return [0]
    from scipy.cluster.hierarchy import fcluster, linkage

    # Cosine distance = 1 - similarity: merging while the mean distance is at most 1 - threshold is merging while
    # the mean similarity is at least threshold.
    tree = linkage(np.asarray(vectors, dtype=np.float64), method="average", metric="cosine")
    raw = fcluster(tree, t=1.0 - threshold, criterion="distance")
    groups: dict[int, list[int]] = {}
    for row, cid in enumerate(raw):
        groups.setdefault(int(cid), []).append(row)
    ordered = sorted(groups.values(), key=lambda m: (-len(m), min(m)))
    labels = [0] * n
    for cid, rows in enumerate(ordered):
        for r in rows:
            labels[r] = cid
    return labels


def group_gaps(questions: Sequence[GapQuestion], vectors: np.ndarray,
               threshold: float = DEFAULT_THRESHOLD) -> list[GapCluster]:
    """Questions grouped by meaning, biggest group first; each group labelled by its most central question."""
    if not questions:
        return []
    vectors = np.asarray(vectors, dtype=np.float64)
    labels = cluster_labels(vectors, threshold)
    groups: dict[int, list[int]] = {}
    for row, cid in enumerate(labels):
        groups.setdefault(cid, []).append(row)
    out = []
    for cid in sorted(groups):
        rows = groups[cid]
        sub = vectors[rows]
        centre = int(np.argmax((sub @ sub.T).sum(axis=1)))
        out.append(GapCluster(label=questions[rows[centre]].text, questions=[questions[r] for r in rows]))
    return out
