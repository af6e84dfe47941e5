"""Our own exception types: errors a user can cause, each mapped to a clear message (and a 4xx in the API)."""
from __future__ import annotations


class TutorError(Exception):
    """Base for every error this package raises on purpose."""

    status_code = 400


class CourseFormatError(TutorError):
    """A course file that cannot be parsed; names the file and line."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        where = f"{path or 'course'}:{line}" if line is not None else (path or "course")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.path = path


class InvalidInput(TutorError):
    """Input a user sent that we refuse (empty, too long, malformed)."""


class NotFound(TutorError):
    """An id or ref that does not exist."""

    status_code = 404


class Conflict(TutorError):
    """A request that clashes with stored state (e.g. an item already answered)."""

    status_code = 409


class ServiceUnavailable(TutorError):
    """A backing service (vector store, database, LLM) is down; the request can be retried."""

    status_code = 503


class IndexMissing(ServiceUnavailable):
    """No index has been built yet for the course."""
