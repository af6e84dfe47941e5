"""Database tables (SQLAlchemy 2.0 declarative); the schema itself is created by Alembic migrations."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (Boolean, DateTime, FetchedValue, Float, ForeignKey, Integer, LargeBinary, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class IndexState(Base):
    """Which Chroma collection serves a course: switching this row is the atomic step of an ingest."""

    __tablename__ = "index_state"
    course_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    collection: Mapped[str] = mapped_column(String(200))
    previous_collection: Mapped[str | None] = mapped_column(String(200), nullable=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(50))
    model: Mapped[str] = mapped_column(String(100))
    chunks: Mapped[int] = mapped_column(Integer)
    sentences: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatSession(Base):
    """A conversation. Like feedback, quiz sessions, attempts, review cards and eval runs it belongs to a course
    (migration 0004); a row inserted without one gets the database's default course (the column's server default)."""

    __tablename__ = "chat_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())  # migration 0004: each belongs to a course
    learner_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ChatTurn(Base):
    __tablename__ = "chat_turns"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("chat_sessions.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    resolved_question: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(30))
    answer_json: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The question's embedding (float32 bytes) and the model that made it: the next turn reads it (migration 0006).
    question_vector: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, default=None)
    vector_model: Mapped[str] = mapped_column(String(200), default="", server_default="")


class Feedback(Base):
    """A learner's rating of one answer; (turn_id, learner_id) is unique (migration 0003): a new rating replaces."""

    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("turn_id", "learner_id", name="uq_feedback_turn_learner"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    turn_id: Mapped[int] = mapped_column(ForeignKey("chat_turns.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())  # the turn's conversation's course
    learner_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class EvalRun(Base):
    __tablename__ = "eval_runs"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())
    set_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="done")
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    first_citation_accuracy: Mapped[float | None] = mapped_column(Float, nullable=True)
    report_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Quizzes (migration 0002) -------------------------------------------------------------------------------------


class QuizBank(Base):
    """A saved quiz: staff-reviewed items kept under a title."""

    __tablename__ = "quiz_banks"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    course_id: Mapped[str] = mapped_column(String(100))
    course_version: Mapped[str] = mapped_column(String(50))
    spec_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizBankItem(Base):
    """One item of a saved quiz; keeps its section ref and quote so it survives course changes (then marked stale)."""

    __tablename__ = "quiz_bank_items"
    __table_args__ = (UniqueConstraint("quiz_id", "item_id", name="uq_quiz_bank_items_quiz_item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    quiz_id: Mapped[str] = mapped_column(ForeignKey("quiz_banks.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(20), index=True)
    quote: Mapped[str] = mapped_column(Text)
    item_json: Mapped[str] = mapped_column(Text)
    stale: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizSession(Base):
    """A learner taking a quiz; holds a snapshot of its items so later bank edits never change a quiz in progress."""

    __tablename__ = "quiz_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())
    learner_id: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(20))
    chapter: Mapped[int | None] = mapped_column(Integer, nullable=True)
    quiz_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    items_json: Mapped[str] = mapped_column(Text)
    total: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizAttempt(Base):
    """One graded answer; (session_id, item_id) is unique so a resubmission or a race is recorded once."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("session_id", "item_id", name="uq_quiz_attempts_session_item"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("quiz_sessions.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[str] = mapped_column(String(100), index=True)
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())  # its session's course (progress per course)
    item_id: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(20), index=True)
    response: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizReviewCard(Base):
    """A missed item scheduled for review (spaced repetition state per learner and item)."""

    __tablename__ = "quiz_review_cards"
    learner_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    ref: Mapped[str] = mapped_column(String(20))
    course_id: Mapped[str] = mapped_column(String(100), index=True, server_default=FetchedValue())
    item_json: Mapped[str] = mapped_column(Text)
    card_json: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    reviews: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Quiz items that teach (migration 0003) -----------------------------------------------------------------------

class QuizItemStatus(Base):
    """Staff's decision about one item: retired items are never drawn again (the reason is kept for the record)."""

    __tablename__ = "quiz_item_status"
    course_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizChatLink(Base):
    """A question asked in a conversation ("quiz me"): the one-item quiz session that grades the reply."""

    __tablename__ = "quiz_chat_links"
    quiz_session_id: Mapped[str] = mapped_column(ForeignKey("quiz_sessions.id", ondelete="CASCADE"), primary_key=True)
    chat_session_id: Mapped[str] = mapped_column(String(64), index=True)
    open: Mapped[bool] = mapped_column(Boolean, default=True)
    hints: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class QuizHintUse(Base):
    """How far up the hint ladder a learner went on one item of a session (one row per session and item)."""

    __tablename__ = "quiz_hint_uses"
    session_id: Mapped[str] = mapped_column(ForeignKey("quiz_sessions.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    steps: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
