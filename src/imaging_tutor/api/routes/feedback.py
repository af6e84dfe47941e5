"""Feedback: a learner rates an answer (thumbs up/down + comment); staff read the inbox."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from ...tutor import feedback
from ...errors import NotFound
from ..deps import CourseIdDep, FeedbackRateLimit, LearnerDep, ServicesDep, StaffDep
from ..schemas import FeedbackCreate, FeedbackPublic, FeedbackWithAnswer

router = APIRouter(tags=["feedback"])


@router.post("/feedback", response_model=FeedbackPublic, status_code=status.HTTP_201_CREATED,
             dependencies=[FeedbackRateLimit], summary="Rate an answer",
             description="One rating per learner and turn; sending again replaces it. Only the learner who asked "
                         "can rate (staff and maintainer tokens get 403).")
def give_feedback(body: FeedbackCreate, services: ServicesDep, course_id: CourseIdDep, principal: LearnerDep) -> dict:
    owner = feedback.turn_owner(services.db, body.turn_id, course_id)  # another course's turn is unknown here
    if owner is None or owner != principal.learner_id:
        raise NotFound(f"unknown turn {body.turn_id}")  # another learner's turn is not revealed
    entry = feedback.give_feedback(services.db, turn_id=body.turn_id, rating=body.rating, comment=body.comment,
                                   learner_id=principal.learner_id)
    return entry.public()


@router.get("/feedback", response_model=list[FeedbackWithAnswer], summary="Feedback inbox (staff)")
def list_feedback(services: ServicesDep, course_id: CourseIdDep, _staff: StaffDep,
                  rating: Literal["up", "down"] | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[dict]:
    return [e.public(with_answer=True) for e in feedback.list_feedback(services.db, rating=rating, limit=limit,
                                                                      offset=offset, course_id=course_id)]
