"""GET /courses: the courses this deployment serves (each also at /api/v1/courses/{id}/…)."""
from __future__ import annotations

from fastapi import APIRouter, Request

from ..schemas import CoursePublic

router = APIRouter(tags=["courses"])


@router.get("/courses", response_model=list[CoursePublic], summary="The courses of this deployment",
            description="Every course (id, title, version); `default` marks the one the plain /api/v1/… routes "
                        "serve. Each course's routes are under /api/v1/courses/{id}/…")
def list_courses(request: Request) -> list[dict]:
    return request.app.state.services.catalog().public()
