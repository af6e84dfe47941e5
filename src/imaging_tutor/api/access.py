"""Who may see which conversation: a learner sees their own sessions, staff see everyone's (no FastAPI here)."""
from __future__ import annotations

from ..tutor import conversations as sessions
from ..config import Settings
from ..errors import NotFound
from ..storage.models import ChatSession
from .auth import Principal


def owned_session(settings: Settings, principal: Principal, session_id: str) -> ChatSession:
    """The session if the caller may see it; another learner's session is reported as unknown, not forbidden."""
    sessions.validate_session_id(session_id)
    row = sessions.get_session(settings, session_id)
    if principal.is_staff:
        return row
    if row.learner_id is None or row.learner_id != principal.learner_id:
        raise NotFound(f"unknown session {session_id!r}")
    return row


def claimable_session(settings: Settings, principal: Principal, session_id: str) -> None:
    """Allow chatting into a session that is the caller's own or does not exist yet (it will be created as theirs)."""
    try:
        owned_session(settings, principal, session_id)
    except NotFound:
        try:
            sessions.get_session(settings, session_id)
        except NotFound:
            return  # new id: tutor.answer creates it for this learner
        raise
