"""Hybrid retrieval: dense chunks (Chroma) + dense sentences + BM25, fused by reciprocal rank, ranked by section."""
from __future__ import annotations

import numpy as np

from ..index.embedding import Embedder
from ..index.snapshot import IndexSnapshot
from ..index.vectorstore import VectorStore
from ..text import tokens
from .rerank import SHORTLIST, rerank as reorder
from .results import RankedSection, Retrieval

# Fusion constants chosen on evals/calibration/guard.jsonl (not on the eval sets); the search that chose them was
# never committed as a script, so changing them means re-running the eval gate, not a tuner.
RRF_K = 5
DENSE_CHUNKS = 40
WEIGHTS = {"dense_chunk": 1.0, "dense_sentence": 2.0, "bm25": 1.0, "bm25_sentence": 2.0, "joint_sentence": 2.0}


def _rrf(rank: int) -> float:
    return 1.0 / (RRF_K + rank)


def retrieve(query: str, snapshot: IndexSnapshot, store: VectorStore, embedder: Embedder | None = None, *,
             chapter: int | None = None, k: int = 8, query_vector: np.ndarray | None = None,
             ranker: dict | None = None, context: dict[str, float] | None = None,
             alone_refs: list[str] | None = None, bare: bool = False) -> Retrieval:
    """Rank the course's sections for a query (optionally only one chapter's); `ranker` reorders the shortlist.

    context/alone_refs: for a follow-up turn, the sections the earlier answer cited and the turn's own ranking."""
    snap = snapshot
    qv = query_vector if query_vector is not None else embedder.embed([query])[0]
    where = {"kind": "chunk"} if chapter is None else {"$and": [{"kind": "chunk"}, {"chapter": chapter}]}
    dense_hits = store.query(snap.collection, qv, DENSE_CHUNKS, where=where)
    chunk_ref = {c.id: c.ref for c in snap.chunks}

    sections: dict[str, RankedSection] = {}

    def entry(ref: str) -> RankedSection:
        if ref not in sections:
            sections[ref] = RankedSection(ref, 0.0, 0.0, 0.0, 0.0)
        return sections[ref]

    def add_ranking(name: str, ranked_refs: list[tuple[str, float]], attr: str) -> None:
        seen: set[str] = set()
        for ref, score in ranked_refs:
            if ref in seen:
                continue
            seen.add(ref)
            e = entry(ref)
            e.parts[name] = len(seen)
            e.score += WEIGHTS[name] * _rrf(len(seen))
            if attr != "sentence":
                setattr(e, attr, max(getattr(e, attr), score))

    add_ranking("dense_chunk", [(chunk_ref[i], s) for i, s in dense_hits if i in chunk_ref], "dense")

    sent_scores = snap.sentence_vectors @ qv
    # A section with two relevant sentences beats one with a single lucky match: mean of its top two.
    top2: list[tuple[str, float]] = []
    for ref, idx in snap.sentences_by_ref.items():
        if chapter is not None and snap.sentences[idx[0]].chapter != chapter:
            continue
        best = np.sort(sent_scores[idx])[::-1]
        top2.append((ref, float(best[:2].mean())))
        entry(ref).sentence = float(best[0])
    add_ranking("dense_sentence", sorted(top2, key=lambda p: -p[1]), "sentence")

    q_tokens = tokens(query)
    if q_tokens:
        bm = snap.bm25.get_scores(q_tokens)
        b_order = np.argsort(-bm)
        add_ranking("bm25", [(snap.chunks[i].ref, float(bm[i])) for i in b_order
                             if bm[i] > 0 and (chapter is None or snap.chunks[i].chapter == chapter)], "bm25")
        sb = snap.sentence_bm25.get_scores(q_tokens)
        s_order = np.argsort(-sb)
        add_ranking("bm25_sentence", [(snap.sentences[i].ref, float(sb[i])) for i in s_order
                                      if sb[i] > 0 and (chapter is None or snap.sentences[i].chapter == chapter)], "bm25")
        # One sentence that is close in meaning AND shares the rare words is the strongest single piece of evidence.
        joint = sent_scores + sb / (sb.max() or 1.0)
        j_order = np.argsort(-joint)
        add_ranking("joint_sentence", [(snap.sentences[i].ref, float(joint[i])) for i in j_order
                                       if chapter is None or snap.sentences[i].chapter == chapter], "sentence")

    ranked = sorted(sections.values(), key=lambda e: (-e.score, e.ref))[:k]
    context = {r: w for r, w in (context or {}).items() if r in snap.sentences_by_ref
               and (chapter is None or snap.sentences[snap.sentences_by_ref[r][0]].chapter == chapter)}
    for ref in context:  # the earlier answer's sections are always candidates for a follow-up
        if ref not in [s.ref for s in ranked[:SHORTLIST]]:
            ranked = [s for s in ranked if s.ref != ref]
            ranked.insert(min(SHORTLIST - 1, len(ranked)), sections.get(ref) or RankedSection(ref, 0.0, 0.0, 0.0, 0.0))
    result = Retrieval(query, qv, ranked[:k], sent_scores, snap, context, list(alone_refs or []), bare)
    if ranker is not None:
        reorder(result, ranker)
    return result
