"""Conversation sessions and turns, persisted in the database. A conversation belongs to one course: read through
another course (`course_id=`) it does not exist."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from ..ids import SESSION_ID
from ..storage.db import Database
from ..errors import InvalidInput, NotFound
from ..storage.models import ChatSession, ChatTurn, Feedback, QuizChatLink, utcnow


def validate_session_id(session_id: str) -> str:
    if not SESSION_ID.match(session_id or ""):
        raise InvalidInput("session id must be 1–64 characters of letters, digits, '-', '_', '.', ':'")
    return session_id


def _course(course_id: str | None) -> dict:
    """The course column's value when given (without one the database's default course applies)."""
    return {"course_id": course_id} if course_id else {}


def _other_course(row: ChatSession, course_id: str | None) -> bool:
    return course_id is not None and row.course_id != course_id


def new_session(db: Database, learner_id: str | None = None, session_id: str | None = None,
                course_id: str | None = None) -> str:
    """Create a session of a course (a given id is kept, so the CLI can name one) and return its id."""
    sid = validate_session_id(session_id) if session_id else uuid.uuid4().hex
    with db.scope() as s:
        row = s.get(ChatSession, sid)
        if row is None:
            s.add(ChatSession(id=sid, learner_id=learner_id, title="", **_course(course_id)))
        elif _other_course(row, course_id):
            raise NotFound(f"unknown session {sid!r}")  # an id another course's conversation already has
    return sid


@dataclass(frozen=True)
class SessionState:
    """What a new turn needs to know of its conversation."""

    turns: list[ChatTurn]  # the last ones, oldest first
    open_quiz: QuizChatLink | None  # a chat-quiz question waiting for the learner's reply


def session_state(db: Database, session_id: str, learner_id: str | None = None, course_id: str | None = None,
                  limit: int = 6) -> SessionState:
    """Refuse a session id that is malformed or belongs to someone else or another course, and read the last
    `limit` turns and the open chat-quiz question, in one read transaction. A new id is fine and has neither
    (nothing is written: the session is created with its first turn, so a question that fails leaves no empty
    conversation)."""
    validate_session_id(session_id)
    with db.scope() as s:
        row = s.get(ChatSession, session_id)
        if row is None:
            return SessionState([], None)
        if row.learner_id != learner_id or _other_course(row, course_id):
            raise NotFound(f"unknown session {session_id!r}")
        quiz = s.scalars(select(QuizChatLink).where(QuizChatLink.chat_session_id == session_id,
                                                    QuizChatLink.open.is_(True))
                         .order_by(QuizChatLink.created_at.desc())).first()
        return SessionState(_last_turns(s, session_id, limit) if limit > 0 else [], quiz)


def get_session(db: Database, session_id: str, course_id: str | None = None) -> ChatSession:
    """The session (NotFound when unknown, or when `course_id` is given and the session belongs to another)."""
    with db.scope() as s:
        row = s.get(ChatSession, session_id)
        if row is None or _other_course(row, course_id):
            raise NotFound(f"unknown session {session_id!r}")
        return row


def history(db: Database, session_id: str, limit: int = 6) -> list[ChatTurn]:
    """The last turns of a session, oldest first."""
    with db.scope() as s:
        return _last_turns(s, session_id, limit)


def _last_turns(s, session_id: str, limit: int) -> list[ChatTurn]:
    rows = s.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id)
                     .order_by(ChatTurn.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def add_turn(db: Database, session_id: str, question: str, resolved: str, status: str, answer_json: str,
             learner_id: str | None = None, course_id: str | None = None, question_vector: bytes | None = None,
             vector_model: str = "") -> int:
    """Store one turn and return its id; the session is created here, in the same transaction, when this is its
    first turn (a concurrent first turn into the same new id is retried once and joins the row the other made).
    `question_vector`: the question's embedding as `vector_model` made it, for the next turn to read."""
    from sqlalchemy.exc import IntegrityError

    for attempt in (1, 2):
        try:
            with db.scope() as s:
                sess = s.get(ChatSession, session_id)
                if sess is None:
                    sess = ChatSession(id=session_id, learner_id=learner_id, title=question[:80],
                                       **_course(course_id))
                    s.add(sess)
                    s.flush()  # the session row first: the turn's foreign key needs it
                elif sess.learner_id != learner_id or _other_course(sess, course_id):
                    raise NotFound(f"unknown session {session_id!r}")
                turn = ChatTurn(session_id=session_id, question=question, resolved_question=resolved, status=status,
                                answer_json=answer_json, question_vector=question_vector,
                                vector_model=vector_model if question_vector is not None else "")
                s.add(turn)
                sess.updated_at = utcnow()
                if not sess.title:
                    sess.title = question[:80]
                s.flush()
                return turn.id
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _shared():
    """Sessions whose learner rated one of their answers (feedback shares that conversation with staff)."""
    return (select(ChatTurn.session_id).join(Feedback, Feedback.turn_id == ChatTurn.id)
            .join(ChatSession, ChatSession.id == ChatTurn.session_id)
            .where(Feedback.learner_id == ChatSession.learner_id))


def is_shared(db: Database, session_id: str) -> bool:
    """Whether staff may read this conversation: its learner sent feedback on one of its answers."""
    with db.scope() as s:
        return s.scalar(select(func.count()).select_from(_shared().where(ChatTurn.session_id == session_id)
                                                         .subquery())) > 0


def list_sessions(db: Database, learner_id: str | None, limit: int = 50, offset: int = 0,
                  course_id: str | None = None, shared_only: bool = False) -> list[ChatSession]:
    """A learner's sessions (of one course, when given), most recently used first, one page at a time; with
    `shared_only`, only those the learner shared through feedback (what staff may read)."""
    query = select(ChatSession).where(ChatSession.learner_id == learner_id)
    if shared_only:
        query = query.where(ChatSession.id.in_(_shared()))
    if course_id is not None:
        query = query.where(ChatSession.course_id == course_id)
    with db.scope() as s:
        return list(s.scalars(query.order_by(ChatSession.updated_at.desc(), ChatSession.id)
                              .limit(limit).offset(offset)).all())


def turns(db: Database, session_id: str, course_id: str | None = None) -> list[ChatTurn]:
    get_session(db, session_id, course_id)
    with db.scope() as s:
        return list(s.scalars(select(ChatTurn).where(ChatTurn.session_id == session_id).order_by(ChatTurn.id)).all())


def delete_session(db: Database, session_id: str, course_id: str | None = None) -> None:
    get_session(db, session_id, course_id)
    with db.scope() as s:
        s.execute(delete(ChatTurn).where(ChatTurn.session_id == session_id))
        s.execute(delete(ChatSession).where(ChatSession.id == session_id))


def public_session(row: ChatSession) -> dict:
    """A conversation's summary as clients see it."""
    return {"id": row.id, "course_id": row.course_id, "learner_id": row.learner_id, "title": row.title,
            "created_at": row.created_at, "updated_at": row.updated_at}


def conversation(db: Database, session_id: str, course_id: str | None = None) -> dict:
    """A conversation with every turn: question, how it was understood, the stored answer and its rating."""
    from .feedback import feedback_for_turns  # feedback builds on conversations, not the other way

    row = get_session(db, session_id, course_id)
    rows = turns(db, session_id, course_id)
    rated = feedback_for_turns(db, [t.id for t in rows], row.learner_id)
    return {**public_session(row), "turns": [
        {"id": t.id, "question": t.question, "resolved_question": t.resolved_question, "status": t.status,
         "created_at": t.created_at, "answer": {**json.loads(t.answer_json), "turn_id": t.id},
         "feedback": rated[t.id].public() if t.id in rated else None}
        for t in rows]}
