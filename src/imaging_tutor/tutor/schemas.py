"""Public data shapes shared by the tutor, the CLI, the API and the evals."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["answered", "out_of_scope", "medical_advice", "small_talk"]
Mode = Literal["answer", "hint"]


class Citation(BaseModel):
    ref: str
    chapter: int
    section: int
    chapter_title: str
    section_title: str
    quote: str = Field(description="verbatim passage of the section that supports the claim")
    score: float = 0.0

    @classmethod
    def of(cls, section, quote: str, score: float = 0.0) -> "Citation":
        """The citation of a course Section (corpus/course.py) with the passage quoted from it."""
        return cls(ref=section.ref, chapter=section.chapter, section=section.section,
                   chapter_title=section.chapter_title, section_title=section.section_title, quote=quote,
                   score=round(float(score), 4))


class Suggestion(BaseModel):
    ref: str
    section_title: str


class AnswerSentence(BaseModel):
    text: str
    refs: list[str]


class Answer(BaseModel):
    """What the tutor says, with every claim tied to a section of the course."""

    status: Status
    answer: str
    citations: list[Citation] = []
    suggestions: list[Suggestion] = []
    session_id: str | None = None
    writer: str = "extractive"
    mode: Mode = "answer"
    dropped_sentences: list[str] = []
    retrieved: list[str] = []
    sentences: list[AnswerSentence] = []
    resolved_question: str = ""
    turn_id: int | None = None
    topic: str = Field("", description="the course words this turn was about (follow-ups resolve against it)")
    subject: str = Field("", description="the question that opened this turn's topic (itself when it stands alone)")
    corrected_question: str = Field("", description="the question after spelling correction, when it changed")
    care_note: str = Field("", description="a note to see a clinician, when a personal situation surrounds the question")
    not_covered: list[str] = Field([], description="questions of a message that asked several which the course does not "
                                                   "answer (the others are answered)")
    quiz: dict | None = Field(None, description="a 'quiz me' turn: state (asked|hint|graded|skipped|needs_topic), "
                                                "the item as the learner sees it, and the verdict once graded")
    hint: dict | None = Field(None, description="hint mode: the step of the ladder this turn gives (step, of, kind "
                                                "section|idea|cloze|answer, ref, section_title, last) and the question "
                                                "it is about; asking again or 'another hint' climbs one step")

    def contract(self) -> dict:
        """The JSON object of the CLI/API contract (plus the extra diagnostic fields)."""
        return self.model_dump()
