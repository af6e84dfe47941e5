"""Staff insight: what learners ask per section, what the course could not answer, which quiz items they miss."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from ...insight.report import build_report, report_csv
from ..deps import ServicesDep, StaffDep
from ..schemas import InsightReport

router = APIRouter(tags=["insight"])

ChapterQ = Annotated[int | None, Query(ge=1, le=999, description="only this chapter")]
SinceQ = Annotated[date | None, Query(description="from this day (UTC, inclusive), e.g. 2026-01-31")]
UntilQ = Annotated[date | None, Query(description="to this day (UTC, inclusive)")]


@router.get("/insight", response_model=InsightReport, summary="What learners need (staff)",
            description="Per section: questions asked, share answered vs refused, ratings, quiz accuracy and "
                        "mastery across learners. Content gaps: refused and not-helpful questions grouped by meaning. "
                        "The most missed quiz items with their answer distribution. Learners are counted, never "
                        "named.")
def insight(services: ServicesDep, _staff: StaffDep, chapter: ChapterQ = None, since: SinceQ = None,
            until: UntilQ = None) -> dict:
    return build_report(services.db, services.course(), services.embedder, chapter=chapter, since=since, until=until)


@router.get("/insight/export", summary="One insight table as CSV (staff)", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def insight_csv(services: ServicesDep, _staff: StaffDep,
                table: Literal["sections", "gaps", "items"] = "sections", chapter: ChapterQ = None,
                since: SinceQ = None, until: UntilQ = None) -> Response:
    report = build_report(services.db, services.course(), services.embedder, chapter=chapter, since=since,
                          until=until)
    name = f"insight-{services.course().id}-{table}.csv"
    return Response(report_csv(report, table), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
