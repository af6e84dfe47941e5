"""generate(): a practice quiz built from the course text (no model), validated, seeded and balanced.

Balanced means: the asked types share the quiz evenly (as far as the pool allows), at least a quarter of the items are
at level apply when the scope has that many, true/false items are 40–60% false, and concepts and passages repeat only
when nothing else is left. Retired items (staff retired them after learners' answers showed they misbehave) are
never drawn.
"""
from __future__ import annotations

import math
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


def check_levels(levels: Sequence[str] | str | None) -> list[str]:
    """The asked levels (recall, understand, apply); none means all."""
    from .schema import LEVELS

    if not levels:
        return []
    if isinstance(levels, str):
        levels = levels.split(",")
    out = []
    for lv in levels:
        lv = lv.strip().lower()
        if lv not in LEVELS:
            raise InvalidInput(f"unknown level {lv!r}; choose from {', '.join(LEVELS)}")
        if lv not in out:
            out.append(lv)
    return out


def candidates(course: Course, sections: Sequence[Section], types: Sequence[str], embedder=None,
               retired: Iterable[str] = ()) -> list[QuizItem]:
    """All candidate items of the wanted types for these sections, in course order (retired items left out)."""
    retired = set(retired)
    return [it for s in sections for it in section_candidates(course, s.ref, embedder)
            if it.type in types and it.id not in retired]


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
    """Validate the pool and accept items in seeded order, refusing duplicates; returns (distinct, rejections)."""
    checked = check_items(pool, course)
    # Of two items that ask the same thing from the same passage, the one that asks more of the learner is kept.
    ordered = sorted(_interleave(checked.valid, types, seed), key=lambda it: -LEVEL_RANK.get(it.level, 0))
    accepted, dups = accept_in_order(ordered, embedder)
    return accepted, checked.rejections + dups


APPLY_SHARE = 0.25
LEVEL_RANK = {"recall": 0, "understand": 1, "apply": 2}
TF_FALSE = (0.4, 0.6)


def balanced(distinct: list[QuizItem], count: int, types: Sequence[str], seed: int) -> list[QuizItem]:
    """count items from a duplicate-free pool: types evenly, a quarter at level apply, true/false half false, and
    concepts and passages repeated only when nothing else is left; returned in a seeded, type-mixed order."""
    rng = random.Random(f"balance:{seed}")
    by_type = {t: [it for it in distinct if it.type == t] for t in types}
    everything = [it for t in types for it in by_type[t]]
    for q in by_type.values():
        rng.shuffle(q)
    # True/false can take only as many items as its false statements keep at 40% or more; the rest goes elsewhere.
    if "tf" in by_type and len(types) > 1:
        falses = sum(it.answer == "False" for it in by_type["tf"])
        cap = int(falses / TF_FALSE[0])
        by_type["tf"] = sorted(by_type["tf"], key=lambda it: it.answer != "False")[:max(cap, 0)] if cap < len(
            by_type["tf"]) else by_type["tf"]
        rng.shuffle(by_type["tf"])
    # Quotas: an even share per type, the surplus of short types handed to the others.
    quota = {t: 0 for t in types}
    left = count
    while left:
        open_types = [t for t in types if quota[t] < len(by_type[t])]
        if not open_types:
            break
        for t in open_types:
            if left and quota[t] < len(by_type[t]):
                quota[t] += 1
                left -= 1
    chosen: list[QuizItem] = []
    concepts: set[str] = set()
    passages: set[tuple] = set()

    def fresh(it: QuizItem) -> tuple:
        return (bool(it.concept) and it.concept in concepts, (it.citation.ref, it.source_hash) in passages)

    def take(it: QuizItem) -> None:
        chosen.append(it)
        concepts.add(it.concept)
        passages.add((it.citation.ref, it.source_hash))

    # Apply-level items first, spread over the types that have them, up to a quarter of the quiz.
    need_apply = math.ceil(APPLY_SHARE * count)
    apply_types = [t for t in types if any(it.level == "apply" for it in by_type[t])]
    taken = {t: 0 for t in types}
    while need_apply > 0 and apply_types:
        progressed = False
        for t in list(apply_types):
            # Only fresh ones: a repeated passage or concept would meet the quarter by asking one thing twice.
            cands = [it for it in by_type[t] if it.level == "apply" and it not in chosen and not any(fresh(it))]
            if not cands or taken[t] >= quota[t]:
                apply_types.remove(t)
                continue
            it = min(cands, key=fresh)
            take(it)
            taken[t] += 1
            need_apply -= 1
            progressed = True
            if need_apply <= 0:
                break
        if not progressed:
            break
    for t in types:
        want = quota[t] - taken[t]
        rest = [it for it in by_type[t] if it not in chosen]
        if t == "tf":
            n_false = sum(it.answer == "False" for it in chosen if it.type == "tf")
            total_tf = quota[t]
            target_false = min(sum(it.answer == "False" for it in rest) + n_false,
                               max(math.ceil(TF_FALSE[0] * total_tf), round(total_tf / 2)))
            falses = [it for it in rest if it.answer == "False"]
            trues = [it for it in rest if it.answer != "False"]
            for group, k in ((falses, target_false - n_false), (trues, want - max(0, target_false - n_false))):
                for _ in range(max(0, k)):
                    if not group:
                        break
                    it = min(group, key=fresh)
                    group.remove(it)
                    take(it)
            # Whatever the other group could not fill.
            spare = falses + trues
            while sum(1 for it in chosen if it.type == "tf") < quota[t] and spare:
                it = min(spare, key=fresh)
                spare.remove(it)
                take(it)
            continue
        for _ in range(want):
            if not rest:
                break
            it = min(rest, key=fresh)
            rest.remove(it)
            take(it)
    # A scope too small for every rule still gets the count asked for (the balance rules give way, not the count).
    spare = [it for it in everything if it not in chosen]
    rng.shuffle(spare)
    while len(chosen) < count and spare:
        take(min(spare, key=fresh))
        spare.remove(chosen[-1])
    return _interleave(chosen, types, seed)


def quiz_id(course: Course, refs: Sequence[str], types: Sequence[str], count: int, seed: int) -> str:
    return "qz-" + digest(course.id, course.version, ",".join(refs), ",".join(types), count, seed, length=12)


def generate(course: Course, embedder, chapters: Iterable[int] | None = None, refs: Iterable[str] | None = None,
             count: int = 10, types: Sequence[str] | str | None = ITEM_TYPES, seed: int = 0, *, title: str = "",
             proposer=None, retired: Iterable[str] = (), extra: Iterable[QuizItem] = (),
             levels: Sequence[str] | str | None = None) -> Quiz:
    """A practice quiz from the course text: same arguments (and course version) give the same quiz.

    When a proposer (an LLM) is passed, its proposals join the pool and pass the same
    validation. Raises NotFound for an unknown chapter or ref, InvalidInput for a bad count or type (naming how
    many items the chosen sections can supply).
    """
    types = check_types(types)
    levels = check_levels(levels)
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
    pool = candidates(course, sections, types, embedder, retired)
    in_scope = {s.ref for s in sections}
    retired = set(retired)
    # The course's own chapter-quiz items (verified keys) join the pool for the sections in scope.
    pool += [it for it in extra if it.citation.ref in in_scope and it.type in types and it.id not in retired]
    if proposer is not None:
        pool += [it for it in proposed_items(course, sections, proposer) if it.type in types]
    if levels:
        pool = [it for it in pool if it.level in levels]
    accepted, rejections = select(course, pool, types, seed, embedder)
    scope = _describe(sections, chapters, refs)
    if count > len(accepted):
        raise InvalidInput(f"only {len(accepted)} distinct valid items are possible for {scope} "
                           f"with types {','.join(types)}" + (f" at level {','.join(levels)}" if levels else "")
                           + f"; asked for {count}")
    spec = QuizSpec(chapters=sorted({int(c) for c in chapters}) if chapters else None,
                    refs=[str(r) for r in refs] if refs else None, count=count, types=types, seed=seed,
                    levels=levels or None)
    ref_list = [s.ref for s in sections]
    return Quiz(id=quiz_id(course, ref_list, types, count, seed) + (f"-{'-'.join(levels)}" if levels else ""),
                title=title or f"Practice: {scope}" + (f" ({', '.join(levels)})" if levels else ""),
                course_id=course.id, course_version=course.version, spec=spec,
                items=balanced(accepted, count, types, seed),
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
    pool = [it for it in section_candidates(course, old.citation.ref, embedder) if it.id != old.id
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
                 title: str = "", levels=None) -> Quiz:
    """generate() on the configured course with the services' embedder (and LLM proposer, when configured),
    leaving out the items staff retired."""
    from .proposals import get_proposer
    from .stats import retired_ids

    course = services.course()
    return generate(course, services.embedder, chapters=chapters, refs=refs, count=count, types=types,
                    seed=seed, title=title, proposer=get_proposer(services.settings),
                    retired=retired_ids(services.db, course.id), levels=levels,
                    extra=course_key_pool(services.settings.corpus_dir, course))


def course_key_pool(course_dir, course: Course) -> list[QuizItem]:
    """The course's chapter-quiz items as practice candidates ([] when the course ships no keys)."""
    from ..errors import CourseFormatError
    from .keys import course_items

    try:
        return course_items(course_dir, course)
    except (CourseFormatError, NotFound):
        return []
