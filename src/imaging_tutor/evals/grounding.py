"""The eval's grounding metric: token-level entailment of an answer sentence by the sentences of a section it cites.

Deliberately independent of the runtime verifier (imaging_tutor.tutor.support): no embeddings, no mined siblings, no
learned decision, no alignment. A sentence is grounded when

1. it quotes its section (the folded sentence occurs in the folded section text), or it is a pointer that names the
   section's title and adds at most three words ("Read more: [4.3] <title>"); or
2. one sentence of the cited section, or two adjacent ones, contain every number of the sentence, every word that
   changes meaning (negations, quantifiers, modals, comparatives), and at least ENTAILED of its content words in the
   same order (longest common subsequence of stems; course acronyms spelled out on both sides).

It is stricter than the verifier on paraphrase (few rewordings keep three in four content words) and blind to what
token overlap cannot see (a swapped term that both sentences contain, a role reversal). Its agreement with the
labelled claims of evals/verifier/eval.jsonl is reported by `imaging-tutor eval evals/verifier/eval.jsonl`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from ..corpus.course import Course
from ..corpus.sentences import sentences as split_text
from ..text import FUNCTION_WORDS, NEGATIONS, fold, stem, words

MARKER = re.compile(r"\[(\d+)\.(\d+)\]")
ENTAILED = 0.6          # share of the claim's content words the cited sentences must contain, in order
POINTER_EXTRA_WORDS = 3
# Grammar words that change what a sentence claims: they must come from the source, like numbers do.
MEANING_WORDS = frozenset("""
all every always never none nothing only most many some few several usually often sometimes rarely generally
typically may might can could will would must should cannot guarantee guarantees more less fewer least
""".split()) | NEGATIONS
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Grounded:
    """Whether one answer sentence is entailed by one cited section, token by token."""

    supported: bool
    ref: str
    coverage: float
    passage: str
    reason: str

    def as_dict(self) -> dict:
        return {"supported": self.supported, "ref": self.ref, "coverage": round(self.coverage, 3),
                "passage": self.passage, "reason": self.reason}


def _clean(text: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", re.sub(r"\s+", " ", MARKER.sub("", text))).strip()


def in_order(claim: tuple, passage: tuple) -> float:
    """Share of the claim's words found in the passage in the same order (longest common subsequence)."""
    if not claim:
        return 0.0
    prev = [0] * (len(passage) + 1)
    for a in claim:
        cur = [0]
        for j, b in enumerate(passage, start=1):
            cur.append(prev[j - 1] + 1 if a == b else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1] / len(claim)


class TokenEntailment:
    """Token-level entailment against the cited section's sentences (one instance per course)."""

    def __init__(self, course: Course):
        self.course = course

    def _expand(self, text: str) -> list[str]:
        out: list[str] = []
        for w in words(text, split_hyphens=True):
            long = self.course.synonyms.get(w)
            out.extend(long.split() if long and len(long.split()) > 1 else [w])
        return out

    @lru_cache(maxsize=20_000)
    def _bag(self, text: str) -> tuple[tuple, frozenset, frozenset]:
        """(content stems in order, meaning words, numbers) of a text."""
        ws = self._expand(text)
        content = tuple(stem(w) for w in ws if w not in FUNCTION_WORDS and w not in NEGATIONS and not w.isdigit())
        meaning = frozenset(w for w in ws if w in MEANING_WORDS) | (frozenset({"not"}) if "n't" in fold(text) else frozenset())
        return content, meaning, frozenset(_NUMBER.findall(text))

    @lru_cache(maxsize=2_000)
    def _sentences(self, ref: str) -> tuple[str, ...]:
        return tuple(re.sub(r"\s+", " ", s) for s in split_text(self.course.section(ref).text))

    def score(self, sentence: str, ref: str) -> Grounded:
        """Entailment of one sentence by one cited section."""
        claim = _clean(sentence)
        if not self.course.has_ref(ref):
            return Grounded(False, ref, 0.0, "", "unknown ref")
        if not claim:
            return Grounded(False, ref, 0.0, "", "empty sentence")
        section = self.course.section(ref)
        folded = fold(claim, dashes="-").rstrip(".")
        if folded and folded in fold(section.text, dashes="-"):
            return Grounded(True, ref, 1.0, claim, "quoted")
        title = fold(section.section_title, dashes="-")
        c_seq, c_meaning, c_numbers = self._bag(claim)
        c_content = frozenset(c_seq)
        t_content = frozenset(self._bag(section.section_title)[0])
        if title in fold(claim, dashes="-") and len(c_content - t_content) <= POINTER_EXTRA_WORDS:
            return Grounded(True, ref, 1.0, section.section_title, "points to the section")
        if not c_content:
            return Grounded(False, ref, 0.0, "", "no content words")
        best = Grounded(False, ref, 0.0, "", "no passage")
        sents = self._sentences(ref)
        candidates: Iterable[tuple[str, ...]] = [(s,) for s in sents] + list(zip(sents, sents[1:]))
        for group in candidates:
            bags = [self._bag(s) for s in group]
            cover = in_order(c_seq, tuple(w for b in bags for w in b[0]))
            if cover < best.coverage:
                continue
            missing_numbers = c_numbers - frozenset().union(*(b[2] for b in bags))
            missing_meaning = c_meaning - frozenset().union(*(b[1] for b in bags))
            if missing_numbers:
                reason = "number not in the cited sentences: " + ", ".join(sorted(missing_numbers))
            elif missing_meaning:
                reason = "meaning word not in the cited sentences: " + ", ".join(sorted(missing_meaning))
            elif cover < ENTAILED:
                reason = "too few content words in common"
            else:
                return Grounded(True, ref, cover, " ".join(group), "entailed by its tokens")
            best = Grounded(False, ref, cover, " ".join(group), reason)
        return best

    def score_any(self, sentence: str, refs: Iterable[str]) -> Grounded:
        """Grounded by any one of the cited sections."""
        results = [self.score(sentence, r) for r in refs]
        if not results:
            return Grounded(False, "", 0.0, "", "no citation")
        return max(results, key=lambda g: (g.supported, g.coverage))
