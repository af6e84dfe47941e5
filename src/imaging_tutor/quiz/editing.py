"""Staff review of a quiz before (or after) saving: edit, delete or regenerate one item. Pure functions on Quiz."""
from __future__ import annotations

import re

from pydantic import BaseModel, Field

from ..corpus.course import Course
from ..errors import InvalidInput
from .generator import replacement
from .ids import digest
from .schema import Difficulty, Quiz, QuizItem
from .validate import DuplicateFilter, check_item


class ItemEdit(BaseModel):
    """The fields staff may change; anything left out stays as it was."""

    prompt: str | None = Field(default=None, max_length=1200)
    options: list[str] | None = Field(default=None, max_length=8)
    answer: str | None = Field(default=None, max_length=400)
    explanation: str | None = Field(default=None, max_length=2000)  # must stay a verbatim quote of the section
    ref: str | None = Field(default=None, max_length=20)
    difficulty: Difficulty | None = None
    key_terms: list[str] | None = Field(default=None, max_length=10)
    accepted: list[str] | None = Field(default=None, max_length=10)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean_text(data: dict) -> None:
    """Staff text may not carry control characters (they break exports); a line break in an option is refused."""
    for field, value in data.items():
        values = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        for v in values:
            if _CONTROL.search(v):
                raise InvalidInput(f"{field}: control characters are not allowed")
            if field in ("options", "answer", "accepted", "key_terms") and re.search(r"[\r\n]", v):
                raise InvalidInput(f"{field}: one line each, no line breaks")


def apply_edit(item: QuizItem, changes: ItemEdit, course: Course) -> QuizItem:
    """The edited item, validated like a generated one; InvalidInput lists what is wrong."""
    data = changes.model_dump(exclude_none=True)
    _clean_text(data)
    ref = data.pop("ref", item.citation.ref)
    section = course.section(ref)  # NotFound for an unknown ref
    quote = data.pop("explanation", item.citation.quote if ref == item.citation.ref else None)
    if quote is None:
        raise InvalidInput("moving an item to another section needs a new explanation quoted from that section")
    citation = item.citation.model_copy(update={"ref": section.ref, "section_title": section.section_title,
                                                "chapter": section.chapter, "chapter_title": section.chapter_title,
                                                "quote": quote})
    edited = item.model_copy(update={**data, "explanation": quote, "citation": citation, "origin": "staff",
                                     "source_hash": digest(quote), "stale": False})
    problems = check_item(edited, course)
    if problems:
        raise InvalidInput("the edited item is not valid: " + "; ".join(f"{r}: {d}" for r, d in problems))
    return edited


def edit_item(quiz: Quiz, item_id: str, changes: ItemEdit, course: Course, embedder) -> Quiz:
    """Quiz with one item edited; refuses an edit that makes it duplicate another item."""
    old = quiz.item(item_id)
    edited = apply_edit(old, changes, course)
    others = [it for it in quiz.items if it.id != item_id]
    # An edit may keep the passage another item uses; only a same or near-same question is refused.
    dup = DuplicateFilter(embedder=embedder, kept=others, same_passage=False)
    reason = dup.check(edited)
    if reason:
        raise InvalidInput(f"the edited item would duplicate another item ({reason[0]}: {reason[1]})")
    return quiz.model_copy(update={"items": [edited if it.id == item_id else it for it in quiz.items]})


def remove_item(quiz: Quiz, item_id: str) -> Quiz:
    quiz.item(item_id)  # NotFound
    return quiz.model_copy(update={"items": [it for it in quiz.items if it.id != item_id]})


def regenerate_item(quiz: Quiz, item_id: str, course: Course, seed: int = 0, *, embedder) -> Quiz:
    """Quiz with one item replaced by another valid item from the same section."""
    old = quiz.item(item_id)
    new = replacement(course, quiz.items, old, seed=seed, embedder=embedder)
    return quiz.model_copy(update={"items": [new if it.id == item_id else it for it in quiz.items]})
