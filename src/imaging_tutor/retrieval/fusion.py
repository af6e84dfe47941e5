"""Hybrid retrieval: dense chunks + dense sentences + BM25, fused by reciprocal rank, ranked by section."""
from __future__ import annotations

import numpy as np

from ..index.embedding import Embedder
from ..index.snapshot import IndexSnapshot
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


def _layout(snap: IndexSnapshot) -> dict:
    """Per snapshot, built once: the section of every chunk and sentence as a code, each section's chapter, and each
    section's sentences as a row of a padded index matrix (-1 pads), so per-section maxima are array operations."""
    if "fusion_layout" not in snap.derived:
        refs = list(snap.sentences_by_ref)
        refs += sorted({c.ref for c in snap.chunks} - set(refs))
        code = {r: i for i, r in enumerate(refs)}
        rows = list(snap.sentences_by_ref.values())
        width = max((len(r) for r in rows), default=1)
        matrix = np.full((len(rows), width), -1, dtype=np.int64)
        for i, idx in enumerate(rows):
            matrix[i, :len(idx)] = idx
        snap.derived["fusion_layout"] = {
            "refs": refs, "matrix": matrix, "lengths": np.array([len(r) for r in rows]),
            "section_chapter": np.array([snap.sentences[idx[0]].chapter for idx in rows]),
            "chunk_code": np.array([code[c.ref] for c in snap.chunks], dtype=np.int64),
            "chunk_chapter": np.array([c.chapter for c in snap.chunks]),
            "sentence_code": np.array([code[x.ref] for x in snap.sentences], dtype=np.int64),
            "sentence_chapter": np.array([x.chapter for x in snap.sentences]),
        }
    return snap.derived["fusion_layout"]


def _first_per_section(scores: np.ndarray, codes: np.ndarray, refs: list[str], keep: np.ndarray | None) -> list[
        tuple[str, float]]:
    """Each section once, with the score and at the place of its first item in descending score order (the order
    np.argsort gives), among the items `keep` allows: all that a reciprocal-rank ranking reads."""
    order = np.argsort(-scores)
    if keep is not None:
        order = order[keep[order]]
    sections = codes[order]
    _, first = np.unique(sections, return_index=True)
    first.sort()
    return [(refs[sections[i]], float(scores[order[i]])) for i in first]


def _dense_chunks(snap: IndexSnapshot, layout: dict, qv: np.ndarray, chapter: int | None) -> list[tuple[str, float]]:
    """The DENSE_CHUNKS chunks nearest the query by cosine (vectors are unit length), as (section, score), from the
    snapshot's copy of the collection's vectors: a few hundred rows, exact, with no round trip to the vector store."""
    scores = snap.chunk_vectors @ qv
    order = np.argsort(-scores, kind="stable")
    if chapter is not None:
        order = order[layout["chunk_chapter"][order] == chapter]
    refs = [snap.chunks[i].ref for i in order[:DENSE_CHUNKS]]
    return list(zip(refs, scores[order[:DENSE_CHUNKS]].tolist()))


def retrieve(query: str, snapshot: IndexSnapshot, embedder: Embedder | None = None, *,
             chapter: int | None = None, k: int = 8, query_vector: np.ndarray | None = None,
             ranker: dict | None = None, context: dict[str, float] | None = None,
             alone_refs: list[str] | None = None, bare: bool = False) -> Retrieval:
    """Rank the course's sections for a query (optionally only one chapter's); `ranker` reorders the shortlist.

    context/alone_refs: for a follow-up turn, the sections the earlier answer cited and the turn's own ranking."""
    snap = snapshot
    qv = query_vector if query_vector is not None else embedder.embed([query])[0]
    layout = _layout(snap)
    refs = layout["refs"]

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

    add_ranking("dense_chunk", _dense_chunks(snap, layout, qv, chapter), "dense")

    sent_scores = snap.sentence_vectors @ qv
    # A section with two relevant sentences beats one with a single lucky match: mean of its top two.
    matrix = layout["matrix"]
    ranked_scores = np.sort(np.where(matrix >= 0, sent_scores[matrix], sent_scores.dtype.type(-np.inf)), axis=1)
    best, second = ranked_scores[:, -1], ranked_scores[:, -2] if matrix.shape[1] > 1 else ranked_scores[:, -1]
    mean2 = np.where(layout["lengths"] > 1, (best + second) / sent_scores.dtype.type(2), best)
    top2: list[tuple[str, float]] = []
    for i, ref in enumerate(snap.sentences_by_ref):
        if chapter is not None and layout["section_chapter"][i] != chapter:
            continue
        top2.append((ref, float(mean2[i])))
        entry(ref).sentence = float(best[i])
    add_ranking("dense_sentence", sorted(top2, key=lambda p: -p[1]), "sentence")

    q_tokens = tokens(query)
    if q_tokens:
        in_chunks = True if chapter is None else layout["chunk_chapter"] == chapter
        in_sentences = None if chapter is None else layout["sentence_chapter"] == chapter
        bm = snap.bm25.get_scores(q_tokens)
        add_ranking("bm25", _first_per_section(bm, layout["chunk_code"], refs, (bm > 0) & in_chunks), "bm25")
        sb = snap.sentence_bm25.get_scores(q_tokens)
        add_ranking("bm25_sentence", _first_per_section(sb, layout["sentence_code"], refs,
                                                        (sb > 0) & (True if in_sentences is None else in_sentences)),
                    "bm25")
        # One sentence that is close in meaning AND shares the rare words is the strongest single piece of evidence.
        joint = sent_scores + sb / (sb.max() or 1.0)
        add_ranking("joint_sentence", _first_per_section(joint, layout["sentence_code"], refs, in_sentences),
                    "sentence")

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
