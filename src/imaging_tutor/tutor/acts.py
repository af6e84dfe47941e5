"""What a message does: small talk ("thanks!"), a request to re-explain ("simpler please"), a request to be quizzed,
or a question. A multinomial logistic model over the message's sentence embedding and a few shape cues, fitted by
scripts/fit_acts.py on evals/acts/fit.jsonl (messages on many subjects) plus the conversation fit split; its
held-out agreement is measured on evals/acts/eval.jsonl. Only a confident small-talk or clarify verdict changes what
the tutor does: a question wrongly taken for small talk would go unanswered. Whether a learner asks to be quizzed is
read by a model of the same form (tutor/quiz_request_model.json, scripts/fit_quiz_request.py) over the request's
frame (the message without the topic it names: "give me a practice question" for "... on drift"), fitted with
learners' questions *about* quizzes as questions, which this one takes for requests.
"""
from __future__ import annotations

import re
from typing import Callable

import numpy as np

from ..text import RETRIEVAL_STOPWORDS, words

ACTS = ("question", "small_talk", "clarify", "quiz_me")
# The topic a request names, at its end: from the first of these prepositions after the last comma, colon or
# semicolon to the end ("on drift", "about PPV and NPV please"; not "about it", "of what ...").
_TOPIC = re.compile(r"\s+(?:on|about|regarding|covering|concerning|of|for)\s+"
                    r"(?!(?:it|this|that|them|these|those|what)\b)\S[^,;:]*?(?=[?!.]*$)", re.IGNORECASE)
SHAPE_FEATURES = ("n_words", "question_mark", "n_content", "course_words")


def shape_features(text: str, vocabulary: dict[str, int]) -> list[float]:
    """Length, a question mark, and how many content words (and course words) the message carries."""
    ws = words(text)
    content = [w for w in ws if w not in RETRIEVAL_STOPWORDS and len(w) > 1]
    return [min(len(ws), 20) / 20.0, float("?" in text), min(len(content), 8) / 8.0,
            min(sum(w in vocabulary for w in content), 6) / 6.0]


def cue_features(vector: np.ndarray, text: str, vocabulary: dict[str, int], cues: tuple[re.Pattern, ...]) -> np.ndarray:
    """The message's embedding, the shape cues and one 0/1 feature per cue pattern found in it: what the binary
    message models beside this one (about the tutor, introductions) read."""
    return np.concatenate([np.asarray(vector, dtype=np.float64), shape_features(text, vocabulary),
                           [float(bool(cue.search(text))) for cue in cues]])


def binary_probability(x: np.ndarray, model: dict) -> float:
    """P(the class) of a binary message model (standardised features, one linear score, a sigmoid)."""
    z = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    return float(1.0 / (1.0 + np.exp(-(float(np.dot(model["weights"], z)) + model["intercept"]))))


def act_probabilities(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict) -> dict[str, float]:
    """P(act) for one message (softmax over the fitted linear scores)."""
    x = np.concatenate([np.asarray(vector, dtype=np.float64), shape_features(text, vocabulary)])
    x = (x - np.asarray(model["mean"])) / np.asarray(model["scale"])
    z = np.asarray(model["weights"]) @ x + np.asarray(model["intercepts"])
    z = z - z.max()
    p = np.exp(z) / np.exp(z).sum()
    return {act: float(pi) for act, pi in zip(model["classes"], p)}


def classify(vector: np.ndarray, text: str, vocabulary: dict[str, int], model: dict | None) -> str:
    """The act, defaulting to "question" unless another act is confident (its threshold in the model file)."""
    if model is None:
        return "question"
    probs = act_probabilities(vector, text, vocabulary, model)
    act = max(probs, key=probs.get)
    if act != "question" and probs[act] >= model["thresholds"].get(act, 1.0):
        return act
    return "question"


def request_frame(text: str) -> str:
    """The message without the topic phrase it ends with: what a request for a quiz says, whatever it is about."""
    found = _TOPIC.search(text)
    return text[:found.start()] + text[found.end():] if found else text


def asks_for_quiz(text: str, vocabulary: dict[str, int], model: dict | None,
                  embed: Callable[[list[str]], np.ndarray]) -> bool:
    """Whether a message asks to be quizzed: its request frame read by the quiz-request model's quiz_me class. A
    frame longer than any labelled request's is none (and is not embedded); without the model, never (the fixed
    phrase in quiz/chat.py still counts)."""
    frame = frame_to_read(text, model)
    if frame is None:
        return False
    return act_probabilities(embed([frame])[0], frame, vocabulary, model)["quiz_me"] >= model["thresholds"]["quiz_me"]


def frame_to_read(text: str, model: dict | None) -> str | None:
    """The request frame the quiz-request model reads (and so embeds), or None when it reads nothing."""
    if model is None:
        return None
    frame = request_frame(text)
    return None if len(frame.split()) > model["max_frame_words"] else frame
