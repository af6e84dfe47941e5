"""Text normalisation for quiz answers: unify quotes and dashes, light stemming, content words."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_TRANSLATE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": " ", "–": " ", "−": "-", "×": "x",
                            "\u00a0": " "})
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
STOPWORDS = frozenset("""
a an the and or but nor of to in on at by for with from into as is are was were be been being it its this that these
those there their they them he she his her we our you your i me my do does did can could should would may might
will shall not no so than then too very just also only such any each every all both some more most much many own
same other which who whom whose what when where why how if while about over under than via per
""".split())
# Abbreviations the course itself spells out; matching either form counts as the same term.
SYNONYMS = {
    "ppv": "positive predictive value",
    "npv": "negative predictive value",
    "auc": "area under the curve",
    "fp": "false positive",
    "fn": "false negative",
    "ct": "computed tomography",
    "hu": "hounsfield units",
}


def fold(text: str) -> str:
    """Lowercase, NFKC, typographic quotes and dashes made plain, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE).lower()
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """A small suffix stripper: enough that 'flags'/'flagged'/'flagging' and 'detects'/'detection' meet."""
    w = word.lower().replace("'s", "")
    if len(w) <= 3 or w.isdigit():
        return w
    for suffix, repl in (("izations", "iz"), ("ization", "iz"), ("ational", "ate"), ("ations", "ate"), ("ation", "ate"),
                         ("ements", ""), ("ement", ""), ("ments", ""), ("ment", ""), ("nesses", ""), ("ness", ""),
                         ("ings", ""), ("ing", ""), ("ies", "y"), ("ied", "y"), ("edly", ""), ("ed", ""),
                         ("ions", ""), ("ion", ""), ("ers", ""), ("er", ""), ("ly", ""), ("sses", "ss"), ("es", ""),
                         ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                continue
            w = w[: -len(suffix)] + repl
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "ls":
        w = w[:-1]
    return w


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def stems(text: str, keep_stopwords: bool = False) -> list[str]:
    """Stems of the words of text, stopwords dropped unless asked; abbreviations expanded."""
    out: list[str] = []
    for w in words(text):
        if w in SYNONYMS:
            out.extend(stem(x) for x in SYNONYMS[w].split() if keep_stopwords or x not in STOPWORDS)
            continue
        if keep_stopwords or w not in STOPWORDS:
            out.append(stem(w))
    return out


def content_stems(text: str) -> set[str]:
    return set(stems(text))


def normalize_answer(text: str) -> str:
    """The canonical form used for exact-answer comparison: folded, stemmed, articles and punctuation gone."""
    ws = [w for w in words(text) if w not in ("a", "an", "the")]
    expanded: list[str] = []
    for w in ws:
        expanded.extend(SYNONYMS.get(w, w).split())
    return " ".join(stem(w) for w in expanded)


def coverage(phrase: str, response_stems: set[str]) -> bool:
    """True when every content word of phrase appears (stemmed) in the response."""
    need = content_stems(phrase)
    return bool(need) and need <= response_stems


def support(claim: str, quote: str) -> float:
    """Fraction of the claim's content words found in the quote (0 when the claim has none)."""
    need = content_stems(claim)
    if not need:
        return 0.0
    return len(need & content_stems(quote)) / len(need)
