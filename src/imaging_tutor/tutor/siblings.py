"""Sibling terms mined from a course's own text: terms it lists together or defines side by side.

Two terms are siblings when the course coordinates them ("sensitivity, specificity, PPV and NPV", "PACS or RIS",
"human, not technical", "X vs Y", "X/Y") or defines both in one section ("Sensitivity is ...", "Specificity is ...").
Siblings share a role, so one is never a paraphrase of the other: a claim that puts one where its passage has the
other misstates the passage. Nothing is listed by hand; a new course gets its own siblings from its own text.
Multi-word terms that differ in one word ("false positive" / "false negative", "positive predictive value" /
"negative predictive value" after the course's acronyms are spelled out) make those two words siblings too.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations
from typing import Iterable, Mapping

from ..corpus.sentences import sentences as split_sentences
from ..text import FUNCTION_WORDS
from .claims import EXCLUSIVE, NEGATORS, QUANTIFIERS, _prepare, stem

_SEPARATORS = frozenset({",", "and", "or", "vs", "versus", "nor", "not"})
MAX_TERM_WORDS = 3
OPENING_WORDS = 6
_CALLED = re.compile(r"\b(?:called|known as|termed|referred to as)\s+[\"\u201c']?((?:[A-Za-z][\w-]*\s*){1,3})",
                     re.IGNORECASE)
_DEFINITION = re.compile(r"^(?:an?\s+|the\s+)?([A-Za-z][\w-]*(?:\s+[\w-]+){0,2}?)\s+(?:is|are|means|refers to)\s",
                         re.IGNORECASE)


@dataclass
class Siblings:
    """Word-level and phrase-level sibling relations of one course."""

    words: dict[str, set[str]] = field(default_factory=dict)
    strong: dict[str, set[str]] = field(default_factory=dict)  # from whole list items or definitions, not list edges
    phrases: dict[tuple[str, ...], set[tuple[str, ...]]] = field(default_factory=dict)
    named: set[str] = field(default_factory=set)       # names the course writes in capitals (PACS, DICOM, HL7)
    concepts: set[tuple[str, ...]] = field(default_factory=set)  # what it defines, names ("called X") or spells out
    terms: set[tuple[str, ...]] = field(default_factory=set)  # multi-word list items and section-title terms
    openings: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)  # how a section's sentences open

    def add(self, a: tuple[str, ...], b: tuple[str, ...], strong: bool = True) -> None:
        if a == b or not a or not b:
            return
        if len(a) == 1 and len(b) == 1:
            for table in (self.words, self.strong) if strong else (self.words,):
                table.setdefault(a[0], set()).add(b[0])
                table.setdefault(b[0], set()).add(a[0])
            return
        if len(a) == len(b):
            diff = [(x, y) for x, y in zip(a, b) if x != y]
            if len(diff) == 1:
                self.add((diff[0][0],), (diff[0][1],), strong)
        if set(a) & set(b):
            return  # "risk assessment" / "risk" share a word: a narrower term, not a sibling
        self.phrases.setdefault(a, set()).add(b)
        self.phrases.setdefault(b, set()).add(a)

    def are(self, a: str, b: str, strong: bool = False) -> bool:
        return b in (self.strong if strong else self.words).get(a, ())


def _items(words: list[str]) -> list[list[tuple[str, ...]]]:
    """Coordinated groups of a sentence: short runs of content words joined only by separators, with at least one
    coordinator ('and', 'or', 'vs', 'not', '/'), so that commas between clauses make no siblings."""
    units: list[tuple[str, ...] | str] = []
    run: list[str] = []
    for w in words + ["."]:
        if w.isalpha() and w not in FUNCTION_WORDS and w not in NEGATORS and w not in QUANTIFIERS and w not in EXCLUSIVE and len(w) > 1:
            run.append(w)
            continue
        if run:
            units.append(tuple(stem(x) for x in run) if len(run) <= MAX_TERM_WORDS else "break")
            run = []
        units.append("sep" if w == "," else "coord" if w in _SEPARATORS else "open" if w == "(" else "break")
    groups: list[list[tuple[str, ...]]] = []
    current: list[tuple[str, ...]] = []
    joined = coordinated = in_aside = False

    def close() -> None:
        if len(current) > 1 and coordinated:
            groups.append(list(current))

    for u in units:
        if isinstance(u, tuple):
            if current and joined:
                current.append(u)
            else:
                close()
                current, coordinated = [u], False
            joined = False
        elif u in ("sep", "coord") and current:
            joined = True
            # inside parentheses a comma is enough: "(thresholds, integration points, quality gates)"
            coordinated = coordinated or u == "coord" or in_aside
        else:
            close()
            current, joined, coordinated = [], False, False
            in_aside = u == "open"
    return groups


COMMON_SHARE = 0.25
_GENERIC_OPENERS = frozenset(stem(w) for w in "another common practical next key good main first simple useful real "
                             "same big general important typical".split())


def _term_words(text: str, synonyms: Mapping[str, str]) -> list[str]:
    return [stem(w) for w in _prepare(text, synonyms) if w.isalnum() and w not in FUNCTION_WORDS]


def _term(text: str, synonyms: Mapping[str, str]) -> tuple[str, ...]:
    words = [w for w in _prepare(text, synonyms) if w.isalnum() and w not in FUNCTION_WORDS and w not in NEGATORS]
    return tuple(stem(w) for w in words[:MAX_TERM_WORDS])


def mine(texts: Iterable[tuple[str, str]], synonyms: Mapping[str, str]) -> Siblings:
    """Siblings from (section ref, text) pairs: coordinated terms anywhere, defined terms within a section."""
    found = Siblings()
    defined: dict[str, set[tuple[str, ...]]] = {}
    texts_list = list(texts)
    for ref, text in texts_list:
        for sentence in split_sentences(text):
            for group in _items(_prepare(sentence, synonyms)):
                for a, b in combinations(group, 2):
                    found.add(a, b)
                # The first run may start before the list ("changes sensitivity, specificity") and the last may run
                # past it: their edge words stand beside the single-word items.
                singles = [g for g in group if len(g) == 1]
                for edge in (group[0][-1:], group[-1][:1]):
                    for single in singles:
                        found.add(edge, single, strong=False)
            m = _DEFINITION.match(sentence.strip())
            if m:
                term = _term(m.group(1), synonyms)
                if term:
                    defined.setdefault(ref, set()).add(term)
                    found.concepts.add(term)
            for m in _CALLED.finditer(sentence):
                term = _term(m.group(1), synonyms)
                if term:
                    found.concepts.add(term)
    for long in synonyms.values():
        term = _term(long, synonyms)
        if len(term) > 1:
            found.concepts.add(term)
    # a concept is specific: not "another example", not a word most sections use ("model", "image")
    sections = [set(_term_words(text, synonyms)) for _, text in texts_list]
    common = {w for w in set().union(*sections) if sum(w in s for s in sections) > COMMON_SHARE * len(sections)}
    found.concepts = {c for c in found.concepts
                      if c[0] not in _GENERIC_OPENERS and not (len(c) == 1 and c[0] in common)}
    for terms in defined.values():
        for a, b in combinations(sorted(terms), 2):
            found.add(a, b)
    return found


_CAPITALISED = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*|[A-Z]{2,})\b")


def mine_names(texts: Iterable[str], titles: Iterable[str], synonyms: Mapping[str, str], found: Siblings,
               refs_texts: Iterable[tuple[str, str]] = ()) -> None:
    """Names (words in capitals, not expanded as acronyms) and the course's multi-word terms, into found."""
    from .claims import analyse

    for ref, text in refs_texts:
        for sentence in split_sentences(text):
            opening = tuple(analyse(sentence, synonyms).content[:OPENING_WORDS])
            if opening:
                found.openings.setdefault(ref, set()).add(opening)
    for title in titles:
        for part in re.split(r",|\band\b|\bor\b|:|\bvs\.?|\bversus\b", title):
            words = tuple(analyse(part, synonyms).content)
            if 2 <= len(words) <= 3:
                found.terms.add(words)
    for text in texts:
        for sentence in split_sentences(text):
            for m in _CAPITALISED.finditer(sentence):
                word = m.group(1).lower()
                if word not in synonyms or len(synonyms[word].split()) < 2:
                    found.named.add(stem(word))
    # terms: the multi-word items of the course's lists (mined above) and its section titles
    found.terms.update(k for k in found.phrases if len(k) >= 2)
