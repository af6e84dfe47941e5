"""The courses one deployment serves: every course folder of TUTOR_COURSES_DIR, plus the course in TUTOR_CORPUS_DIR.

A course's id is its course.md front-matter `id`, never its folder name, so a folder can be renamed without
orphaning its index, sessions or progress. The default course (served at the plain /api/v1/… routes) is
TUTOR_DEFAULT_COURSE when set, else the course in TUTOR_CORPUS_DIR, else the first course by id. A folder that does
not parse, or repeats an id another folder already has, is left out and reported in `problems` (the others are
still served); `imaging-tutor course check` says what is wrong with it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..config import Settings
from ..errors import CourseFormatError, NotFound
from .course import COURSE_FILE, load_course


@dataclass(frozen=True)
class CourseEntry:
    """One course of the deployment: its id, title and version (from course.md) and its folder."""

    id: str
    title: str
    version: str
    folder: Path

    def public(self, default_id: str | None = None) -> dict:
        return {"id": self.id, "title": self.title, "version": self.version, "default": self.id == default_id}


@dataclass(frozen=True)
class Catalog:
    courses: tuple[CourseEntry, ...] = ()
    default_id: str | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.courses]

    def get(self, course_id: str) -> CourseEntry:
        """The course with this id, or NotFound naming the ones there are."""
        for c in self.courses:
            if c.id == course_id:
                return c
        raise NotFound(f"unknown course {course_id!r}; this deployment has: {', '.join(self.ids) or 'no course'}")

    def public(self) -> list[dict]:
        return [c.public(self.default_id) for c in self.courses]


def course_folders(courses_dir: Path) -> list[Path]:
    """The folders of a courses directory that hold a course.md, by name."""
    if not courses_dir.is_dir():
        return []
    return sorted(p for p in courses_dir.iterdir() if p.is_dir() and (p / COURSE_FILE).is_file())


def build_catalog(settings: Settings) -> Catalog:
    """Read every course folder's course.md once and list the courses (see the module docstring for the rules)."""
    entries: list[CourseEntry] = []
    problems: list[str] = []
    seen: dict[str, Path] = {}

    def add(folder: Path) -> str | None:
        try:
            course = load_course(folder)
        except CourseFormatError as exc:
            problems.append(f"{folder}: left out: {exc}")
            return None
        if course.id in seen:
            if seen[course.id].resolve() != folder.resolve():
                problems.append(f"{folder}: left out: course id {course.id!r} is already used by {seen[course.id]}")
            return course.id
        seen[course.id] = folder
        entries.append(CourseEntry(course.id, course.title, course.version, folder))
        return course.id

    if settings.courses_dir is not None:
        if not settings.courses_dir.is_dir():
            problems.append(f"{settings.courses_dir}: TUTOR_COURSES_DIR is not a folder")
        for folder in course_folders(settings.courses_dir):
            add(folder)
    corpus_id = add(Path(settings.corpus_dir)) if (Path(settings.corpus_dir) / COURSE_FILE).is_file() or \
        settings.courses_dir is None else None
    default = settings.default_course or corpus_id
    if default is not None and default not in seen:
        problems.append(f"default course {default!r} is not among the courses ({', '.join(sorted(seen)) or 'none'})")
        default = None
    if default is None and entries:
        default = sorted(seen)[0]
    return Catalog(tuple(sorted(entries, key=lambda e: e.id)), default, tuple(problems))
