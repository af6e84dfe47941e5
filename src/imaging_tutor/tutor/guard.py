"""Scope and safety guard: prompt injection, and questions the course does not answer.

Out of scope is decided by a logistic model (fitted by scripts/calibrate_guard.py on three courses' fit data, never
on evals/sets/) over features that mean the same on any course: how close the question comes to the course's
sentences, chunks and titles *relative to this course's own scale* (its everyday background questions and its own
objectives and quiz stems, measured at ingest), how much of the question's rare vocabulary the course uses, the
names and numbers it asks for that the course does not have, and whether it asks for a value or a procedure the
course's best passage does not give. Personal medical questions are decided in tutor/medical.py.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..retrieval.results import Retrieval
from ..retrieval.rerank import SAME_QUESTION, rare_word_weights
from ..text import tokens, words


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
FEATURES = ("sentence_z", "top2_z", "chunk_z", "title_z", "top_cover", "sentence_cover", "vocab_cover",
            "focus_known", "oov", "names", "asks_value", "value_missing", "asks_howto", "bank_max")
MODEL_FEATURES = FEATURES + tuple(f"ask_{f}" for f in FEATURES)
# Questions asking for an amount (a price, a dose, a percentage, a count, a threshold) or for a procedure ("how do I
# set up", "what code"): patterns of English questions, not of any course. The asking counts, not a mention of an
# amount's subject: "budget", "costs", "minimum" or "50%" are what a budgeting course's questions are about, and "what
# exactly is X" asks for a definition; a price, a salary or a fee, or "the exact" anything, is asked for.
_ASKS_VALUE = re.compile(r"\b(?:how (?:much|many|long|often|high|low|big|fast)|(?:price|salar(?:y|ies)|fee)s?\b|"
                         r"what(?:'s| is| are| was| were)? (?:the |a |an )?(?:\w+ )?(?:percent(?:age)?|dose|cost|number|"
                         r"value|rate|amount|level|threshold|score|minimum|maximum)s?\b|(?:the|a|an) (?:\w+ )?costs? "
                         r"(?:of|for)\b|(?:do|does|did|would|will) (?:\w+ ){1,3}cost\b|exact \w+)", re.I)
_ASKS_HOWTO = re.compile(r"\b(?:how (?:do|can|would|should) (?:i|we|you) (?:set|install|configure|code|write|build|"
                         r"train|fine-tune|deploy|implement|integrate|connect|run|script|export|import|program)|"
                         r"how to (?:set|install|configure|code|write|build|train|fine-tune|deploy|implement|run)|"
                         r"\b(?:code|script|snippet|command|step-by-step|tutorial|api call|sql|python|pytorch)\b)", re.I)
_NAME = re.compile(r"(?<![\w.])(?:[A-Z][a-z]+[A-Z]\w*|[A-Za-z]*\d+[A-Za-z(][\w()]*|[A-Z]{2,}[a-z]*s?)(?![\w])")
# Written in capitals, yet a word of English, not a name: "Is it OK to leave frozen chicken out?" counted "OK" as a
# name the course lacks and was refused.
_CAPITALISED_WORDS = frozenset({"ok", "okay"})


@dataclass
class ScopeDecision:
    in_scope: bool
    probability: float
    features: dict[str, float]


@dataclass(frozen=True)
class ScopeScale:
    """A course's own scale: (background, foreground) medians of each similarity, from ingest's reference
    questions. 0 = as close as an everyday question gets; 1 = as close as the course's own objectives get."""

    sentence: tuple[float, float]
    top2: tuple[float, float]
    chunk: tuple[float, float]
    title: tuple[float, float]

    @staticmethod
    def z(x: float, bg_fg: tuple[float, float]) -> float:
        bg, fg = bg_fg
        return (x - bg) / max(fg - bg, 0.05)


def _similarities(snap, vectors: np.ndarray) -> dict[str, np.ndarray]:
    sent = vectors @ snap.sentence_vectors.T
    top2 = np.sort(sent, axis=1)[:, -2:].mean(axis=1) if sent.shape[1] > 1 else sent.max(axis=1)
    chunk = (vectors @ snap.chunk_vectors.T).max(axis=1)
    titles = np.asarray(list(snap.title_vectors.values()), dtype=np.float32)
    title = (vectors @ titles.T).max(axis=1) if len(titles) else np.zeros(len(vectors))
    return {"sentence": sent.max(axis=1), "top2": top2, "chunk": chunk, "title": title}


def scope_scale(snap) -> ScopeScale:
    """The course's scale (computed once per snapshot)."""
    if "scope_scale" in snap.derived:
        return snap.derived["scope_scale"]
    bg = snap.background_vectors
    fg = snap.pseudo_vectors
    if bg is None or fg is None or not len(bg) or not len(fg):
        fg = np.asarray(list(snap.title_vectors.values()), dtype=np.float32)
        bg = fg[:0]
    b = _similarities(snap, bg) if len(bg) else None
    f = _similarities(snap, fg)
    scale = ScopeScale(*[(float(np.median(b[k])) if b is not None else 0.0, float(np.median(f[k])))
                         for k in ("sentence", "top2", "chunk", "title")])
    snap.derived["scope_scale"] = scale
    return scale


def scope_features(question: str, retrieval: Retrieval) -> dict[str, float]:
    """Signals that separate course questions from near misses, on the course's own scale."""
    snap = retrieval.snapshot
    scale = scope_scale(snap)
    sims = {k: float(v[0]) for k, v in _similarities(snap, retrieval.query_vector[None, :]).items()}
    weights = rare_word_weights(question, snap)
    total = sum(weights.values()) or 1.0
    known = {t for t in weights if t in snap.vocabulary}
    top = retrieval.sections[0].ref if retrieval.sections else None
    top_tokens = snap.section_tokens.get(top, set()) if top else set()
    top_sentences = [snap.sentences[i].text for i in sorted(snap.sentences_by_ref.get(top, []),
                     key=lambda i: -retrieval.sentence_scores[i])[:3]] if top else []
    asks_value = bool(_ASKS_VALUE.search(question))
    # The question's rarest words (what it is about) must be course words: "what is radiomics?" names a subject the
    # course never mentions, however close the rest of its wording comes. Unknown words rank rarest of all.
    ranked = sorted(weights, key=lambda t: (t in known, -weights[t]))
    focus = ranked[:2]
    # One sentence that carries most of the question's rare words answers it; words spread over a section do not.
    best = np.argsort(-retrieval.sentence_scores)[:10]
    sentence_cover = max((sum(w for t, w in weights.items() if t in snap.sentence_token_sets[i]) / total
                          for i in best), default=0.0)
    names = [m.group(0) for m in _NAME.finditer(question)
             if not set(tokens(m.group(0))) <= snap.vocabulary and m.group(0).lower() not in snap.acronyms
             and m.group(0).lower() not in _CAPITALISED_WORDS]
    return {
        "sentence_z": scale.z(sims["sentence"], scale.sentence),
        "top2_z": scale.z(sims["top2"], scale.top2),
        "chunk_z": scale.z(sims["chunk"], scale.chunk),
        "title_z": scale.z(sims["title"], scale.title),
        "top_cover": sum(w for t, w in weights.items() if t in top_tokens) / total,
        "sentence_cover": sentence_cover,
        "focus_known": sum(t in known for t in focus) / max(1, len(focus)),
        "vocab_cover": sum(w for t, w in weights.items() if t in known) / total,
        "oov": float(min(4, len([t for t in weights if t not in known and not t.isdigit()]))),
        "names": float(min(3, len(names))),
        "asks_value": float(asks_value),
        "value_missing": float(asks_value and not any(re.search(r"\d", s) for s in top_sentences)),
        "asks_howto": float(bool(_ASKS_HOWTO.search(question))),
        # How close the nearest labelled learner question of the course is (0 for a course without a bank).
        "bank_max": float((snap.question_vectors @ retrieval.query_vector).max()) if len(snap.question_texts) else 0.0,
        # Raw similarity, kept for the refusal message (not a model feature).
        "sentence_max": sims["sentence"],
    }


def message_sentences(text: str) -> list[str]:
    """A message's sentences, cut after ". ", "? " or "! " whatever case follows (learners type in lower case)."""
    return [p.strip() for p in re.split(r"(?<=[.?!])\s+", text.strip()) if p.strip()]


def ask_of(question: str) -> str:
    """The sentence that asks, in a question with context: the last one ending in '?' (else the last sentence).

    A long workplace scenario shares the course's vocabulary whatever it asks, so the guard scores the ask on its
    own as well as the whole question."""
    parts = message_sentences(question)
    asks = [p for p in parts if p.endswith("?")]
    ask = asks[-1] if asks else (parts[-1] if parts else question)
    return ask if len(tokens(ask)) >= 2 else question


def guard_features(question: str, retrieval: Retrieval, ask: str | None = None,
                   ask_retrieval: Retrieval | None = None) -> dict[str, float]:
    """scope_features of the whole question plus, prefixed 'ask_', of its asking sentence (the same when it is one)."""
    feats = scope_features(question, retrieval)
    ask_feats = scope_features(ask, ask_retrieval) if ask is not None and ask_retrieval is not None else feats
    return {**feats, **{f"ask_{k}": v for k, v in ask_feats.items()}}


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


# A word written as letters with dots: "e.g.?" and "i.e.?" ask for an example and a restatement.
_DOTTED = re.compile(r"(?<![\w.])[a-z](?:\.[a-z])+\.?(?![\w])", re.I)


def looks_like_words(question: str) -> bool:
    """False for input with no usable word at all (emoji, punctuation, random symbols)."""
    return any(len(w) > 1 or w.isdigit() for w in words(question)) or bool(_DOTTED.search(question))
