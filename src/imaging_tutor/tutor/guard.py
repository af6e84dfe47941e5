"""Scope and safety guard: personal medical questions, prompt injection, and questions the course does not cover."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..retrieval.fusion import Retrieval
from ..retrieval.rerank import SAME_QUESTION
from ..text import tokens, words

# --- medical advice ---------------------------------------------------------------------------------
_PERSON = r"(?:my|mine|me|i|i'm|im|i've|i'd|we|our|us|he|she|his|her|him|they|their)"
_FAMILY = (r"(?:mom|mum|mother|dad|father|son|daughter|child|kid|kids|baby|wife|husband|partner|sister|brother|"
           r"grandma|grandmother|grandpa|grandfather|grandmother's|aunt|uncle|friend|my patient|our patient|fiance|boyfriend|girlfriend)")
_HEALTH = (r"(?:scan|scans|ct|mri|x-?ray|xray|ultrasound|mammogram|report|result|results|nodule|lesion|tumou?r|cancer|"
           r"bleed|hemorrhage|haemorrhage|fracture|pain|hurts?|headache|symptoms?|dose|contrast|radiation|doctor|"
           r"biopsy|surgery|chemo|treatment|medication|metformin|blood thinners?|pregnan\w*|breastfeeding|allerg\w*|"
           r"diagnos\w*|screening|flagged|positive|negative|disease|heart|lung|brain|stroke|aneurysm|sick|ill|"
           r"follow-?up|appointment|hospital|er|emergency|implant|claustrophobic|dementia|ms|breast|hip|knee|"
           r"ankle|neck|spine|chest|liver|kidney|thyroid|embolism|pneumothorax|lung-rads|bi-rads|ejection|"
           r"measurement|measured|atrophy|dicom file|image|images|x-rays)")
_DECISION = (r"(?:should (?:i|we|she|he|my|they)|do (?:i|we) (?:need|have)|does (?:she|he|my \w+) (?:need|have)|"
             r"am i|is it (?:safe|ok|okay|cancer|serious|bad|normal)|can i|will (?:i|he|she|my)|"
             r"what (?:should|do) (?:i|we)|how (?:many|much) .* (?:can|should) i|is (?:my|this|that) .* "
             r"(?:cancer|serious|normal|ok|okay|dangerous)|do i actually|what does (?:that|this|it) mean for me|"
             r"is my baby|will (?:he|she) survive|tell me if|look at my)")
_PERSONAL_HEALTH = re.compile(rf"\b(?:{_PERSON}|{_FAMILY}|{_PERSON} {_FAMILY}|{_FAMILY}'s)\b.*\b{_HEALTH}\b|"
                              rf"\b{_HEALTH}\b.*\b(?:{_PERSON}|{_FAMILY}'?s?)\b", re.I)
_FIRST_PERSON_BODY = re.compile(
    r"\b(?:my|i'm|im|i have|i've|i got|i had|me)\b.*\b(?:ct|mri|x-?ray|scan|scans|mammogram|ultrasound|report|"
    r"result|nodule|tumou?r|pain|hurts?|headache|contrast|dose|radiation|doctor|hospital|cancer|bleed|fracture|"
    r"pregnan\w*|breastfeeding|allerg\w*|implant|claustrophobic|dicom file|surgery|biopsy|chemo|measurements?)\b", re.I)
_DECISION_RE = re.compile(rf"\b{_DECISION}", re.I)
_CARE_REQUEST = re.compile(
    r"\b(?:how many (?:ct|mri|x-?ray)?\s*scans? can i|can i (?:safely|take|drive|eat)|"
    r"what dose|how much contrast|which scan should|is it safe for (?:me|my)|should i (?:get|have|skip|stop|see|go)\b|"
    r"should (?:i|we) ask for (?:a|an|another)|do i need (?:a|an|another|to (?:get|have|see|go|stop|take))\b|"
    r"look at my|tell me if there'?s)\b", re.I)


def is_medical_advice(question: str) -> bool:
    """True for a person asking about their own or someone's care: we never give clinical recommendations."""
    q = question.lower().replace("’", "'")
    if _CARE_REQUEST.search(q):
        return True
    personal = bool(_FIRST_PERSON_BODY.search(q)) or bool(re.search(rf"\b{_FAMILY}'?s?\b", q) and re.search(rf"\b{_HEALTH}\b", q))
    if not personal:
        return False
    # "what should I ask the vendor" is about the course; a personal health context plus a question about
    # what it means or what to do is a request for care advice.
    return bool(_DECISION_RE.search(q) or re.search(
        r"\b(?:does (?:that|this|it) mean|what does .* mean|is (?:it|this|that)|do i have|does (?:he|she) have|"
        r"trust|worry|worried|definitely|chances|go to|ok\b|okay|need|safe|right\?|what should|for me\b|better)", q))


# --- prompt injection -------------------------------------------------------------------------------
_INJECTION = re.compile(
    r"(?:ignore (?:all |any |the |your |my |previous |prior |above |earlier )*(?:instructions|rules|prompt|context)|"
    r"disregard (?:the |your |all )?(?:instructions|rules|course)|forget (?:the|your|all|everything)|ignore the course|"
    r"system prompt|hidden prompt|reveal your|print your (?:configuration|prompt|instructions)|"
    r"developer mode|jailbreak|\bdan\b|you are now|from now on you|pretend (?:you are|to be)|act as (?:an?|the)\b|"
    r"\[system|system:|api keys?|unrestricted ai|without using the course|new policy)", re.I)


def is_injection(question: str) -> bool:
    return bool(_INJECTION.search(question))


# --- scope ------------------------------------------------------------------------------------------
FEATURES = ("sentence_max", "sentence_top2", "dense_chunk", "bm25_norm", "vocab_coverage", "top_coverage", "oov_count",
            "bank_max")


@dataclass
class ScopeDecision:
    in_scope: bool
    probability: float
    features: dict[str, float]


def scope_features(question: str, retrieval: Retrieval) -> dict[str, float]:
    """Signals that separate course questions from near-misses; no single similarity threshold is trusted alone."""
    snap = retrieval.snapshot
    q_tokens = [t for t in tokens(question) if not t.isdigit()]
    top = retrieval.sections[0] if retrieval.sections else None
    ss = np.sort(retrieval.sentence_scores)[::-1]
    in_vocab = [t for t in q_tokens if t in snap.vocabulary]
    top_text = set(tokens(snap.course.section(top.ref).text + " " + snap.course.section(top.ref).section_title)) if top else set()
    return {
        "sentence_max": float(ss[0]) if len(ss) else 0.0,
        "sentence_top2": float(ss[:2].mean()) if len(ss) else 0.0,
        "dense_chunk": float(top.dense) if top else 0.0,
        "bm25_norm": float(min(1.0, (top.bm25 if top else 0.0) / 10.0)),
        "vocab_coverage": len(in_vocab) / len(q_tokens) if q_tokens else 0.0,
        "top_coverage": len([t for t in q_tokens if t in top_text]) / len(q_tokens) if q_tokens else 0.0,
        "oov_count": float(len(q_tokens) - len(in_vocab)),
        # How close the nearest labelled learner question of the course is (0 for a course without a bank).
        "bank_max": float((snap.question_vectors @ retrieval.query_vector).max()) if len(snap.question_texts) else 0.0,
    }


def ask_of(question: str) -> str:
    """The sentence that asks, in a question with context: the last one ending in '?' (else the last sentence).

    A long workplace scenario shares the course's vocabulary whatever it asks, so the guard scores the ask on its
    own as well as the whole question."""
    parts = [p.strip() for p in re.split(r"(?<=[.?!])\s+", question.strip()) if p.strip()]
    asks = [p for p in parts if p.endswith("?")]
    ask = asks[-1] if asks else (parts[-1] if parts else question)
    return ask if len(tokens(ask)) >= 2 else question


def guard_features(question: str, retrieval: Retrieval, ask: str | None = None,
                   ask_retrieval: Retrieval | None = None) -> dict[str, float]:
    """scope_features of the whole question plus, prefixed 'ask_', of its asking sentence (the same when it is one)."""
    feats = scope_features(question, retrieval)
    ask_feats = scope_features(ask, ask_retrieval) if ask is not None and ask_retrieval is not None else feats
    return {**feats, **{f"ask_{k}": v for k, v in ask_feats.items()}}


MODEL_FEATURES = FEATURES + tuple(f"ask_{f}" for f in FEATURES)


def decide_scope(question: str, retrieval: Retrieval, model: dict, ask: str | None = None,
                 ask_retrieval: Retrieval | None = None) -> ScopeDecision:
    """Logistic model over guard_features (fitted by scripts/calibrate_guard.py), or a labelled bank question.

    `ask`/`ask_retrieval`: the asking sentence (ask_of) and its retrieval, when it differs from the question."""
    feats = guard_features(question, retrieval, ask, ask_retrieval)
    z = model["intercept"] + sum(w * (feats[f] - m) / s for f, w, m, s in
                                 zip(model["features"], model["weights"], model["mean"], model["scale"]))
    p = 1.0 / (1.0 + math.exp(-z))
    # The same question as one the course's authors labelled answerable is answerable: of the 250 out-of-scope
    # calibration questions none comes within 0.80 of a bank question (the closest is 0.75), while 17 answerable
    # ones do.
    same_as_labelled = feats["bank_max"] >= SAME_QUESTION
    return ScopeDecision(p >= model["threshold"] or same_as_labelled, p, feats)


def looks_like_words(question: str) -> bool:
    """False for input with no usable word at all (emoji, punctuation, random symbols)."""
    return any(len(w) > 1 or w.isdigit() for w in words(question))


__all__ = ["is_medical_advice", "is_injection", "decide_scope", "scope_features", "guard_features", "ask_of",
           "ScopeDecision", "FEATURES", "MODEL_FEATURES",
           "looks_like_words"]
