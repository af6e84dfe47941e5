"""Second-stage ranking: a small linear model over per-section evidence reorders the fused shortlist.

Fusion by reciprocal rank only sees ranks, so a section that is a close second on every retriever can never
overtake one that is first on a single retriever. The ranker sees the scores themselves plus signals the
retrievers lack: the section title's meaning, how much of the question's rare vocabulary the section uses, and
how the course's labelled learner questions (questions.jsonl) that resemble this one were answered. Its weights
are fitted by scripts/fit_ranker.py on the question bank and evals/calibration/, never on evals/sets/.
"""
from __future__ import annotations

import math
import numpy as np

from ..text import tokens
from .results import RankedSection, Retrieval

SHORTLIST = 6  # only the fused top few are reordered: hit@3 is ~1.0, the gap is the order inside it
BANK_NEIGHBOURS = 10  # labelled questions consulted per query
BANK_TEMPERATURE = 0.05  # softmax over their similarities: a near-identical question outvotes several loose ones
# Cosine at which a bank question is the same question reworded ("what's alert fatigue" / "what is alert
# fatigue"): its label is then taken over. On the calibration questions (none in the bank), every one with a bank
# neighbour at >= 0.90 had that neighbour's section as gold (6 of 6; 17 of 17 at >= 0.80), while two distinct
# bank questions can be 0.85 apart and answered by different sections; none are closer than 0.88.
SAME_QUESTION = 0.92

# Chosen by cross-validation in scripts/fit_ranker.py; BM25 scores, title word overlap, definition cues, the best
# sentence's position and an intro flag were tried there and did not help on held-out folds.
FEATURES = ("fused", "fused_rank", "dense_chunk", "sentence_max", "title_cos", "section_cover", "bank_match",
            "context", "context_bare", "alone_rank")

def _idf(snapshot, token: str) -> float:
    bm = snapshot.sentence_bm25
    idf = bm.idf.get(token) if bm is not None else None
    return float(idf) if idf is not None and idf > 0 else math.log(1 + len(snapshot.sentences))


def rare_word_weights(query: str, snapshot) -> dict[str, float]:
    """The query's content words, each weighted by its rarity in the course (IDF)."""
    return {t: _idf(snapshot, t) for t in set(tokens(query))}


def rare_word_cover(weights: dict[str, float], snapshot, ref: str) -> float:
    """Share of those weighted words that section `ref` uses anywhere."""
    total = sum(weights.values())
    used = snapshot.section_tokens.get(ref, set())
    return sum(w for t, w in weights.items() if t in used) / total if total else 0.0


def bank_match(snapshot, query_vector: np.ndarray, exclude: str | None = None) -> dict[str, float]:
    """Per section, its share of a similarity-weighted vote by the query's nearest labelled questions."""
    if not len(snapshot.question_texts):
        return {}
    sims = snapshot.question_vectors @ query_vector
    if exclude is not None:  # fitting: a bank question must not vote for itself
        sims = np.where([t == exclude for t in snapshot.question_texts], -1.0, sims)
    top = np.argsort(-sims)[:BANK_NEIGHBOURS]
    weights = np.exp((sims[top] - sims[top[0]]) / BANK_TEMPERATURE)
    votes: dict[str, float] = {}
    for i, w in zip(top, weights / weights.sum()):
        votes[snapshot.question_refs[i]] = votes.get(snapshot.question_refs[i], 0.0) + float(w)
    return votes


def same_question_ref(snapshot, query_vector: np.ndarray) -> str | None:
    """The section of a labelled question that is this very question reworded, if the bank has one."""
    if not len(snapshot.question_texts):
        return None
    sims = snapshot.question_vectors @ query_vector
    best = int(np.argmax(sims))
    return snapshot.question_refs[best] if sims[best] >= SAME_QUESTION else None


def section_features(retrieval: Retrieval, exclude: str | None = None) -> list[dict[str, float]]:
    """One feature dict per shortlisted section, in fused order."""
    snap = retrieval.snapshot
    short = retrieval.sections[:SHORTLIST]
    if not short:
        return []
    qv = retrieval.query_vector
    weights = rare_word_weights(retrieval.query, snap)
    votes = bank_match(snap, qv, exclude)
    top_fused = short[0].score or 1.0
    out = []
    for rank, sec in enumerate(short):
        out.append({
            "fused": sec.score / top_fused,
            "fused_rank": 1.0 / (rank + 1),
            "dense_chunk": sec.dense,
            "sentence_max": sec.sentence,  # its best sentence's cosine, as fusion found it
            "title_cos": float(snap.title_vectors[sec.ref] @ qv) if sec.ref in snap.title_vectors else 0.0,
            # Share of the question's rare words (IDF-weighted) that the section uses anywhere.
            "section_cover": rare_word_cover(weights, snap, sec.ref),
            "bank_match": votes.get(sec.ref, 0.0),
            # A follow-up: the earlier answer cited this section (1 its first citation, 0.5 another one) ...
            "context": retrieval.context.get(sec.ref, 0.0),
            "context_bare": retrieval.context.get(sec.ref, 0.0) if retrieval.bare else 0.0,
            # ... and how the turn ranked it on its own (the fused rank when the turn stands alone).
            "alone_rank": (1.0 / (retrieval.alone_refs.index(sec.ref) + 1) if sec.ref in retrieval.alone_refs
                           else 0.0) if retrieval.alone_refs else 1.0 / (rank + 1),
        })
    return out


def score(features: dict[str, float], model: dict) -> float:
    return sum(w * (features.get(f, 0.0) - m) / s for f, w, m, s in
               zip(model["features"], model["weights"], model["mean"], model["scale"]))


def rerank(retrieval: Retrieval, model: dict) -> Retrieval:
    """Reorder the shortlist by the fitted model; sections past it keep their fused order."""
    if len(retrieval.sections) < 2:
        return retrieval
    feats = section_features(retrieval)
    scored = [(score(f, model), i) for i, f in enumerate(feats)]
    order = [i for _, i in sorted(scored, key=lambda p: (-p[0], p[1]))]
    same = same_question_ref(retrieval.snapshot, retrieval.query_vector)
    shortlist = [s.ref for s in retrieval.sections[:len(feats)]]
    if same in shortlist:
        order.remove(shortlist.index(same))
        order.insert(0, shortlist.index(same))
    head: list[RankedSection] = [retrieval.sections[i] for i in order]
    retrieval.sections = head + retrieval.sections[len(head):]
    return retrieval
