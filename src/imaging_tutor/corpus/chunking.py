"""Split sections into retrieval chunks that respect sentence boundaries and the model's token window."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from .course import Course, Section
from .sentences import split_sentences

CHUNK_TOKEN_BUDGET = 200  # below the 256-token window, leaving room for the title prefix


@dataclass(frozen=True)
class Sentence:
    """A sentence of a section, with offsets into the section text."""

    id: str
    ref: str
    position: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Chunk:
    """A run of whole sentences from one section; `embed_text` carries the titles for retrieval."""

    id: str
    ref: str
    chapter: int
    position: int
    start: int
    end: int
    text: str
    embed_text: str
    section_hash: str


def chunk_id(course: Course, ref: str, position: int, kind: str = "c") -> str:
    """Deterministic id: course id + version + ref + position."""
    return f"{course.id}@{course.version}:{ref}:{kind}{position}"


def section_sentences(course: Course, section: Section) -> list[Sentence]:
    return [
        Sentence(chunk_id(course, section.ref, i, "s"), section.ref, i, a, b, section.text[a:b])
        for i, (a, b) in enumerate(split_sentences(section.text))
    ]


def title_prefix(section: Section) -> str:
    return f"{section.chapter_title} — {section.section_title}. "


def chunk_section(course: Course, section: Section, count_tokens: Callable[[str], int],
                  budget: int = CHUNK_TOKEN_BUDGET) -> list[Chunk]:
    """Greedily pack whole sentences (never across the section edge) until the token budget is reached."""
    prefix = title_prefix(section)
    sents = split_sentences(section.text)
    chunks: list[Chunk] = []
    group: list[tuple[int, int]] = []

    def emit() -> None:
        start, end = group[0][0], group[-1][1]
        text = section.text[start:end]
        chunks.append(Chunk(chunk_id(course, section.ref, len(chunks)), section.ref, section.chapter,
                            len(chunks), start, end, text, prefix + text, section.content_hash))

    for span in _fit(sents, section.text, prefix, count_tokens, budget):
        candidate = group + [span]
        text = section.text[candidate[0][0]:candidate[-1][1]]
        if group and count_tokens(prefix + text) > budget:
            emit()
            group = [span]
        else:
            group = candidate
    if group:
        emit()
    return chunks


def _fit(spans: list[tuple[int, int]], text: str, prefix: str, count_tokens: Callable[[str], int],
         budget: int) -> list[tuple[int, int]]:
    """Spans that each fit the budget: a sentence longer than the window is cut at word boundaries, since the
    model would otherwise silently drop its tail."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if count_tokens(prefix + text[a:b]) <= budget:
            out.append((a, b))
            continue
        start = a
        words = [m.end() for m in re.finditer(r"\S+", text[a:b])]
        piece_end = start
        for end in words:
            if piece_end > start and count_tokens(prefix + text[start:a + end]) > budget:
                out.append((start, piece_end))
                start = piece_end + len(text[piece_end:]) - len(text[piece_end:].lstrip())
            piece_end = a + end
        out.append((start, piece_end))
    return out


def chunk_course(course: Course, count_tokens: Callable[[str], int],
                 sections: Iterable[Section] | None = None) -> list[Chunk]:
    return [c for s in (sections or course.sections) for c in chunk_section(course, s, count_tokens)]
