"""The grader's view of words: strong stems, hyphens split, the course's abbreviations spelled out.

Built on imaging_tutor.text; `synonyms` is the course's own abbreviation map (Course.synonyms), so 'PPV' in an
answer meets 'positive predictive value' in the key for this course and nothing is hard-coded for any course.
"""
from __future__ import annotations

from typing import Mapping

from ..text import fold, stem as _stem, words as _words

# The grader's stopwords are fewer than text.FUNCTION_WORDS: hedges and comparisons ("like", "often", "usually",
# "even") stay content, because they change what an answer claims. "not"/"no" are dropped: a flipped meaning is
# caught by the semantic score and the known wrong options, not by counting negators.
STOPWORDS = frozenset("""
a an the and or but nor of to in on at by for with from into as is are was were be been being it its this that these
those there their they them he she his her we our you your i me my do does did can could should would may might
will shall not no so than then too very just also only such any each every all both some more most much many own
same other which who whom whose what when where why how if while about over under than via per
""".split())
NO_SYNONYMS: Mapping[str, str] = {}

__all__ = ["STOPWORDS", "fold", "stem", "words", "stems", "content_stems", "normalize_answer", "coverage", "support"]


def stem(word: str) -> str:
    return _stem(word, strong=True)


def words(text: str) -> list[str]:
    return _words(text, split_hyphens=True)


def stems(text: str, keep_stopwords: bool = False, synonyms: Mapping[str, str] = NO_SYNONYMS) -> list[str]:
    """Stems of the words of text, stopwords dropped unless asked; the course's abbreviations expanded."""
    out: list[str] = []
    for w in words(text):
        if w in synonyms:
            out.extend(stem(x) for x in words(synonyms[w]) if keep_stopwords or x not in STOPWORDS)
            continue
        if keep_stopwords or w not in STOPWORDS:
            out.append(stem(w))
    return out


def content_stems(text: str, synonyms: Mapping[str, str] = NO_SYNONYMS) -> set[str]:
    return set(stems(text, synonyms=synonyms))


def normalize_answer(text: str, synonyms: Mapping[str, str] = NO_SYNONYMS) -> str:
    """The canonical form used for exact-answer comparison: folded, stemmed, articles and punctuation gone."""
    ws = [w for w in words(text) if w not in ("a", "an", "the")]
    expanded: list[str] = []
    for w in ws:
        expanded.extend(words(synonyms[w]) if w in synonyms else [w])
    return " ".join(stem(w) for w in expanded)


def coverage(phrase: str, response_stems: set[str], synonyms: Mapping[str, str] = NO_SYNONYMS) -> bool:
    """True when every content word of phrase appears (stemmed) in the response."""
    need = content_stems(phrase, synonyms)
    return bool(need) and need <= response_stems


def support(claim: str, quote: str, synonyms: Mapping[str, str] = NO_SYNONYMS) -> float:
    """Fraction of the claim's content words found in the quote (0 when the claim has none)."""
    need = content_stems(claim, synonyms)
    if not need:
        return 0.0
    return len(need & content_stems(quote, synonyms)) / len(need)
