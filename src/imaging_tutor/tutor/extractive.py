"""The default answer writer: picks the course's own sentences that answer the question, and cites each one."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .guard import is_injection
from ..text import tokens
from ..retrieval.fusion import Retrieval

MAX_SENTENCES = 4
SECTION_POOL = 3
SAME_SECTION_FLOOR = 0.72  # share of the best sentence's score a further sentence needs
OTHER_SECTION_FLOOR = 0.85

_DEFINITION_Q = re.compile(r"^\s*(?:what(?:'s| is| are| does)|whats|wat is|define|meaning of|explain)\b|^\s*[\w\s-]{1,30}\?*\s*$", re.I)
_COMPUTE_Q = re.compile(r"\b(?:compute|calculate|calc|work out|formula|example|how many|percent|%|numbers?)\b", re.I)
_DEFINITIONAL = re.compile(r"\b(?:is|are|means|refers to|happens when|is called|describes|is the)\b")


def _defines(sentence: str, q_tokens: set[str]) -> bool:
    """'Sensitivity is …', 'This is called shortcut learning', 'Drift is …': the sentence defines a asked-about term."""
    m = re.match(r"^(?:[A-Z][\w-]*\s){0,3}?([\w“”\"’'-]+(?:\s[\w-]+){0,3}?)\s(?:is|are|means|refers to|happens when)\b", sentence)
    head = set(tokens(m.group(0))) if m else set()
    called = re.search(r"(?:is called|known as|means)\s([\w\s-]{3,40})", sentence)
    tail = set(tokens(called.group(1))) if called else set()
    return bool((head | tail) & q_tokens)


@dataclass
class Picked:
    index: int  # into snapshot.sentences
    ref: str
    text: str
    score: float


def score_sentences(focus: str, retrieval: Retrieval, focus_vector: np.ndarray) -> list[Picked]:
    """Score sentences of the best sections: meaning, shared words, section rank, and question-type cues."""
    snap = retrieval.snapshot
    top = retrieval.sections[:SECTION_POOL]
    if not top:
        return []
    best_score = top[0].score
    q_tokens = set(tokens(focus))
    definitional = bool(_DEFINITION_Q.search(focus))
    compute = bool(_COMPUTE_Q.search(focus))
    picked: list[Picked] = []
    for rank, sec in enumerate(top):
        if rank and sec.score < 0.5 * best_score:
            break
        prior = 0.12 * (sec.score / best_score)
        for i in snap.sentences_by_ref[sec.ref]:
            sent = snap.sentences[i]
            if is_injection(sent.text):
                continue  # an instruction planted in the course text is data, never something we repeat
            cos = float(snap.sentence_vectors[i] @ focus_vector)
            s_tokens = set(tokens(sent.text))
            overlap = len(q_tokens & s_tokens) / len(q_tokens) if q_tokens else 0.0
            score = cos + 0.25 * overlap + prior
            if definitional and overlap and _DEFINITIONAL.search(sent.text):
                score += 0.05
                if _defines(sent.text, q_tokens):
                    score += 0.15
            if compute and re.search(r"\d", sent.text):
                score += 0.12
            picked.append(Picked(i, sent.ref, sent.text, score))
    picked.sort(key=lambda p: -p.score)
    return picked


def select(picked: list[Picked], retrieval: Retrieval, max_sentences: int = MAX_SENTENCES) -> list[Picked]:
    """Maximal marginal relevance: relevant sentences that do not repeat each other."""
    if not picked:
        return []
    vectors = retrieval.snapshot.sentence_vectors
    # The fused section ranking is the more reliable judge of which section answers (measured on the calibration
    # set), so the answer leads with the best sentence of the top section.
    top_ref = retrieval.sections[0].ref
    lead = next(p for p in picked if p.ref == top_ref)
    chosen = [lead]
    picked = [p for p in picked if p is not lead]
    best = max(lead.score, picked[0].score if picked else 0.0)
    for cand in picked:
        if len(chosen) >= max_sentences or cand.score < best * SAME_SECTION_FLOOR:
            break
        if cand.ref != top_ref and cand.score < best * OTHER_SECTION_FLOOR:
            continue  # another section must earn its place: a weak neighbour only dilutes the answer
        redundancy = max(float(vectors[cand.index] @ vectors[c.index]) for c in chosen)
        if redundancy > 0.85:
            continue
        chosen.append(cand)
    return chosen


def arrange(chosen: list[Picked], section_order: list[str], snapshot) -> list[Picked]:
    """Readable order: the best sentence's section first, then sections by rank; course order inside a section."""
    first = chosen[0].ref
    order = [first] + [r for r in section_order if r != first]
    pos = {r: k for k, r in enumerate(order)}
    return sorted(chosen, key=lambda p: (pos.get(p.ref, 99), snapshot.sentences[p.index].position))
