"""What a retrieval found: ranked sections with their evidence, shared by fusion (which builds it) and the ranker."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..index.snapshot import IndexSnapshot


@dataclass
class RankedSection:
    ref: str
    score: float
    dense: float  # best cosine of a chunk of this section
    sentence: float  # best cosine of one of its sentences
    bm25: float
    parts: dict[str, int] = field(default_factory=dict)  # retriever -> rank


@dataclass
class Retrieval:
    """What one query found: sections best first, plus the query vector and the per-sentence similarities."""

    query: str
    query_vector: np.ndarray
    sections: list[RankedSection]
    sentence_scores: np.ndarray
    snapshot: IndexSnapshot
    # A follow-up turn: sections the conversation's earlier answer cited (ref -> weight), and the ranking the turn
    # got on its own; the ranker weighs both against the question's evidence.
    context: dict[str, float] = field(default_factory=dict)
    alone_refs: list[str] = field(default_factory=list)
    bare: bool = False  # the turn brings no distinctive word of its own ("why?", "example?"): context weighs more

    @property
    def refs(self) -> list[str]:
        return [s.ref for s in self.sections]
