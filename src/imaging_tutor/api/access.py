"""Who may see which conversation: a learner sees their own sessions; staff see only those a learner shared by
sending feedback on one of its answers (no FastAPI here)."""
from __future__ import annotations

from ..errors import NotFound
from ..storage.db import Database
from ..storage.models import ChatSession
from ..tutor import conversations
from .auth import Principal


def owned_session(db: Database, principal: Principal, session_id: str, course_id: str | None = None) -> ChatSession:
    """The session if the caller may see it; another learner's session, or one of another course than
    `course_id`, is reported as unknown, not forbidden."""
    conversations.validate_session_id(session_id)
    row = conversations.get_session(db, session_id, course_id)
    if principal.is_staff and conversations.is_shared(db, session_id):
        return row
    if row.learner_id is None or row.learner_id != principal.learner_id:
        raise NotFound(f"unknown session {session_id!r}")
    return row


def claimable_session(db: Database, principal: Principal, session_id: str, course_id: str | None = None) -> None:
    """Allow chatting into a session that is the caller's own (of this course) or does not exist yet (it will be
    created as theirs, in this course)."""
    try:
        owned_session(db, principal, session_id, course_id)
    except NotFound:
        try:
            conversations.get_session(db, session_id)
        except NotFound:
            return  # a new id: the session is created with its first turn, as this learner's
        raise
