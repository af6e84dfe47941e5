"""Word-level text handling shared by BM25, the guard and support scoring: tokens, stopwords, light stemming."""
from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset("""
a an the and or but if then else of to in on at by for with without from into onto over under about as is are was
were be been being am do does did doing have has had having it its it's this that these those there here what which
who whom whose when where why how i me my mine we us our you your yours he him his she her they them their
can could should would may might must will shall not no nor so than too very just also only more most much many
some any each every all both few other such own same s t don doesn didn isn aren wasn weren won wouldn shouldn
tell explain please describe mean means meaning define definition course chapter section like get got one two
really thing things kind sort way ways use used using does did let lets give show
calculate calculated calculating compute computed computing calc figure example examples difference differences
differ important matter matters happen happens work works good bad better best worse main key basic basics simple
idea ideas concept concepts point purpose role goal actually exactly basically pls plz thanks thank hi hello hey
want wanna need know understand understanding question questions answer answers learn learning
""".split())

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
_SYNONYMS = {
    "ppv": "ppv", "npv": "npv", "ct": "ct", "mri": "mri", "xray": "x-ray", "x-rays": "x-ray",
    "ai": "ai", "fp": "false-positive", "fn": "false-negative",
}


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """A deliberately light stemmer: plural and common suffixes, enough to match 'labels'/'label', 'flagged'/'flag'."""
    w = word.replace("’", "'")
    if w in _SYNONYMS:
        return _SYNONYMS[w]
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ments", "ment"), ("ings", ""), ("ing", ""),
                         ("edly", ""), ("ed", ""), ("ly", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss" if suffix == "s" else "\0"):
            w = w[: -len(suffix)] + repl
            break
    if len(w) > 4 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]  # flagg -> flag
    return w


def words(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def tokens(text: str) -> list[str]:
    """Content-word stems of text (stopwords dropped)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1 or w.isdigit()]


def content_words(text: str) -> set[str]:
    return set(tokens(text))


_ACRONYM = re.compile(r"\(([A-Z][A-Za-z]{1,7})\)")


def _initials_fit(acronym: str, phrase: list[str]) -> bool:
    """'TAT' fits 'turnaround time': first letter opens the phrase, the rest follow in order, the last word is used."""
    letters = acronym.lower().rstrip("s") if len(acronym) > 2 and acronym.endswith("s") else acronym.lower()
    if not phrase or phrase[0][0] != letters[0]:
        return False
    joined, pos = "".join(phrase), 1
    last_word = len(joined) - len(phrase[-1])
    for i, ch in enumerate(letters[1:], start=2):
        pos = joined.find(ch, max(pos, last_word) if i == len(letters) else pos) + 1
        if not pos:
            return False
    return len(phrase) == 1 or pos > last_word


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms the text defines inline, 'turnaround time (TAT)' -> {'tat': 'turnaround time'}."""
    found: dict[str, str] = {}
    for m in _ACRONYM.finditer(text):
        acronym = m.group(1)
        before = re.findall(r"[A-Za-z][A-Za-z-]*", text[max(0, m.start() - 80):m.start()])
        for k in range(1, min(len(acronym), 6) + 1):
            phrase = [w.lower() for w in before[-k:]]
            if len(phrase) == k and _initials_fit(acronym, phrase):
                found.setdefault(acronym.lower(), " ".join(phrase))
                break
    return found


def expand_acronyms(question: str, acronyms: dict[str, str]) -> str:
    """Append the long form of any course-defined acronym the question uses and does not already spell out."""
    q_lower = question.lower()
    extra = [long for short, long in acronyms.items()
             if re.search(rf"\b{re.escape(short)}s?\b", q_lower) and long not in q_lower]
    return f"{question} ({'; '.join(extra)})" if extra else question
