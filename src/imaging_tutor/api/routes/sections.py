"""GET /sections and GET /sections/{ref}: the outline, and one section with quoted passages located."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ...errors import InvalidInput
from ...corpus.outline import outline, section_view
from ...quiz.keys import keyed_chapters
from ..deps import ServicesDep
from ...corpus.starters import starter_questions
from ..schemas import REF, Outline, SectionPublic, StarterQuestion

router = APIRouter(tags=["sections"])


@router.get("/sections", response_model=Outline, summary="Course outline")
def list_sections(services: ServicesDep) -> dict:
    course = services.course()
    return outline(course, keyed_chapters(services.settings.corpus_dir, course))


@router.get("/sections/{ref}", response_model=SectionPublic, summary="One section's full text",
            description="With ?quote=… (repeatable), `highlights` gives the character offsets of each quoted "
                        "passage in `text`, so a client can mark the sentences an answer cited.")
def get_section(
    services: ServicesDep,
    ref: Annotated[str, Path(pattern=REF, description="section ref such as 4.3")],
    quote: Annotated[list[str], Query(max_length=20, description="passages to locate")] = [],
) -> dict:
    if any(len(q) > 5000 for q in quote):
        raise InvalidInput("a quote is longer than 5000 characters")
    return section_view(services.course(), ref, quote)


@router.get("/starters", response_model=list[StarterQuestion], summary="Starter questions for a first screen",
            description="Questions the course answers, one per chapter in course order (a second round when the "
                        "course has fewer chapters than `count`). Another `rotation` shows other questions.")
def starters(services: ServicesDep, count: Annotated[int, Query(ge=1, le=20)] = 8,
             rotation: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> list[dict]:
    return starter_questions(services.course(), count=count, rotation=rotation)
