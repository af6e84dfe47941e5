"""A learner introducing themselves ("hello, I'm a radiographer", "my name is Sam", "I'm new to this course"): not
a question, so retrieval answered such messages with unrelated course sentences or said the course does not cover
them, and the acts model read 59 of 80 written introductions as questions.

A logistic model over the message's sentence embedding, the acts model's shape cues and one cue of its own (the
message speaks of "I", "my" or "we"), fitted by scripts/fit_introduction.py on evals/acts/introductions_fit.jsonl
(introductions on many subjects, and introductions that go on to ask or to describe a problem as negatives) against
every other labelled message of the fit splits; held out: evals/acts/introductions_eval.jsonl. Its threshold keeps
cross-validated precision >= 0.98: a question taken for an introduction would go unanswered. The reply welcomes the
learner, says what the tutor does and offers starter questions; it claims nothing about the course's content.
"""
from __future__ import annotations

import re

import numpy as np

from ..corpus.starters import starter_questions
from .acts import binary_probability, cue_features

_SELF = re.compile(r"\b(?:i|i'm|im|i am|me|my|myself|we|we're|our|us)\b", re.IGNORECASE)
CUES = ("speaks_of_self",)
STARTERS = 2


def features(vector: np.ndarray, text: str, vocabulary: dict[str, int]) -> np.ndarray:
    return cue_features(vector, text, vocabulary, (_SELF,))


def probability(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict) -> float:
    return binary_probability(features(vector, text, vocabulary), model)


def introduces_self(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict | None) -> bool:
    """Whether a message only introduces the learner (never, without the model)."""
    return model is not None and probability(vector, text, vocabulary, model) >= model["threshold"]


def introduction_reply(course, first: bool = True) -> str:
    """A welcome that says what the tutor does and offers questions the course answers (its starter questions); later
    in a conversation, a short acknowledgement that keeps to it."""
    if not first:
        return f"Thanks, good to know. Ask me anything about “{course.title}”."
    examples = " or ".join(f"“{s['question']}”" for s in starter_questions(course, count=STARTERS))
    tail = f" You could start with {examples}" if examples else ""
    return (f"Welcome! I'm the tutor for “{course.title}”. I answer from the course's own text and show the section "
            f"behind every answer. Ask me anything about it.{tail}")


# An opening clause that may introduce the speaker: up to the first comma, semicolon, colon, full stop, dash or "and"
# ("I'm a GP, can AI …", "I'm a radiographer and our PE tool …", "I'm Priya. why does …").
_OPENING = re.compile(r"^\s*(?P<clause>[^,;:.!?]{3,80}?)(?:\s*[,;:.!?]+\s+|\s+[-–—]+\s+|\s+and\s+)(?P<rest>\S.*)$",
                      re.IGNORECASE | re.DOTALL)
MIN_REST_WORDS = 3


def opening_clause(text: str) -> tuple[str, str] | None:
    """(clause, rest) when the message opens with a clause that speaks of the speaker and goes on for a few words:
    the candidates for an introduction the rest of the message follows (the model decides)."""
    m = _OPENING.match(text)
    if m is None or not _SELF.search(m["clause"]) or len(m["rest"].split()) < MIN_REST_WORDS:
        return None
    return m["clause"].strip(), m["rest"].strip()
