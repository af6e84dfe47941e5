"""generate(): a practice quiz built from the course text (no model), validated, seeded and type-balanced."""
from __future__ import annotations

import random
from typing import Iterable, Sequence

from ..corpus.course import Course, Section
from ..errors import InvalidInput, NotFound
from .candidates import section_candidates
from .ids import digest
from .proposals import proposed_items
from .schema import ITEM_TYPES, Quiz, QuizItem, QuizSpec, Rejection
from .validate import DuplicateFilter, accept_in_order, check_items

MAX_COUNT = 200


def resolve_sections(course: Course, chapters: Iterable[int] | None = None,
                     refs: Iterable[str] | None = None) -> list[Section]:
    """The sections a quiz draws on: the given chapters and refs (all of the course when neither is given)."""
    chapters = list(chapters or [])
    refs = list(refs or [])
    if not chapters and not refs:
        return list(course.sections)
    wanted: dict[str, Section] = {}
    for n in chapters:
        try:
            number = int(n)
        except (TypeError, ValueError):
            raise InvalidInput(f"chapter must be a number, got {n!r}") from None
        for s in course.chapter(number).sections:
            wanted[s.ref] = s
    for ref in refs:
        s = course.section(str(ref).strip())
        wanted[s.ref] = s
    return sorted(wanted.values(), key=lambda s: (s.chapter, s.section))


def check_types(types: Sequence[str] | str | None) -> list[str]:
    if types is None:
        return list(ITEM_TYPES)
    if isinstance(types, str):
        types = [t for t in types.split(",")]
    out: list[str] = []
    for t in types:
        t = t.strip().lower()
        if t not in ITEM_TYPES:
            raise InvalidInput(f"unknown item type {t!r}; choose from {', '.join(ITEM_TYPES)}")
        if t not in out:
            out.append(t)
    if not out:
        raise InvalidInput(f"choose at least one item type from {', '.join(ITEM_TYPES)}")
    return out


def candidates(course: Course, sections: Sequence[Section], types: Sequence[str]) -> list[QuizItem]:
    """All candidate items of the wanted types for these sections, in course order."""
    return [it for s in sections for it in section_candidates(course, s.ref) if it.type in types]


def _interleave(items: list[QuizItem], types: Sequence[str], seed: int) -> list[QuizItem]:
    """A seeded order that cycles through the wanted types, so a short quiz still mixes them."""
    rng = random.Random(seed)
    queues = {t: sorted((it for it in items if it.type == t), key=lambda it: it.id) for t in types}
    for q in queues.values():
        rng.shuffle(q)
    order: list[QuizItem] = []
    while any(queues.values()):
        for t in types:
            if queues[t]:
                order.append(queues[t].pop())
    return order


def select(course: Course, pool: list[QuizItem], types: Sequence[str], seed: int,
           embedder) -> tuple[list[QuizItem], list[Rejection]]:
    """Validate the pool and accept items in seeded order, refusing duplicates; returns (accepted, rejections)."""
    checked = check_items(pool, course)
    ordered = _interleave(checked.valid, types, seed)
    accepted, dups = accept_in_order(ordered, embedder)
    return accepted, checked.rejections + dups


def quiz_id(course: Course, refs: Sequence[str], types: Sequence[str], count: int, seed: int) -> str:
    return "qz-" + digest(course.id, course.version, ",".join(refs), ",".join(types), count, seed, length=12)


def generate(course: Course, embedder, chapters: Iterable[int] | None = None, refs: Iterable[str] | None = None,
             count: int = 10, types: Sequence[str] | str | None = ITEM_TYPES, seed: int = 0, *, title: str = "",
             proposer=None) -> Quiz:
    """A practice quiz from the course text: same arguments (and course version) give the same quiz.

    When a proposer (an LLM) is passed, its proposals join the pool and pass the same
    validation. Raises NotFound for an unknown chapter or ref, InvalidInput for a bad count or type (naming how
    many items the chosen sections can supply).
    """
    types = check_types(types)
    try:
        count = int(count)
        seed = int(seed)
    except (TypeError, ValueError):
        raise InvalidInput("count and seed must be whole numbers") from None
    if count < 1:
        raise InvalidInput("count must be at least 1")
    if count > MAX_COUNT:
        raise InvalidInput(f"count must be at most {MAX_COUNT}")
    sections = resolve_sections(course, chapters, refs)
    pool = candidates(course, sections, types)
    if proposer is not None:
        pool += [it for it in proposed_items(course, sections, proposer) if it.type in types]
    accepted, rejections = select(course, pool, types, seed, embedder)
    scope = _describe(sections, chapters, refs)
    if count > len(accepted):
        raise InvalidInput(f"only {len(accepted)} distinct valid items are possible for {scope} "
                           f"with types {','.join(types)}; asked for {count}")
    spec = QuizSpec(chapters=sorted({int(c) for c in chapters}) if chapters else None,
                    refs=[str(r) for r in refs] if refs else None, count=count, types=types, seed=seed)
    ref_list = [s.ref for s in sections]
    return Quiz(id=quiz_id(course, ref_list, types, count, seed), title=title or f"Practice: {scope}",
                course_id=course.id, course_version=course.version, spec=spec, items=accepted[:count],
                rejections=rejections, possible=len(accepted))


def _describe(sections: Sequence[Section], chapters, refs) -> str:
    if not chapters and not refs:
        return "the whole course"
    parts = [f"chapter {c}" for c in (chapters or [])] + [f"section {r}" for r in (refs or [])]
    return ", ".join(parts)


def replacement(course: Course, quiz_items: Sequence[QuizItem], old: QuizItem, seed: int = 0, *,
                embedder) -> QuizItem:
    """A different valid item from the same section (same type when possible) that duplicates nothing kept."""
    kept = [it for it in quiz_items if it.id != old.id]
    pool = [it for it in section_candidates(course, old.citation.ref) if it.id != old.id
            and it.source_hash != old.source_hash]
    same_type = [it for it in pool if it.type == old.type]
    dup = DuplicateFilter(embedder=embedder, kept=kept)
    for group in (same_type, [it for it in pool if it.type != old.type]):
        checked = check_items(group, course).valid
        random.Random(f"{seed}:{old.id}").shuffle(checked)
        for cand in checked:
            if dup.check(cand) is None:
                return cand
    raise NotFound(f"no other valid item is available for section {old.citation.ref}")


def generate_for(services, *, chapters=None, refs=None, count: int = 10, types=ITEM_TYPES, seed: int = 0,
                 title: str = "") -> Quiz:
    """generate() on the configured course with the services' embedder (and LLM proposer, when configured)."""
    from .proposals import get_proposer

    return generate(services.course(), services.embedder, chapters=chapters, refs=refs, count=count, types=types,
                    seed=seed, title=title, proposer=get_proposer(services.settings))
