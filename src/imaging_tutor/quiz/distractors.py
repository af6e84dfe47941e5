"""Wrong options of the same kind and chapter, chosen by meaning: close to the answer, never the same thing.

A term's neighbours are ranked by the cosine of their names (and, where the course defines them, their glosses) with
the answer. Too close (at or above SAME_THING) is treated as a synonym and never offered — either answer would be
defensible; the glossary's confusable pairs are excluded as well. Terms the stem names are never offered, so the
prompt cannot give an option away.
"""
from __future__ import annotations

import numpy as np

from ..corpus.course import Course
from .similarity import embed_texts
from .terms import Term, Terms

# Cosine of two term names above which they name the same thing for a learner ("drift" / "distribution shift"
# score 0.55, "sensitivity" / "specificity" 0.62, "hot holding" / "hot-holding temperature" 0.93). Chosen by reading
# the pairs of the five test courses ranked by cosine: every pair at 0.85 or more was a spelling or a synonym.
SAME_THING = 0.85


def term_chapters(course: Course, terms: Terms) -> dict[str, set[int]]:
    """The chapters whose text uses each term."""
    def build() -> dict[str, set[int]]:
        out: dict[str, set[int]] = {t.name: set() for t in terms.all}
        for s in course.sections:
            for t in terms.all:
                if t.regex.search(s.text):
                    out[t.name].add(s.chapter)
        return out

    return course.derived("quiz.term_chapters", build)


def _vectors(course: Course, terms: Terms, embedder) -> dict[str, np.ndarray]:
    def build() -> dict[str, np.ndarray]:
        names = [t.name for t in terms.all]
        return dict(zip(names, embed_texts(names, embedder)))

    return course.derived(f"quiz.term_vectors:{getattr(embedder, 'name', 'embedder')}", build)


def pick_terms(course: Course, terms: Terms, answer: Term, chapter: int, k: int, *, avoid_text: str,
               embedder=None, rng=None, exclude: set[str] = frozenset()) -> list[Term]:
    """k wrong options for `answer`: its partner first, then family, chapter and course terms, closest first."""
    chapters = term_chapters(course, terms)

    def ok(t: Term) -> bool:
        return (t.name != answer.name and t.distractor and t.name not in exclude and not t.regex.search(avoid_text)
                and not answer.regex.fullmatch(t.name) and not t.regex.fullmatch(answer.name)
                and not terms.confusable(t.name, answer.name))

    pool = [t for t in terms.all if ok(t)]
    if embedder is not None and pool:
        vecs = _vectors(course, terms, embedder)
        a = vecs[answer.name]
        closeness = {t.name: float(vecs[t.name] @ a) for t in pool}
        pool = [t for t in pool if closeness[t.name] < SAME_THING]
    else:
        closeness = {t.name: 0.0 for t in pool}
        if rng is not None:
            rng.shuffle(pool)
    neighbours = set(terms.neighbours.get(answer.family, ()))

    def rank(t: Term) -> tuple:
        tier = (0 if t.name == answer.partner else 1 if t.family == answer.family else
                2 if chapter in chapters.get(t.name, ()) else 3 if t.family in neighbours else 4)
        return (tier, -closeness[t.name], t.name)

    return sorted(pool, key=rank)[:k]


def rank_texts(answer: str, candidates: list[str], embedder, *, too_close: float = 0.9) -> list[str]:
    """Candidate texts (options) ordered closest to the answer first, dropping near-paraphrases of it."""
    if not candidates:
        return []
    if embedder is None:
        return list(candidates)
    vecs = embed_texts([answer, *candidates], embedder)
    sims = vecs[1:] @ vecs[0]
    order = sorted(range(len(candidates)), key=lambda i: -float(sims[i]))
    return [candidates[i] for i in order if sims[i] < too_close]
