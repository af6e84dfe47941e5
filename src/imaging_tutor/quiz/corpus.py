"""Load the course (and its quiz keys file) for quiz work, re-reading only when the files change."""
from __future__ import annotations

import json
import threading
from pathlib import Path

from ..config import Settings, get_settings
from ..corpus.course import COURSE_FILE, Course, load_course
from ..errors import CourseFormatError

KEYS_FILE = "quiz_keys.json"
_cache: dict[tuple[str, int], Course] = {}
_lock = threading.Lock()


def course_dir(settings: Settings | None = None) -> Path:
    return Path((settings or get_settings()).corpus_dir)


def get_course(settings: Settings | None = None) -> Course:
    """The configured course, parsed once per file version."""
    path = course_dir(settings) / COURSE_FILE
    try:
        key = (str(path.resolve()), path.stat().st_mtime_ns)
    except FileNotFoundError:
        raise CourseFormatError("course file not found", path=str(path)) from None
    with _lock:
        if key not in _cache:
            if len(_cache) > 4:
                _cache.clear()
            _cache[key] = load_course(path)
        return _cache[key]


def read_keys(settings: Settings | None = None, path: Path | None = None) -> dict:
    """The raw quiz keys document beside course.md."""
    path = path or course_dir(settings) / KEYS_FILE
    if not path.is_file():
        raise CourseFormatError("quiz keys file not found", path=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CourseFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno, path=str(path)) from None
