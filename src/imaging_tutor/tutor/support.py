"""Support measure for grounding evals: does the cited section back this answer sentence?

This is lexical + embedding *similarity*, not entailment. A sentence counts as supported when it is close to
one sentence (or two adjacent sentences) of the cited section, by content-word coverage / longest common
substring and by MiniLM cosine, with two cheap guards: every number in the claim must occur in the section,
and the claim must not flip a negation of the passage it leans on.

A sentence that names the cited section's title and adds at most three content words ("Read more: <title>")
is a pointer and counts as supported.
What it detects: invented claims in other words, sentences cited to the wrong section, invented numbers,
simple polarity flips ("does not guarantee" -> "guarantees"), partial sentences whose extra clause adds
content words the passage lacks.
What it cannot detect: a claim that rearranges the section's own words into a false statement without a
negation or number changing (swapped terms such as "sensitivity is how many true negatives it leaves
alone", antonyms such as "fast and cheap" for "slow and costly"), nor subtle hedging changes.
The thresholds were chosen on `evals/support_labels.jsonl`; `evaluate_labels` reproduces the numbers.
"""
from __future__ import annotations

import json
import re
import weakref
import itertools
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

import numpy as np

from ..corpus.course import Course
from ..corpus.sentences import sentences as split_text

MARKER = re.compile(r"\[(\d+)\.(\d+)\]")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NEGATIONS = {"not", "no", "never", "cannot", "can't", "don't", "doesn't", "isn't", "aren't", "won't", "without",
              "nor", "neither", "none", "didn't", "wasn't", "shouldn't", "mustn't"}
_STOPWORDS = set("""
a an the and or but if then so as of in on at to for from by with into onto over under about than that this these
those there here it its it's is are was were be been being do does did has have had having will would can could
should may might must shall i you he she we they me him her us them my your our their what which who whom whose
when where why how all any both each few more most other some such only own same too very just also even still
yet often usually like e.g i.e etc one two per up out off again further once
""".split()) - _NEGATIONS

# Chosen by `calibrate` (grid search for F0.5: precision weighs double, since a fabricated sentence scored as
# grounded hides a real failure) on the 56 labels of evals/support_labels.jsonl: precision 0.96, recall 0.86
# on those labels; leave-one-out (thresholds re-chosen without each held-out label): precision 0.88, recall 0.79.
VERBATIM = 0.92        # a common run covering this share of the claim: the sentence quotes the passage
LEXICAL_MIN = 0.65     # content-word coverage needed together with ...
COSINE_MIN = 0.70      # ... this cosine to the same passage
COSINE_STRONG = 0.75   # a paraphrase this close counts with fewer shared words ...
LEXICAL_FLOOR = 0.40   # ... but never with fewer than this share
POINTER_EXTRA_WORDS = 3  # "The course covers this in <title>" names its section; more words make it a claim


_PASSAGE_MEMO: "weakref.WeakKeyDictionary[Any, dict[str, np.ndarray]]" = weakref.WeakKeyDictionary()


class Embedder(Protocol):
    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class Support:
    """How one sentence relates to one cited section."""

    supported: bool
    ref: str
    lexical: float
    cosine: float
    passage: str
    reason: str

    def as_dict(self) -> dict:
        return {"supported": self.supported, "ref": self.ref, "lexical": round(self.lexical, 3),
                "cosine": round(self.cosine, 3), "passage": self.passage, "reason": self.reason}


def strip_markers(text: str) -> str:
    """The sentence without its [C.S] citation markers."""
    return re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", MARKER.sub("", text))).strip()


def _fold(text: str) -> str:
    return (text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
            .replace("–", "-").replace("—", "-"))


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith("ss"):
            return word[: -len(suffix)] + repl
    return word


def content_words(text: str) -> set[str]:
    """Lower-cased, lightly stemmed words that carry content (stopwords and negations removed)."""
    return {_stem(w) for w in _WORD.findall(_fold(text)) if w not in _STOPWORDS and w not in _NEGATIONS}


def _negated(text: str) -> bool:
    words = set(_WORD.findall(_fold(text)))
    return bool(words & _NEGATIONS) or "n't" in _fold(text)


def coverage(claim: str, passage: str) -> float:
    """Share of the claim's content words that occur in the passage."""
    words = content_words(claim)
    if not words:
        return 0.0
    return len(words & content_words(passage)) / len(words)


def common_run(claim: str, passage: str) -> float:
    """Longest common substring, as a share of the claim's length (1.0 = the claim is quoted verbatim)."""
    a, b = _fold(claim), _fold(passage)
    if not a:
        return 0.0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size / len(a)


class SupportMeasure:
    """Scores answer sentences against the sections they cite; section passages are embedded once and cached."""

    def __init__(self, course: Course, embedder: Embedder, *, verbatim: float = VERBATIM,
                 lexical_min: float = LEXICAL_MIN, cosine_min: float = COSINE_MIN,
                 cosine_strong: float = COSINE_STRONG, lexical_floor: float = LEXICAL_FLOOR):
        self.course = course
        self.embedder = embedder
        self.verbatim, self.lexical_min, self.cosine_min = verbatim, lexical_min, cosine_min
        self.cosine_strong, self.lexical_floor = cosine_strong, lexical_floor
        self._texts: dict[str, list[str]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._numbers: dict[str, set[str]] = {}
        self._claims: dict[str, np.ndarray] = {}

    def prepare(self, pairs: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Embed, in two batches, whatever scoring these (sentence, refs) pairs will need.

        Quotes, pointers and invented numbers are settled without the model, so an extractive answer costs
        almost nothing; only undecided sentences and the sections they cite are embedded.
        """
        claims: list[str] = []
        refs: list[str] = []
        for sentence, cited in pairs:
            for ref in cited:
                if self.course.has_ref(ref) and self._settle(strip_markers(sentence), ref) is None:
                    claims.append(strip_markers(sentence))
                    refs.append(ref)
        todo = list(dict.fromkeys(c for c in claims if c not in self._claims))
        if todo:
            self._claims.update(zip(todo, self.embedder.embed(todo)))
        self._embed_sections(refs)

    def seed(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Reuse vectors this embedder already produced for course text (e.g. the sentences stored at ingest)."""
        memo = _PASSAGE_MEMO.setdefault(self.embedder, {})
        for text, vector in zip(texts, vectors):
            memo.setdefault(re.sub(r"\s+", " ", text), np.asarray(vector, dtype=np.float32))

    def _claim_vector(self, claim: str) -> np.ndarray:
        if claim not in self._claims:
            self._claims[claim] = self.embedder.embed([claim])[0]
        return self._claims[claim]

    def texts(self, ref: str) -> list[str]:
        """The section's sentences, its adjacent-sentence pairs (a claim may merge two) and its title."""
        if ref not in self._texts:
            sec = self.course.section(ref)
            sents = [re.sub(r"\s+", " ", s) for s in split_text(sec.text)]
            self._texts[ref] = sents + [f"{a} {b}" for a, b in zip(sents, sents[1:])] + [sec.section_title]
            self._numbers[ref] = set(_NUMBER.findall(sec.text))
        return self._texts[ref]

    def _section_vectors(self, ref: str) -> np.ndarray:
        if ref not in self._vectors:
            self._embed_sections([ref])
        return self._vectors[ref]

    def _embed_sections(self, refs: list[str]) -> None:
        todo = [r for r in dict.fromkeys(refs) if r not in self._vectors and self.course.has_ref(r)]
        if not todo:
            return
        # One batch for every section needed (the model is far faster on a batch than on many small calls), and
        # a per-process memo so repeated runs (tests, the API) embed the course once.
        memo = _PASSAGE_MEMO.setdefault(self.embedder, {})
        wanted = [t for ref in todo for t in self.texts(ref)]
        missing = list(dict.fromkeys(t for t in wanted if t not in memo))
        if missing:
            memo.update(zip(missing, self.embedder.embed(missing)))
        for ref in todo:
            self._vectors[ref] = np.stack([memo[t] for t in self.texts(ref)])

    def score(self, sentence: str, ref: str) -> Support:
        """Support of one sentence by one section (an unknown ref is never support)."""
        found = self.features(sentence, ref)
        return found if found.reason else self.decide(found)

    def _settle(self, claim: str, ref: str) -> Support | None:
        """The verdicts that need no model: unknown ref, empty sentence, pointer, quote, invented number."""
        if not self.course.has_ref(ref):
            return Support(False, ref, 0.0, 0.0, "", "unknown ref")
        if not claim:
            return Support(False, ref, 0.0, 0.0, "", "empty sentence")
        texts = self.texts(ref)
        missing = set(_NUMBER.findall(claim)) - self._numbers[ref]
        runs = [common_run(claim, t) for t in texts]
        best = int(np.argmax(runs))
        if missing:
            return Support(False, ref, runs[best], 0.0, texts[best], f"number not in section: {', '.join(sorted(missing))}")
        if self._names_section(claim, ref):
            return Support(True, ref, 1.0, 1.0, self.course.section(ref).section_title, "points to the section")
        if runs[best] >= self.verbatim:
            return Support(True, ref, runs[best], 1.0, texts[best], "quoted")
        return None

    def features(self, sentence: str, ref: str) -> Support:
        """Similarity to the best passage; settled here (non-empty reason) when a guard or a quote decides."""
        claim = strip_markers(sentence)
        settled = self._settle(claim, ref)
        if settled is not None:
            return settled
        texts = self.texts(ref)
        lexical = [max(coverage(claim, t), common_run(claim, t)) for t in texts]
        cosines = self._section_vectors(ref) @ self._claim_vector(claim)
        # The passage the claim leans on: the best blend of both signals.
        best = int(np.argmax(np.asarray(lexical) + cosines))
        lex, cos, passage = float(lexical[best]), float(cosines[best]), texts[best]
        if _negated(claim) != _negated(passage):
            return Support(False, ref, lex, cos, passage, "negation differs from the passage")
        return Support(False, ref, lex, cos, passage, "")

    def decide(self, f: Support, thresholds: tuple[float, float, float, float] | None = None) -> Support:
        """Apply the similarity thresholds to an undecided feature record."""
        lexical_min, cosine_min, cosine_strong, lexical_floor = thresholds or (
            self.lexical_min, self.cosine_min, self.cosine_strong, self.lexical_floor)
        if f.lexical >= lexical_min and f.cosine >= cosine_min:
            return replace(f, supported=True, reason="shared wording and meaning")
        if f.cosine >= cosine_strong and f.lexical >= lexical_floor:
            return replace(f, supported=True, reason="close paraphrase")
        return replace(f, supported=False, reason="too far from every passage")

    def _names_section(self, claim: str, ref: str) -> bool:
        """A pointer such as "Read more: <title>": names the cited section and claims little else."""
        title = self.course.section(ref).section_title
        return _fold(title) in _fold(claim) and len(content_words(claim) - content_words(title)) <= POINTER_EXTRA_WORDS

    def score_any(self, sentence: str, refs: Iterable[str]) -> Support:
        """Best support among the sentence's cited refs (supported if any one of them supports it)."""
        results = [self.score(sentence, r) for r in refs]
        if not results:
            return Support(False, "", 0.0, 0.0, "", "no citation")
        return max(results, key=lambda s: (s.supported, s.lexical + s.cosine))


@dataclass(frozen=True)
class LabelReport:
    """Agreement of the measure with hand labels."""

    n: int
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int
    errors: list[dict]

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        positive = self.true_positive + self.false_negative
        return self.true_positive / positive if positive else 1.0

    def as_dict(self) -> dict:
        return {"n": self.n, "precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "tp": self.true_positive, "fp": self.false_positive, "fn": self.false_negative,
                "tn": self.true_negative, "errors": self.errors}


def read_labels(path: str | Path) -> list[dict]:
    """Labelled (sentence, ref, supported) pairs, one JSON object a line."""
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_labels(measure: SupportMeasure, labels: list[dict]) -> LabelReport:
    """Precision/recall of `supported` against hand labels (positive class: supported)."""
    tp = fp = fn = tn = 0
    errors = []
    measure.prepare((r["sentence"], [r["ref"]]) for r in labels)
    for row in labels:
        got = measure.score(row["sentence"], row["ref"])
        want = bool(row["supported"])
        if got.supported and want:
            tp += 1
        elif got.supported:
            fp += 1
        elif want:
            fn += 1
        else:
            tn += 1
        if got.supported != want:
            errors.append({**row, **{k: v for k, v in got.as_dict().items() if k != "supported"}})
    return LabelReport(len(labels), tp, fp, fn, tn, errors)


GRID = {
    "lexical_min": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8),
    "cosine_min": (0.55, 0.6, 0.65, 0.7, 0.75),
    "cosine_strong": (0.7, 0.75, 0.8, 0.85, 0.9, 1.01),
    "lexical_floor": (0.3, 0.4, 0.5),
}


def _f_half(tp: int, fp: int, fn: int) -> float:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def calibrate(measure: SupportMeasure, labels: list[dict]) -> dict:
    """Grid-search the similarity thresholds for F0.5 on the labels, with a leave-one-out estimate.

    Ties go to the stricter setting (higher thresholds). Returns the chosen thresholds, their in-sample
    confusion counts and the leave-one-out counts (thresholds re-chosen without each held-out label).
    """
    measure.prepare((r["sentence"], [r["ref"]]) for r in labels)
    feats = [measure.features(r["sentence"], r["ref"]) for r in labels]
    want = np.array([bool(r["supported"]) for r in labels])
    settled = np.array([bool(f.reason) for f in feats])
    settled_as = np.array([f.supported for f in feats])
    lex = np.array([f.lexical for f in feats])
    cos = np.array([f.cosine for f in feats])
    grid = np.array(list(itertools.product(*GRID.values())))  # (g, 4): lexical_min, cosine_min, cosine_strong, floor
    by_rule = ((lex >= grid[:, [0]]) & (cos >= grid[:, [1]])) | ((cos >= grid[:, [2]]) & (lex >= grid[:, [3]]))
    got = np.where(settled, settled_as, by_rule)  # (g, n) verdicts
    tp_i, fp_i, fn_i = got & want, got & ~want, ~got & want
    tp, fp, fn = tp_i.sum(1), fp_i.sum(1), fn_i.sum(1)

    def pick(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> int:
        scores = [_f_half(int(a), int(b), int(c)) for a, b, c in zip(tp, fp, fn)]
        return max(range(len(grid)), key=lambda g: (round(scores[g], 12), tuple(grid[g])))

    chosen = pick(tp, fp, fn)
    loo = [0, 0, 0]
    for i in range(len(labels)):
        g = pick(tp - tp_i[:, i], fp - fp_i[:, i], fn - fn_i[:, i])
        loo[0] += bool(tp_i[g, i])
        loo[1] += bool(fp_i[g, i])
        loo[2] += bool(fn_i[g, i])

    def pr(tp: int, fp: int, fn: int) -> dict:
        return {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
                "tp": tp, "fp": fp, "fn": fn}

    return {"thresholds": {k: float(v) for k, v in zip(GRID, grid[chosen])},
            "in_sample": pr(int(tp[chosen]), int(fp[chosen]), int(fn[chosen])), "leave_one_out": pr(*loo)}
