"""GET /sections and GET /sections/{ref}: the outline, and one section with quoted passages located."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from ...errors import InvalidInput
from ...corpus.outline import outline, section_view
from ..deps import ServicesDep
from ..schemas import REF, Outline, SectionPublic

router = APIRouter(tags=["sections"])


@router.get("/sections", response_model=Outline, summary="Course outline")
def list_sections(services: ServicesDep) -> dict:
    return outline(services.course())


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
