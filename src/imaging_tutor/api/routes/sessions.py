"""Conversations: list a learner's sessions, open one with its turns, start one, delete one; learner tokens."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status

from ...tutor import conversations
from ...tutor import pipeline as tutor
from ..access import owned_session
from ..auth import learner_token
from ..deps import LEARNER_ID_PATTERN, LearnerDep, PrincipalDep, ServicesDep, StaffDep
from ..schemas import SESSION_ID, LearnerTokenIn, SessionDetail, SessionPublic

router = APIRouter(tags=["sessions"])
SessionId = Annotated[str, Path(pattern=SESSION_ID)]


@router.get("/sessions", response_model=list[SessionPublic], summary="A learner's conversations, newest first",
            description="Learners see their own; staff pass ?learner_id=…")
def list_sessions(services: ServicesDep, principal: PrincipalDep,
                  learner_id: Annotated[str | None, Query(pattern=LEARNER_ID_PATTERN)] = None) -> list[dict]:
    if learner_id is not None and learner_id != principal.learner_id and not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only staff may list another learner's sessions")
    who = learner_id or principal.learner_id
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send X-Learner-Id (or, as staff, ?learner_id=…)",
                            headers={"WWW-Authenticate": "Bearer"})
    return [conversations.public_session(r) for r in conversations.list_sessions(services.db, who)]


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED,
             summary="Start a conversation")
def create_session(services: ServicesDep, principal: LearnerDep) -> dict:
    sid = tutor.new_session(services, learner_id=principal.learner_id)
    return conversations.public_session(conversations.get_session(services.db, sid))


@router.get("/sessions/{session_id}", response_model=SessionDetail, summary="A conversation with all its turns")
def get_session(session_id: SessionId, services: ServicesDep, principal: PrincipalDep) -> dict:
    owned_session(services.db, principal, session_id)
    return conversations.conversation(services.db, session_id)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a conversation")
def delete_session(session_id: SessionId, services: ServicesDep, principal: PrincipalDep) -> Response:
    owned_session(services.db, principal, session_id)
    conversations.delete_session(services.db, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/learner-tokens", summary="Issue a learner bearer token (staff)",
             description="A signed token that identifies one learner, for clients that prefer a bearer token to "
                         "the X-Learner-Id header. It grants a learner's rights only.")
def issue_learner_token(body: LearnerTokenIn, services: ServicesDep, _staff: StaffDep) -> dict:
    from ..auth import load_tokens

    return {"learner_id": body.learner_id, "token": learner_token(load_tokens(services.settings), body.learner_id)}
