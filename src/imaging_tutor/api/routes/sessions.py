"""Conversations: list a learner's sessions (a page at a time), open one with its turns, start one, delete one."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from ...tutor import conversations
from ...tutor import pipeline as tutor
from ..access import owned_session
from ..deps import LEARNER_ID_PATTERN, CourseIdDep, LearnerDep, PrincipalDep, ServicesDep, SessionsRateLimit
from ..schemas import SESSION_ID, SessionDetail, SessionPublic

router = APIRouter(tags=["sessions"])
SessionId = Annotated[str, Path(pattern=SESSION_ID)]


@router.get("/sessions", response_model=list[SessionPublic], summary="A learner's conversations, newest first",
            description="Learners see their own; staff pass ?learner_id=… and see the conversations that learner "
                        "shared by rating one of its answers. One page of `limit` from `offset`; "
                        "a `Link: <…>; rel=\"next\"` header points to the next page when there is one.")
def list_sessions(services: ServicesDep, course_id: CourseIdDep, principal: PrincipalDep, request: Request,
                  response: Response,
                  learner_id: Annotated[str | None, Query(pattern=LEARNER_ID_PATTERN)] = None,
                  limit: Annotated[int, Query(ge=1, le=100)] = 50,
                  offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[dict]:
    if learner_id is not None and learner_id != principal.learner_id and not principal.is_staff:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only staff may list another learner's sessions")
    who = learner_id or principal.learner_id
    if who is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "send a learner bearer token (or, as staff, ?learner_id=…)",
                            headers={"WWW-Authenticate": "Bearer"})
    shared_only = principal.is_staff and who != principal.learner_id  # staff read only what learners shared
    rows = conversations.list_sessions(services.db, who, limit=limit + 1, offset=offset, course_id=course_id,
                                       shared_only=shared_only)
    if len(rows) > limit:
        more = f"limit={limit}&offset={offset + limit}" + (f"&learner_id={learner_id}" if learner_id else "")
        response.headers["Link"] = f'<{request.url.path}?{more}>; rel="next"'
    return [conversations.public_session(r) for r in rows[:limit]]


@router.post("/sessions", response_model=SessionPublic, status_code=status.HTTP_201_CREATED,
             dependencies=[SessionsRateLimit], summary="Start a conversation")
def create_session(services: ServicesDep, principal: LearnerDep) -> dict:
    sid = tutor.new_session(services, learner_id=principal.learner_id)  # in the course of the URL
    return conversations.public_session(conversations.get_session(services.db, sid))


@router.get("/sessions/{session_id}", response_model=SessionDetail, summary="A conversation with all its turns")
def get_session(session_id: SessionId, services: ServicesDep, course_id: CourseIdDep, principal: PrincipalDep) -> dict:
    owned_session(services.db, principal, session_id, course_id)
    return conversations.conversation(services.db, session_id, course_id)


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a conversation")
def delete_session(session_id: SessionId, services: ServicesDep, course_id: CourseIdDep,
                   principal: PrincipalDep) -> Response:
    owned_session(services.db, principal, session_id, course_id)
    conversations.delete_session(services.db, session_id, course_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
