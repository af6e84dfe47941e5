"""Is a free-text answer right in the learner's own words? Signals of meaning, and a small fitted model over them.

The signals: how close the answer is to the key as a whole and idea by idea (so a long answer in other words still
meets each part of the key), the key's words found in the answer allowing typos and clipped abbreviations ("perf",
"env"), the course's abbreviations spelled out, whether the answer is nearer a known wrong option or just repeats the
question, and whether it adds a negation or an absolute claim ("always", "guarantees") the key and the course do not
make. A logistic model turns them into the probability that a teacher would mark the answer right.

Fitted by calibration.fit_grader() on evals/quiz/grading_fit.jsonl and grading_labels.jsonl only; measured on
grading_eval.jsonl, which it never sees (numbers in evals/quiz/README.md). What it cannot do: judge a claim that
is true but absent from the key and the cited passage, or an answer whose only error is a subtle detail.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .schema import QuizItem
from .similarity import embed_texts
from .swaps import swapped_pair
from .terms import NO_TERMS, Terms
from .text import STOPWORDS, fold, stem, words

MODEL_FILE = Path(__file__).with_name("grader_model.json")
FEATURES = ("sim_key", "idea_cover", "idea_min", "term_cover", "word_recall", "wrong_margin", "echo", "negation",
            "absolute", "swapped", "short", "sim_quote")
_NEG = re.compile(r"\b(?:not|no|never|none|nothing|cannot|can't|doesn't|don't|isn't|aren't|won't|without|instead of|"
                  r"rather than|neither|nor|n't)\b", re.IGNORECASE)
_ABSOLUTE = re.compile(r"\b(?:always|never|all|every|guarantee[sd]?|completely|perfect(?:ly)?|entirely|only|any|"
                       r"replaces?|eliminates?|no need|100%|certain(?:ly)?)\b", re.IGNORECASE)


def _content(text: str, synonyms) -> list[str]:
    out = []
    for w in words(text):
        for x in (synonyms[w].split() if w in synonyms else [w]):
            if x not in STOPWORDS and len(x) > 1:
                out.append(x)
    return out


@lru_cache(maxsize=100_000)
def _close(a: str, b: str) -> bool:
    """Same word allowing a typo (one edit in 5+ letters, two in 9+) or a clipped form ('perf' for 'performance')."""
    if a == b or stem(a) == stem(b):
        return True
    if len(a) >= 3 and len(b) > len(a) + 1 and b.startswith(a):
        return True  # an abbreviation by clipping
    n = max(len(a), len(b))
    if n < 5 or abs(len(a) - len(b)) > 2:
        return False
    limit = 1 if n < 9 else 2
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev[j - 2] + 1 if j >= 2 else cur[j])
        prev = cur
        if min(prev) > limit:
            return False
    return prev[-1] <= limit


def _found(word: str, pool: list[str]) -> bool:
    return any(_close(p, word) for p in pool)


def ideas(key: str) -> list[str]:
    """The parts of a key answer: sentences, then clauses joined by ';', ', and', ' and ' or commas (3+ words each)."""
    parts = [p.strip() for p in re.split(r"[.;:!?]\s+|\s+—\s+|\)\s*(?:and|,)\s+", key) if p.strip()]
    out = []
    for p in parts:
        pieces = [x.strip(" ,()") for x in re.split(r",\s+(?:and\s+|or\s+)?|\s+and\s+|\s+but\s+", p)]
        good = [x for x in pieces if len(x.split()) >= 3]
        out.extend(good if len(good) >= 2 else [p.strip(" ,()")])
    return [o for o in out if o] or [key]


def _clauses(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"[.;:!?]\s+|,\s+|\s+—\s+|\s+-\s+", text) if len(p.split()) >= 2]
    return parts or [text]


def features(item: QuizItem, response: str, embedder, terms: Terms = NO_TERMS) -> dict:
    """The signals for one answer to one item (see the module docstring)."""
    syn = terms.synonyms
    key = item.answer
    key_ideas = ideas(key)
    resp_clauses = _clauses(response)
    texts = [response, key, item.citation.quote, item.prompt, *key_ideas, *resp_clauses, *item.distractors]
    vecs = embed_texts(texts, embedder)
    r, k, q, p = vecs[0], vecs[1], vecs[2], vecs[3]
    iv = vecs[4:4 + len(key_ideas)]
    cv = vecs[4 + len(key_ideas):4 + len(key_ideas) + len(resp_clauses)]
    dv = vecs[4 + len(key_ideas) + len(resp_clauses):]
    per_idea = [max(float(i @ r), float(np.max(cv @ i)) if len(cv) else 0.0) for i in iv]
    sim_key = float(r @ k)
    sim_wrong = max((float(d @ r) for d in dv), default=-1.0)
    resp_words = _content(response, syn)
    key_words = list(dict.fromkeys(_content(key, syn)))
    recall = sum(_found(w, resp_words) for w in key_words) / len(key_words) if key_words else 0.0
    kt = item.key_terms
    covered = [t for t in kt if all(_found(w, resp_words) for w in _content(t, syn))]
    cover = len(covered) / len(kt) if kt else recall
    reference = f"{key} {item.citation.quote} {item.prompt}"
    negation = float(len(_NEG.findall(response)) > len(_NEG.findall(key)) and not _NEG.search(item.citation.quote))
    added_absolutes = {m.lower() for m in _ABSOLUTE.findall(response)} - {m.lower() for m in _ABSOLUTE.findall(reference)}
    return {
        "sim_key": sim_key,
        "idea_cover": float(np.mean(per_idea)),
        "idea_min": float(np.min(per_idea)),
        "term_cover": cover,
        "word_recall": recall,
        "wrong_margin": sim_wrong - sim_key if dv.size else -0.3,
        "echo": float(r @ p) - sim_key,
        "negation": negation,
        "absolute": float(bool(added_absolutes)),
        "swapped": float(bool(swapped_pair(key, response, terms))),
        "short": 1.0 / math.sqrt(max(1, len(resp_words))),
        "sim_quote": float(r @ q),
        "_covered": covered,
        "_missing": [t for t in kt if t not in covered],
    }


@dataclass(frozen=True)
class MeaningModel:
    """Logistic regression over FEATURES (standardised), and the probability a 'correct' verdict needs."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float
    partial: float  # below threshold, at least this probability is partial credit
    fitted_on: str = ""

    def probability(self, f: dict) -> float:
        x = (np.array([f[n] for n in FEATURES]) - np.array(self.mean)) / np.array(self.scale)
        z = float(x @ np.array(self.weights) + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def save(self, path: Path = MODEL_FILE) -> None:
        path.write_text(json.dumps({"features": FEATURES, **self.__dict__}, indent=1) + "\n", encoding="utf-8")


def load_model(path: Path = MODEL_FILE) -> MeaningModel | None:
    if not path.is_file():
        return None
    d = json.loads(path.read_text(encoding="utf-8"))
    if tuple(d.get("features", ())) != FEATURES:
        return None  # fitted on other signals: refit before use
    return MeaningModel(tuple(d["mean"]), tuple(d["scale"]), tuple(d["weights"]), d["bias"], d["threshold"],
                        d["partial"], d.get("fitted_on", ""))


def fit(rows: list[tuple[dict, bool]], *, l2: float = 1.0, steps: int = 3000) -> tuple[np.ndarray, ...]:
    """Weights of an L2-regularised logistic regression (plain gradient descent; a few hundred rows)."""
    X = np.array([[f[n] for n in FEATURES] for f, _ in rows], dtype=float)
    y = np.array([1.0 if ok else 0.0 for _, ok in rows])
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    Z = (X - mean) / scale
    w, b = np.zeros(Z.shape[1]), 0.0
    lr = 0.1
    for _ in range(steps):
        pr = 1.0 / (1.0 + np.exp(-(Z @ w + b)))
        g = Z.T @ (pr - y) / len(y) + l2 * w / len(y)
        w -= lr * g
        b -= lr * float(np.mean(pr - y))
    return mean, scale, w, b


def fold_norm(text: str) -> str:
    return fold(text)
