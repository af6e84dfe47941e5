"""Ingest every course of the deployment (TUTOR_COURSES_DIR and TUTOR_CORPUS_DIR) into one data dir and one store.

Collections are named by course id and IndexState rows are keyed by it, so the courses live side by side; a course
that fails (a parse error) is reported and the others still go in.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..errors import TutorError
from .ingest import IngestSummary, ingest


@dataclass
class CoursesIngest:
    summaries: list[IngestSummary] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "folder: reason" for courses left out or failed

    @property
    def ok(self) -> bool:
        return not self.failures


def ingest_courses(services, *, report: Callable[[IngestSummary], None] | None = None) -> CoursesIngest:
    """Ingest each course of the catalog (read afresh) with its own Services, sharing model, store and database."""
    catalog = services.catalog(refresh=True)
    result = CoursesIngest(failures=list(catalog.problems))
    for entry in catalog.courses:
        try:
            summary = ingest(services.for_course(entry.id))
        except TutorError as exc:
            result.failures.append(f"{entry.folder}: {exc}")
            continue
        result.summaries.append(summary)
        if report is not None:
            report(summary)
    return result
