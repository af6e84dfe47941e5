"""Grading: exact answers for choice and cloze items; free text by meaning (embedding similarity + key-term coverage).

Feedback always quotes the course and names the section to reread.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InvalidInput
from .schema import Grade, QuizItem
from .computed import tolerance
from .similarity import embed_texts
from .swaps import swapped_pair
from .terms import NO_TERMS, Terms
from .text import coverage, fold, normalize_answer, stems

MAX_RESPONSE_CHARS = 2000
_EMPTY = re.compile(r"^\W*(?:idk|i don'?t know|no idea|dunno|pass|n/?a|none)?\W*$", re.IGNORECASE)
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


@dataclass(frozen=True)
class FreeTextThresholds:
    """How a free-text answer becomes a score; calibrated on evals/quiz/grading_labels.jsonl (see calibration.py).

    sem = clip((similarity to the key answer - sim_floor) / (sim_full - sim_floor), 0, 1)
    score = sem_weight * sem + (1 - sem_weight) * key-term coverage, scaled by wrong_penalty when the answer is
    closer to a known wrong option than to the key (by more than wrong_margin) or swaps a contrasting pair.
    """

    sim_floor: float = 0.25
    sim_full: float = 0.8
    sem_weight: float = 0.4
    wrong_margin: float = 0.02
    wrong_penalty: float = 0.4
    correct: float = 0.65
    partial: float = 0.15

    def as_dict(self) -> dict:
        return asdict(self)


# Chosen by calibration.calibrate() on the 123 labelled answers in evals/quiz/grading_labels.jsonl
# (3-way agreement 0.894, 0.862 five-fold cross-validated; correct-vs-not 1.000, no wrong answer passed).
# `imaging-tutor quiz report` re-measures them; `--calibrate` searches again.
THRESHOLDS = FreeTextThresholds()


def _where(item: QuizItem) -> str:
    c = item.citation
    return f"[{c.ref}] {c.section_title}"


def _quote_feedback(item: QuizItem) -> str:
    return f"The course says: “{item.citation.quote}” — reread {_where(item)}."


def _check_size(response: str | None) -> str:
    if response is None:
        return ""
    if not isinstance(response, str):
        raise InvalidInput("the response must be text")
    if len(response) > MAX_RESPONSE_CHARS:
        raise InvalidInput(f"the response is too long ({len(response)} characters; at most {MAX_RESPONSE_CHARS})")
    return response


def is_empty(response: str) -> bool:
    return not response.strip() or bool(_EMPTY.match(response.strip()))


def _choice(item: QuizItem, response: str, syn) -> str:
    """The option a response picks: its text, or a letter A–D."""
    r = response.strip()
    m = re.fullmatch(r"\(?([A-Za-z])[).:]?", r)
    if m and len(item.options) <= 26:
        k = ord(m.group(1).upper()) - ord("A")
        if 0 <= k < len(item.options):
            return item.options[k]
    norm = normalize_answer(r, syn)
    for o in item.options:
        if normalize_answer(o, syn) == norm:
            return o
    raise InvalidInput("the response must be one of the item's options (its text or its letter)")


def grade(item: QuizItem, response: str | None, *, embedder, terms: Terms,
          thresholds: FreeTextThresholds = THRESHOLDS) -> Grade:
    """Grade one response to one item; user errors (oversized, not an option) raise InvalidInput.

    terms: the course's terms (abbreviations spelled out, contrasting pairs), from quiz.terms.course_terms."""
    response = _check_size(response)
    syn = terms.synonyms
    if is_empty(response):
        return _result(item, 0.0, False, "incorrect",
                       f"No answer given. The answer is: {_sentence(item.answer)} " + _quote_feedback(item))
    if item.type == "mcq":
        picked = _choice(item, response, syn)
        ok = normalize_answer(picked, syn) == normalize_answer(item.answer, syn)
        return _exact(item, ok, picked)
    if item.type == "tf":
        r = fold(response).strip(" .!")
        if r not in _TRUE | _FALSE:
            raise InvalidInput("answer true or false")
        ok = (r in _TRUE) == (item.answer == "True")
        return _exact(item, ok, "True" if r in _TRUE else "False")
    if item.type == "cloze":
        accepted = {normalize_answer(a, syn) for a in [item.answer, *item.accepted]}
        ok = normalize_answer(response, syn) in accepted
        return _exact(item, ok, response.strip())
    if item.type == "numeric":
        return grade_numeric(item, response)
    return grade_free_text(item, response, embedder=embedder, terms=terms, thresholds=thresholds)


# The verdict ("Correct", "Partly right", "Incorrect") is its own field; feedback never repeats it, so a page that
# shows both never says "Correct. Correct.".
def _exact(item: QuizItem, ok: bool, picked: str) -> Grade:
    if ok:
        return _result(item, 1.0, True, "correct", _quote_feedback(item).replace("reread", "see"))
    return _result(item, 0.0, False, "incorrect",
                   f"You answered “{picked}”; the answer is “{item.answer}”{_full_stop(item.answer)} "
                   + _quote_feedback(item))


def _full_stop(quoted: str) -> str:
    """The period after a closing quote, unless the quoted sentence already ended ("… produce.”", not "….”.")."""
    return "" if quoted.rstrip().endswith((".", "!", "?")) else "."


_NUM = re.compile(r"(-?\d+(?:[.,]\d+)?)\s*(%|percent)?(?:\s*/\s*(\d+(?:\.\d+)?))?")


def parse_number(response: str, unit: str) -> float:
    """The number a learner wrote: '90%', '90', '0.9', '9/10', '45 / 50' (a share is read as percent when the key is)."""
    m = _NUM.search(response.replace("\u2212", "-"))
    if not m:
        raise InvalidInput("answer with a number (for example 42 or 42%)")
    value = float(m.group(1).replace(",", "."))
    if m.group(3):
        denominator = float(m.group(3))
        if denominator == 0:
            raise InvalidInput("the fraction divides by zero")
        value = value / denominator
        return value * 100 if unit == "%" else value
    if unit == "%" and not m.group(2) and 0 < value <= 1 and "." in m.group(1):
        return value * 100  # 0.9 for 90%
    return value


def grade_numeric(item: QuizItem, response: str) -> Grade:
    """A computed answer: right within the tolerance, partly right when only rounding is off."""
    key = item.numeric
    value = parse_number(response, key.unit)
    diff = abs(value - key.value)
    steps = " ".join(item.solution)
    # Items saved before counts had a tolerance of their own carry a fixed 0.5: the tighter of the two applies.
    tol = key.tolerance if key.unit == "%" else min(key.tolerance, tolerance(key.value, key.unit))
    if diff <= tol:
        return _result(item, 1.0, True, "correct", f"Worked solution: {steps} " + _quote_feedback(item)
                       .replace("reread", "see"), solution=list(item.solution))
    if diff <= (max(2.0, 4 * tol) if key.unit == "%" else 2 * tol):  # only the rounding is off
        return _result(item, 0.5, False, "partial", f"Close: you answered {response.strip()}, the answer is "
                       f"{item.answer} (check your rounding). Worked solution: {steps} " + _quote_feedback(item),
                       solution=list(item.solution))
    return _result(item, 0.0, False, "incorrect", f"You answered {response.strip()}; the answer is {item.answer}. "
                   f"Worked solution: {steps} " + _quote_feedback(item), solution=list(item.solution))


def _result(item: QuizItem, score: float, correct: bool, verdict: str, feedback: str, **extra) -> Grade:
    return Grade(correct=correct, score=round(float(score), 3), verdict=verdict, feedback=feedback,
                 citation=item.citation, answer=item.answer, **extra)


def free_text_features(item: QuizItem, response: str, embedder, terms: Terms = NO_TERMS) -> dict:
    """The signals a free-text grade is built from (also what calibration fits on)."""
    texts = [response, item.answer, item.citation.quote, *item.distractors]
    vecs = embed_texts(texts, embedder)
    r = vecs[0]
    sim_key = float(np.dot(r, vecs[1]))
    sim_quote = float(np.dot(r, vecs[2]))
    sim_wrong = max((float(np.dot(r, v)) for v in vecs[3:]), default=-1.0)
    resp_stems = set(stems(response, synonyms=terms.synonyms))
    covered = [k for k in item.key_terms if coverage(k, resp_stems, terms.synonyms)]
    cov = len(covered) / len(item.key_terms) if item.key_terms else 0.0
    return {"sim_key": sim_key, "sim_quote": sim_quote, "sim_wrong": sim_wrong, "coverage": cov,
            "covered": covered, "missing": [k for k in item.key_terms if k not in covered],
            "swapped": swapped_pair(item.answer, response, terms)}


def score_free_text(f: dict, t: FreeTextThresholds, has_key_terms: bool = True) -> float:
    # Similarity to the quote is not used: wrong answers often echo the quote's words ("not a lawyer").
    sim = f["sim_key"]
    sem = min(1.0, max(0.0, (sim - t.sim_floor) / max(1e-6, t.sim_full - t.sim_floor)))
    score = t.sem_weight * sem + (1 - t.sem_weight) * f["coverage"] if has_key_terms else sem
    if f["sim_wrong"] > f["sim_key"] + t.wrong_margin or f.get("swapped"):
        score *= t.wrong_penalty
    return min(1.0, max(0.0, score))


def verdict_for(score: float, t: FreeTextThresholds) -> str:
    return "correct" if score >= t.correct else "partial" if score >= t.partial else "incorrect"


_DEFAULT_MODEL = object()


def grade_free_text(item: QuizItem, response: str, *, embedder, terms: Terms = NO_TERMS,
                    thresholds: FreeTextThresholds = THRESHOLDS, model=_DEFAULT_MODEL) -> Grade:
    """Score a written answer against the key by meaning, with partial credit and what was missing.

    With the fitted meaning model (quiz.meaning, the default when grader_model.json is present) 'correct' is the
    model's call, so a right answer in other words passes; partial credit and the feedback come from the key-term
    score below."""
    from .meaning import features as meaning_features, load_model

    f = free_text_features(item, response, embedder, terms)
    score = score_free_text(f, thresholds, bool(item.key_terms))
    verdict = verdict_for(score, thresholds)
    model = _packaged_model() if model is _DEFAULT_MODEL else model
    if model is not None:
        mf = meaning_features(item, response, embedder, terms)
        p = model.probability(mf)
        if p >= model.threshold and not f.get("swapped"):
            verdict, score = "correct", max(score, p)
        else:
            verdict = "partial" if verdict != "incorrect" or p >= model.partial else "incorrect"
            score = min(score, thresholds.correct - 0.01) if verdict == "partial" else min(score, thresholds.partial - 0.01)
            score = max(score, 0.0)
    missing = f["missing"]
    if verdict == "correct":
        head = "" if not missing else f"In substance; the key also mentions {_join(missing)}. "
        feedback = f"{head}{_quote_feedback(item).replace('reread', 'see')}"
    elif verdict == "partial" and not f.get("swapped"):
        what = f"it does not cover {_join(missing)}" if missing else "it is only part of the answer"
        feedback = f"{_cap(what)}. A full answer: {_sentence(item.answer)} " + _quote_feedback(item)
    else:
        if f.get("swapped"):
            a, b = f["swapped"]
            why = f"Your answer swaps {a} and {b}: what you say of one, the course says of the other."
        elif f["sim_key"] < thresholds.sim_floor + 0.1 and not f["covered"]:
            why = "Your answer does not address the question."
        elif f["sim_wrong"] > f["sim_key"] + thresholds.wrong_margin and f["sim_wrong"] >= 0.5:
            why = "Your answer matches a common misconception rather than the key."
        else:
            why = "Your answer misses the key idea" + (f" ({_join(missing)})." if missing else ".")
        feedback = f"{why} The answer: {_sentence(item.answer)} " + _quote_feedback(item)
    return _result(item, score, verdict == "correct", verdict, feedback, missing=missing,
                   similarity=round(f["sim_key"], 3), coverage=round(f["coverage"], 3))


_MODEL_CACHE: dict = {}


def _packaged_model():
    from .meaning import MODEL_FILE, load_model

    stamp = MODEL_FILE.stat().st_mtime_ns if MODEL_FILE.exists() else None
    if _MODEL_CACHE.get("stamp") != stamp:
        _MODEL_CACHE.update(stamp=stamp, model=load_model())
    return _MODEL_CACHE["model"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!", "”", '"')) else text + "."


def _join(terms: list[str]) -> str:
    quoted = [f"“{t}”" for t in terms]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
