"""Questions about the tutor itself ("what can you do?", "are you a bot?", "do you save our chat?"): not about the
course, so retrieval would answer them with unrelated course sentences or say the course does not cover them.

A logistic model over the message's sentence embedding, the acts model's shape cues and one cue of its own (the
message speaks to "you"), fitted by scripts/fit_about.py on evals/acts/about_tutor_fit.jsonl (questions about the
tutor, and follow-up requests that speak to "you" as negatives) against every other labelled message of the fit
splits; held out: evals/acts/about_tutor_eval.jsonl. Its threshold keeps cross-validated precision >= 0.98: a course
question taken for one would go unanswered. The reply is fixed, says how the tutor works and lists the course's
chapters (its own outline), and claims nothing about the course's content.
"""
from __future__ import annotations

import re

import numpy as np

from .acts import binary_probability, cue_features

_YOU = re.compile(r"\b(?:you|your|yours|yourself|u|ur)\b", re.IGNORECASE)
CUES = ("addresses_you",)


def features(vector: np.ndarray, text: str, vocabulary: dict[str, int]) -> np.ndarray:
    return cue_features(vector, text, vocabulary, (_YOU,))


def probability(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict) -> float:
    return binary_probability(features(vector, text, vocabulary), model)


def addresses_you(text: str) -> bool:
    """Whether a message speaks to the tutor ("what can you do?"), not only about its own situation."""
    return bool(_YOU.search(text))


def asks_about_tutor(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict | None) -> bool:
    """Whether a message asks about the tutor rather than the course (never, without the model)."""
    return model is not None and probability(vector, text, vocabulary, model) >= model["threshold"]


def about_reply(course) -> str:
    """What the tutor is and does, and the course's chapters: true of every course, quoting none of its text."""
    chapters = "; ".join(f"{c.number}. {c.title}" for c in course.chapters)
    return (f"I'm the tutor for “{course.title}”. I answer only from the course's own text and show the section "
            "behind every sentence as [chapter.section]; when something is not in the course I say so and point to "
            "the nearest sections. I can't give personal medical advice or interpret anyone's results.\n\n"
            "You can ask follow-up questions, ask for a hint instead of the answer, and, signed in, say “quiz me” for "
            "a practice question; the Quiz page has practice by chapter and your progress by section. Conversations "
            "are saved so you can come back to them, and you can delete them; staff read a whole conversation only "
            "if you rate one of its answers, and see unanswered or unhelpful questions without your name.\n\n"
            f"The course's chapters: {chapters}.")
