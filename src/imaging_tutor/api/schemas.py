"""Request and response bodies of the HTTP API (the domain's own models are reused where they fit)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..ids import LEARNER_ID_PATTERN, SESSION_ID_PATTERN
from ..quiz.schema import ItemType
from ..tutor.schemas import Answer, Mode

SESSION_ID = SESSION_ID_PATTERN
REF = r"^\d{1,3}\.\d{1,3}$"


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, description="the learner's question (limit: settings.max_question_chars)")
    session_id: str | None = Field(None, pattern=SESSION_ID,
                                   description="continue this conversation; omitted, a learner gets a new one")
    chapter: int | None = Field(None, ge=1, le=999, description="answer only from this chapter")
    mode: Mode = "answer"


class SectionEntry(BaseModel):
    ref: str
    chapter: int
    section: int
    chapter_title: str
    section_title: str
    words: int


class Outline(BaseModel):
    course: dict[str, Any]
    sections: list[SectionEntry]


class Highlight(BaseModel):
    quote: str
    start: int
    end: int


class SectionPublic(BaseModel):
    ref: str
    chapter: int
    section: int
    chapter_title: str
    section_title: str
    text: str
    highlights: list[Highlight] = []
    missing_quotes: list[str] = []


class CoursePublic(BaseModel):
    id: str
    title: str
    version: str
    default: bool = Field(description="the course the plain /api/v1/… routes serve")


class SessionPublic(BaseModel):
    id: str
    course_id: str
    learner_id: str | None
    title: str
    created_at: datetime
    updated_at: datetime


class TurnPublic(BaseModel):
    id: int
    question: str
    resolved_question: str
    status: str
    created_at: datetime
    answer: Answer
    feedback: "FeedbackPublic | None" = None


class SessionDetail(SessionPublic):
    turns: list[TurnPublic]


class FeedbackCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    turn_id: int = Field(ge=1, le=2**31 - 1)  # the column is a 32-bit integer on PostgreSQL
    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)


class FeedbackPublic(BaseModel):
    id: int
    turn_id: int
    learner_id: str | None
    rating: Literal["up", "down"]
    comment: str
    created_at: datetime


class FeedbackWithAnswer(FeedbackPublic):
    """A feedback entry with the turn it rates, for the staff inbox."""

    session_id: str
    question: str
    answer: Answer


class EvalRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    set: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
                     description="name of a question set in evals/sets/ (without .jsonl); never a path")
    baseline: bool = Field(True, description="compare with the set's own baseline (evals/baselines/<set>.json) when it exists")


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]
    reasons: list[str] = []
    error_id: str | None = Field(None, description="quote it to a maintainer: the details are in the log")


TurnPublic.model_rebuild()


class LearnerTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    learner_id: str = Field(pattern=LEARNER_ID_PATTERN)


class LearnerIdentity(BaseModel):
    learner_id: str
    token: str = Field(description="send as `Authorization: Bearer …`; keep it private")
    resume_code: str | None = Field(None, description="write it down to get this identity back (anonymous "
                                                      "learners only)")


class ResumeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    resume_code: str = Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9 -]+$")


class WhoAmI(BaseModel):
    role: Literal["anonymous", "learner", "staff", "maintainer"]
    learner_id: str | None
    via: str | None = None


RefStr = Annotated[str, Field(pattern=r"^\d{1,3}\.\d{1,3}$")]


class QuizSpecIn(BaseModel):
    """What to generate: chapters and/or section refs (all of the course when both are empty)."""

    model_config = ConfigDict(extra="forbid")

    chapters: list[Annotated[int, Field(ge=1, le=999)]] | None = Field(None, max_length=50)
    refs: list[RefStr] | None = Field(None, max_length=200)
    count: int = Field(10, ge=1, le=200)
    types: list[ItemType] | None = Field(None, max_length=5)
    seed: int = Field(0, ge=0, le=2**31 - 1)
    title: str | None = Field(None, max_length=200)
    levels: list[Literal["recall", "understand", "apply"]] | None = Field(None, max_length=3)


class QuizSave(QuizSpecIn):
    """Save a generated quiz: the same spec (generation is deterministic) plus items left out at review."""

    title: str = Field(min_length=1, max_length=200)
    exclude: list[Annotated[str, Field(max_length=64)]] = Field(default_factory=list, max_length=200)


class RegenerateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seed: int = Field(0, ge=0, le=2**31 - 1)


class QuizSessionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["course", "practice", "bank", "review"] = Field(
        "course", description="course: the chapter's own quiz; practice: generated items; bank: a saved quiz; "
                              "review: items due for review")
    chapter: int | None = Field(None, ge=1, le=999)
    quiz_id: str | None = Field(None, pattern=r"^[A-Za-z0-9_-]{1,64}$")
    count: int = Field(10, ge=1, le=50)
    types: list[ItemType] | None = Field(None, max_length=5)
    free_text: bool = Field(False, description="course quiz as short free-text answers instead of options")


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_id: str = Field(min_length=1, max_length=64)
    response: str = Field(max_length=2000, description="the chosen option, true/false, or free text")


class RetireIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field("", max_length=500)
    retired: bool = Field(True, description="false brings a retired item back")


class ChatQuizIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str = Field(pattern=SESSION_ID, description="the conversation to quiz on")
    topic: str | None = Field(None, max_length=200, description="quiz on this topic instead of the sections just discussed")


# --- learner home and staff insight (issue 15) -------------------------------------------------------------------

class StarterQuestion(BaseModel):
    question: str
    ref: str = Field(description="the section expected to answer it")
    chapter: int
    chapter_title: str


class InsightSection(BaseModel):
    ref: str
    chapter: int
    section_title: str
    chapter_title: str
    questions: int = Field(description="questions about this section (answered from it, or refused with it as the "
                                       "nearest section)")
    answered: int
    refused: int
    share_answered: float | None
    thumbs_up: int
    thumbs_down: int
    quiz_answers: int
    quiz_accuracy: float | None
    learners_quizzed: int
    learners_mastered: int = Field(description="learners with ≥ 80% correct over ≥ 2 answers on this section")
    mastery: float | None


class GapClusterPublic(BaseModel):
    label: str = Field(description="the question most like the others in the group")
    count: int
    refused: int
    thumbs_down: int
    learners: int
    examples: list[str]
    near_refs: list[str] = Field(description="the nearest sections the tutor suggested or cited")
    last_asked: str


class ResponseCount(BaseModel):
    response: str
    count: int
    correct: bool


class MissedItem(BaseModel):
    item_id: str
    ref: str
    prompt: str
    answer: str
    type: str
    answers: int
    wrong: int
    share_wrong: float
    distribution: list[ResponseCount]


class InsightReport(BaseModel):
    course_id: str
    course_title: str
    filters: dict[str, Any]
    totals: dict[str, int]
    sections: list[InsightSection]
    gaps: list[GapClusterPublic]
    missed_items: list[MissedItem]
