"""Conversations: list a learner's sessions, open one with its turns, start one, delete one; learner tokens."""
from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from ...tutor import conversations as sessions
from ...tutor import pipeline as tutor
from ...tutor.feedback import feedback_for_turns
from ..access import owned_session
from ..auth import learner_token, load_tokens
from ..deps import LEARNER_ID_PATTERN, LearnerDep, PrincipalDep, SettingsDep, StaffDep
from ..schemas import SESSION_ID, SessionDetail, SessionPublic

router = APIRouter(tags=["sessions"])
SessionId = Annotated[str, Path(pattern=SESSION_ID)]


def _public(row) -> dict:
    return {"id": row.id, "learner_id": row.learner_id, "title": row.title, "created_at": row.created_at,
            "updated_at": row.updated_at}


@router.get("/sessions", response_model=list[SessionPublic], summary="A learner's conversations, newest first",
            description="Learners see their own; staff pass ?learner_id=…")
def list_sessions(settings: SettingsDep, principal: PrincipalDep,
                  learner_id: Annotated[str | None, Query(pattern=LEARNER_ID_PATTERN)] = None) -> list[dict]:
    if learner_id is not None and learner_id != principal.learner_id and not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only staff may list another learner's sessions")
    who = learner_id or principal.learner_id
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send X-Learner-Id (or, as staff, ?learner_id=…)",
                            headers={"WWW-Authenticate": "Bearer"})
    return [_public(r) for r in sessions.list_sessions(settings, who)]


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED,
             summary="Start a conversation")
def create_session(settings: SettingsDep, principal: LearnerDep) -> dict:
    sid = tutor.new_session(settings, learner_id=principal.learner_id)
    return _public(sessions.get_session(settings, sid))


@router.get("/sessions/{session_id}", response_model=SessionDetail, summary="A conversation with all its turns")
def get_session(session_id: SessionId, settings: SettingsDep, principal: PrincipalDep) -> dict:
    row = owned_session(settings, principal, session_id)
    turns = sessions.turns(settings, session_id)
    rated = feedback_for_turns(settings, [t.id for t in turns])
    return {**_public(row), "turns": [
        {"id": t.id, "question": t.question, "resolved_question": t.resolved_question, "status": t.status,
         "created_at": t.created_at, "answer": {**json.loads(t.answer_json), "turn_id": t.id},
         "feedback": rated[t.id].public() if t.id in rated else None}
        for t in turns]}


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a conversation")
def delete_session(session_id: SessionId, settings: SettingsDep, principal: PrincipalDep) -> Response:
    owned_session(settings, principal, session_id)
    sessions.delete_session(settings, session_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class LearnerTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    learner_id: str = Field(pattern=LEARNER_ID_PATTERN)


@router.post("/learner-tokens", summary="Issue a learner bearer token (staff)",
             description="A signed token that identifies one learner, for clients that prefer a bearer token to "
                         "the X-Learner-Id header. It grants a learner's rights only.")
def issue_learner_token(body: LearnerTokenIn, settings: SettingsDep, _staff: StaffDep) -> dict:
    return {"learner_id": body.learner_id, "token": learner_token(load_tokens(settings), body.learner_id)}
