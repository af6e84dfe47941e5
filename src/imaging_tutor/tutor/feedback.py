"""Learner feedback on answers: thumbs up/down plus a comment, stored against the turn (and so its answer)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ..storage.db import Database
from ..errors import InvalidInput, NotFound
from ..storage.models import ChatSession, ChatTurn, Feedback, utcnow

RATINGS = {"up": 1, "down": -1}
MAX_COMMENT = 2000


@dataclass(frozen=True)
class FeedbackEntry:
    id: int
    turn_id: int
    learner_id: str | None
    rating: str
    comment: str
    created_at: datetime
    session_id: str = ""
    question: str = ""
    answer: dict | None = None

    def public(self, with_answer: bool = False) -> dict:
        data = {"id": self.id, "turn_id": self.turn_id, "learner_id": self.learner_id, "rating": self.rating,
                "comment": self.comment, "created_at": self.created_at}
        if with_answer:
            data.update(session_id=self.session_id, question=self.question, answer=self.answer)
        return data


def _rating_name(value: int) -> str:
    return "up" if value > 0 else "down"


def turn_owner(db: Database, turn_id: int, course_id: str | None = None) -> str | None:
    """The learner id of the session a turn belongs to (NotFound for an unknown turn, or one of another course
    when `course_id` is given)."""
    query = (select(ChatSession.learner_id).join(ChatTurn, ChatTurn.session_id == ChatSession.id)
             .where(ChatTurn.id == turn_id))
    if course_id is not None:
        query = query.where(ChatSession.course_id == course_id)
    with db.scope() as s:
        row = s.execute(query).first()
    if row is None:
        raise NotFound(f"unknown turn {turn_id}")
    return row[0]


def _upsert(s, dialect: str, values: dict):
    """INSERT … ON CONFLICT (turn_id, learner_id) DO UPDATE: concurrent identical posts leave one row."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(Feedback).values(**values)
    stmt = stmt.on_conflict_do_update(index_elements=[Feedback.turn_id, Feedback.learner_id],
                                      set_={"rating": stmt.excluded.rating, "comment": stmt.excluded.comment,
                                            "created_at": stmt.excluded.created_at})
    s.execute(stmt)


def give_feedback(db: Database, *, turn_id: int, rating: str, learner_id: str, comment: str = "") -> FeedbackEntry:
    """Record (or replace) this learner's rating of one answer: one row per learner and turn, also under races."""
    if rating not in RATINGS:
        raise InvalidInput("rating must be 'up' or 'down'")
    if not learner_id:
        raise InvalidInput("a rating belongs to a learner")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"comment is {len(comment)} characters; the limit is {MAX_COMMENT}")
    with db.scope() as s:
        course_id = s.scalar(select(ChatSession.course_id).join(ChatTurn, ChatTurn.session_id == ChatSession.id)
                             .where(ChatTurn.id == turn_id))
        if course_id is None:
            raise NotFound(f"unknown turn {turn_id}")
        # The rating belongs to the course of the conversation it rates.
        _upsert(s, db.engine.dialect.name, {"turn_id": turn_id, "learner_id": learner_id, "course_id": course_id,
                                            "rating": RATINGS[rating], "comment": comment, "created_at": utcnow()})
        row = s.scalar(select(Feedback).where(Feedback.turn_id == turn_id, Feedback.learner_id == learner_id)
                       .execution_options(populate_existing=True))
        return FeedbackEntry(row.id, row.turn_id, row.learner_id, _rating_name(row.rating), row.comment,
                             row.created_at)


def feedback_for_turns(db: Database, turn_ids: list[int], learner_id: str | None) -> dict[int, FeedbackEntry]:
    """This learner's rating of each of these turns, by turn id (nobody else's rating shows in their conversation)."""
    if not turn_ids:
        return {}
    same_learner = Feedback.learner_id.is_(None) if learner_id is None else Feedback.learner_id == learner_id
    with db.scope() as s:
        rows = s.scalars(select(Feedback).where(Feedback.turn_id.in_(turn_ids), same_learner)
                         .order_by(Feedback.id)).all()
    return {r.turn_id: FeedbackEntry(r.id, r.turn_id, r.learner_id, _rating_name(r.rating), r.comment, r.created_at)
            for r in rows}


def list_feedback(db: Database, *, rating: str | None = None, limit: int = 100, offset: int = 0,
                  course_id: str | None = None) -> list[FeedbackEntry]:
    """Newest feedback first (of one course, when given), each with the question and the stored answer."""
    if rating is not None and rating not in RATINGS:
        raise InvalidInput("rating must be 'up' or 'down'")
    query = (select(Feedback, ChatTurn).join(ChatTurn, ChatTurn.id == Feedback.turn_id)
             .order_by(Feedback.created_at.desc(), Feedback.id.desc()).limit(limit).offset(offset))
    if rating is not None:
        query = query.where(Feedback.rating == RATINGS[rating])
    if course_id is not None:
        query = query.where(Feedback.course_id == course_id)
    with db.scope() as s:
        rows = s.execute(query).all()
    return [FeedbackEntry(f.id, f.turn_id, f.learner_id, _rating_name(f.rating), f.comment, f.created_at,
                          session_id=t.session_id, question=t.question, answer=json.loads(t.answer_json))
            for f, t in rows]
