"""Public quiz models (pydantic): items with answer key and citation, quizzes, grades, sessions, progress."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ItemType = Literal["mcq", "tf", "cloze", "short", "numeric"]
ITEM_TYPES: tuple[str, ...] = ("mcq", "tf", "cloze", "short", "numeric")
Difficulty = Literal["easy", "medium", "hard"]
Level = Literal["recall", "understand", "apply"]
LEVELS: tuple[str, ...] = ("recall", "understand", "apply")


class NumericKey(BaseModel):
    """A computed answer: the method, the numbers the prompt states, the value and how close an answer must be."""

    method: str  # a name in quiz.computed.METHODS; validation re-computes value from `given` with it
    given: dict[str, float]
    value: float
    tolerance: float = 0.5  # absolute, in the answer's unit
    unit: str = "%"  # "%" (answer in percent), "" (a count) or a unit word
Origin = Literal["course", "generated", "llm", "staff"]


class ItemCitation(BaseModel):
    """Where the answer comes from: a section ref and a verbatim quote of that section."""

    ref: str
    section_title: str
    quote: str
    chapter: int | None = None
    chapter_title: str = ""


class QuizItem(BaseModel):
    """One question with its answer key; `explanation` is always a verbatim quote of the cited section."""

    id: str
    type: ItemType
    prompt: str
    options: list[str] = Field(default_factory=list)
    answer: str
    explanation: str
    citation: ItemCitation
    difficulty: Difficulty = "medium"
    source_hash: str
    kind: str = ""  # how it was built: term_to_definition, definition_to_term, scenario, true_statement, swap, ...
    origin: Origin = "generated"
    key_terms: list[str] = Field(default_factory=list)  # free-text grading: the key's essential terms
    accepted: list[str] = Field(default_factory=list)  # other exact answers accepted (aliases for cloze)
    distractors: list[str] = Field(default_factory=list)  # known wrong answers, used when grading free text
    concept: str = ""  # the key term a definition-based item asks about; quizzes prefer one item per concept
    level: Level = "recall"  # recall: say what the course says; understand: explain or classify; apply: use it
    numeric: NumericKey | None = None  # numeric items: the computation behind the answer
    solution: list[str] = Field(default_factory=list)  # a worked solution, step by step (computed items)
    stale: bool = False

    @property
    def ref(self) -> str:
        return self.citation.ref

    def public(self) -> "ItemView":
        """The item as a learner sees it before answering: no answer, explanation or quote."""
        return ItemView(id=self.id, type=self.type, prompt=self.prompt, options=list(self.options),
                        ref=self.citation.ref, section_title=self.citation.section_title, level=self.level,
                        unit=self.numeric.unit if self.numeric else None)


class ItemView(BaseModel):
    """An item without its answer key."""

    id: str
    type: ItemType
    prompt: str
    options: list[str] = Field(default_factory=list)
    ref: str
    section_title: str
    level: Level = "recall"
    unit: str | None = None  # numeric items: the unit the answer is given in ("%" or a count)
    position: int | None = None
    total: int | None = None


class Rejection(BaseModel):
    """A candidate item that validation refused, and why."""

    item_id: str
    type: ItemType
    ref: str
    reason: str
    detail: str = ""
    prompt: str = ""


class QuizSpec(BaseModel):
    chapters: list[int] | None = None
    refs: list[str] | None = None
    count: int = 10
    types: list[ItemType] = Field(default_factory=lambda: list(ITEM_TYPES))
    seed: int = 0
    levels: list[Level] | None = None


class Quiz(BaseModel):
    """A set of items (generated, from the course keys, or loaded from the bank)."""

    id: str
    title: str = ""
    course_id: str
    course_version: str
    spec: QuizSpec | None = None
    items: list[QuizItem]
    rejections: list[Rejection] = Field(default_factory=list)
    possible: int | None = None  # how many valid, mutually distinct items the scope could supply
    created_at: datetime | None = None

    def item(self, item_id: str) -> QuizItem:
        from ..errors import NotFound

        for it in self.items:
            if it.id == item_id:
                return it
        raise NotFound(f"unknown item {item_id!r} in quiz {self.id!r}")


class QuizSummary(BaseModel):
    id: str
    title: str
    course_id: str
    course_version: str
    items: int
    stale_items: int
    created_at: datetime
    updated_at: datetime


class Grade(BaseModel):
    """The outcome of grading one response."""

    correct: bool
    score: float
    verdict: Literal["correct", "partial", "incorrect"]
    feedback: str
    missing: list[str] = Field(default_factory=list)
    citation: ItemCitation
    answer: str
    similarity: float | None = None
    coverage: float | None = None
    solution: list[str] = Field(default_factory=list)


class SubmitResult(BaseModel):
    """What a learner gets back after answering: verdict, feedback citing the course, and the next item."""

    session_id: str
    item_id: str
    correct: bool
    score: float
    verdict: str
    feedback: str
    answer: str
    citation: ItemCitation
    solution: list[str] = Field(default_factory=list)
    next: ItemView | None
    answered: int
    total: int


class SessionView(BaseModel):
    id: str
    learner_id: str
    source: str
    chapter: int | None
    quiz_id: str | None
    total: int
    answered: int
    correct: int
    score: float
    next: ItemView | None
    created_at: datetime


class SectionProgress(BaseModel):
    ref: str
    section_title: str
    attempts: int
    correct: int
    accuracy: float
    mean_score: float
    last_seen: datetime


class ReviewItem(BaseModel):
    item: ItemView
    due: datetime
    lapses: int
    reviews: int
