"""The course's key terms as the quiz sees them: spellings, families, contrasting partners, abbreviations.

Mined from the course text first (quiz.mining: definitions, "called X", inline acronyms, section titles; siblings of
one section form a family); the optional glossary.json beside course.md only adds terms or overrides a mined term's
spelling, family, partner and flags. Never from code, so another course folder brings its own terms.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..corpus.course import Course


@dataclass(frozen=True)
class Term:
    """A key term of the course: display name, a regex for its spellings, its family, its contrasting partner."""

    name: str
    pattern: str
    family: str
    partner: str | None = None
    core: bool = True  # core terms may be asked about; distractor-only terms just fill options
    abbr: str | None = None
    distractor: bool = True  # may stand as a wrong option for other terms
    swap_in_statements: bool = False  # its swap with the partner reverses a claim wherever the course makes it

    @property
    def label(self) -> str:
        """How options and prompts name the term."""
        return f"{self.name} ({self.abbr})" if self.abbr and self.abbr.lower() not in self.name.lower() else self.name

    @property
    def regex(self) -> re.Pattern:
        return _compile(self.pattern)


@lru_cache(maxsize=None)
def _compile(pattern: str) -> re.Pattern:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Terms:
    """One course's terms, with the relations item generation and grading need."""

    all: tuple[Term, ...] = ()
    confusable_pairs: frozenset = frozenset()  # never wrong options for each other: either answer is defensible
    neighbours: dict = field(default_factory=dict)  # family -> families that lend it distractors
    synonyms: dict = field(default_factory=dict)  # abbreviation -> the words it stands for

    @property
    def by_name(self) -> dict[str, Term]:
        return {t.name: t for t in self.all}

    def confusable(self, a: str, b: str) -> bool:
        return frozenset((a, b)) in self.confusable_pairs


def in_half_the_sections(count: int, course: Course) -> bool:
    """Whether `count` sections are half or more of the course's (and at least two): what makes a word common."""
    return count >= max(2, len(course.sections) / 2)


def generic_stems(course: Course) -> frozenset[str]:
    """Words too common in this course to carry an answer's meaning: in half or more of its sections."""
    from ..text import stem, words

    def build() -> frozenset[str]:
        counts: dict[str, int] = {}
        for s in course.sections:
            for w in {stem(w, strong=True) for w in words(s.text, split_hyphens=True)}:
                counts[w] = counts.get(w, 0) + 1
        return frozenset(w for w, n in counts.items() if in_half_the_sections(n, course))

    return course.derived("quiz.generic_stems", build)


def common_terms(course: Course) -> frozenset[str]:
    """Names of this course's terms that half or more of its sections name ("model" in a course about AI in scans):
    the bar of generic_stems, so a term that names the course's subject is no idea to look for."""
    def build() -> frozenset[str]:
        return frozenset(t.name for t in course_terms(course).all
                         if in_half_the_sections(sum(bool(t.regex.search(s.text)) for s in course.sections), course))

    return course.derived("quiz.common_terms", build)


NO_TERMS = Terms()


def named_terms(text: str, terms: Terms) -> list[Term]:
    """The core terms a message names, in any of their spellings ("ppv" names positive predictive value)."""
    return [t for t in terms.all if t.core and t.regex.search(text)]


def _variants(terms: tuple[Term, ...]) -> frozenset:
    """Pairs of one section's terms that are forms of one word ('swarm' and 'swarming', 'compost' and
    'composting'): a statement about one is true of the other, so neither may be swapped in for the other."""
    from .text import stems

    key = {t.name: frozenset(stems(t.name)) for t in terms}
    return frozenset(frozenset((a.name, b.name)) for i, a in enumerate(terms) for b in terms[i + 1:]
                     if a.family == b.family and key[a.name] and key[a.name] == key[b.name])


def course_terms(course: Course) -> Terms:
    """The terms of this course (built once per parsed course)."""
    def build() -> Terms:
        from .mining import mine_terms, partners

        g = course.glossary
        listed = {t.name.lower(): Term(t.name, t.pattern, t.family, t.partner, t.core, t.abbr, t.distractor,
                                       t.swap_in_statements) for t in g.terms}
        mined = mine_terms(course)
        pairs = partners(mined)
        # A one-word section-title word named in a quarter or more of the sections ('report', 'scan') is everyday
        # vocabulary of this course, not something to ask about: it may still stand as a wrong option. Terms the
        # course defines stay askable however often it uses them.
        n_sections = max(1, len(course.sections))
        everyday = {m.name for m in mined if " " not in m.name and m.source == "title" and
                    sum(1 for s in course.sections if re.search(rf"(?<![\w-])(?:{m.pattern})(?![\w-])", s.text,
                                                                re.IGNORECASE)) >= n_sections / 4}
        out: dict[str, Term] = {}
        for m in mined:
            # A glossary entry overrides a mined term it spells (same name, or its pattern matches the mined name).
            over = listed.get(m.name.lower()) or next(
                (t for t in listed.values() if re.fullmatch(rf"(?:{t.pattern})", m.name, re.IGNORECASE)), None)
            if over is not None:
                out.setdefault(over.name.lower(), over)
                continue
            partner = pairs.get(m.name)
            out[m.name.lower()] = Term(m.name, m.pattern, f"section:{m.family}", partner, m.name not in everyday,
                                       m.abbr)
        for key, t in listed.items():
            out.setdefault(key, t)
        names = {t.name for t in out.values()}
        # A mined partner dropped in favour of a glossary spelling must not leave a dangling reference.
        terms = tuple(t if t.partner is None or t.partner in names else Term(t.name, t.pattern, t.family, None,
                                                                            t.core, t.abbr, t.distractor)
                      for t in out.values())
        return Terms(terms, frozenset(frozenset(p) for p in g.confusable) | _variants(terms), dict(g.neighbours),
                     dict(course.synonyms))

    return course.derived("quiz.terms", build)
