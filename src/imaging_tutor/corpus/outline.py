"""The course as learners browse it: the outline, and a section's text with the offsets of quoted passages."""
from __future__ import annotations

import re
from typing import Iterable

from .course import Course


def outline(course: Course, course_quiz_chapters: Iterable[int]) -> dict:
    """Course metadata, chapters and a one-line entry per section (no full texts); each chapter says whether its own
    quiz can be taken (`course_quiz_chapters`: those with answer keys), so a client offers only what works."""
    public = course.public()
    keyed = set(course_quiz_chapters)
    for chapter in public["chapters"]:
        chapter["course_quiz"] = chapter["chapter"] in keyed
    return {
        "course": public,
        "sections": [{"ref": s.ref, "chapter": s.chapter, "section": s.section, "chapter_title": s.chapter_title,
                      "section_title": s.section_title, "words": len(s.text.split())} for s in course.sections],
    }


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of quote in text: verbatim first, then ignoring differences in whitespace."""
    quote = quote.strip()
    if not quote:
        return None
    at = text.find(quote)
    if at >= 0:
        return at, at + len(quote)
    words = quote.split()
    if not words:
        return None
    m = re.search(r"\s+".join(re.escape(w) for w in words), text)
    return (m.start(), m.end()) if m else None


def section_view(course: Course, ref: str, quotes: list[str]) -> dict:
    """A section's full text plus, for each quote, where it occurs (quotes not found are listed apart)."""
    section = course.section(ref)
    highlights, missing = [], []
    for q in quotes:
        span = find_quote(section.text, q)
        if span is None:
            missing.append(q)
        else:
            highlights.append({"quote": q, "start": span[0], "end": span[1]})
    highlights.sort(key=lambda h: h["start"])
    return {**section.public(), "highlights": highlights, "missing_quotes": missing}
