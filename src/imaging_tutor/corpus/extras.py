"""Optional course data beside course.md: glossary.json (key terms for quizzes) and synonyms.json (abbreviations).

Course data lives with the course, never in code: another course folder brings its own (or none: then quiz terms and
abbreviations come only from what the course text itself defines).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CourseFormatError

GLOSSARY_FILE = "glossary.json"
SYNONYMS_FILE = "synonyms.json"


@dataclass(frozen=True)
class GlossaryTerm:
    """A key term: display name, a regex for its spellings, its family, its contrasting partner."""

    name: str
    pattern: str
    family: str
    partner: str | None = None
    core: bool = True  # may be asked about; otherwise it only fills options
    abbr: str | None = None
    distractor: bool = True  # may stand as a wrong option for other terms
    swap_in_statements: bool = False  # swapping it for its partner reverses any claim the course makes with it


@dataclass(frozen=True)
class Glossary:
    terms: tuple[GlossaryTerm, ...] = ()
    confusable: tuple[tuple[str, str], ...] = ()  # pairs too close to serve as each other's wrong option
    neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)  # family -> families lending distractors


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CourseFormatError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise CourseFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno, path=str(path)) from None
    if not isinstance(data, dict):
        raise CourseFormatError("expected a JSON object", path=str(path))
    return data


def load_glossary(folder: Path) -> Glossary:
    """The course's glossary.json, checked (an empty Glossary when the course has none)."""
    path = folder / GLOSSARY_FILE
    if not path.is_file():
        return Glossary()
    data = _read_json(path)
    terms = []
    for i, raw in enumerate(data.get("terms") or []):
        where = f"term #{i + 1}"
        if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and raw[k] for k in ("name", "pattern",
                                                                                                 "family")):
            raise CourseFormatError(f"{where}: needs name, pattern and family", path=str(path))
        try:
            re.compile(raw["pattern"])
        except re.error as exc:
            raise CourseFormatError(f"{where} ({raw['name']}): bad pattern: {exc}", path=str(path)) from None
        terms.append(GlossaryTerm(raw["name"], raw["pattern"], raw["family"], raw.get("partner"),
                                  bool(raw.get("core", True)), raw.get("abbr"), bool(raw.get("distractor", True)),
                                  bool(raw.get("swap_in_statements", False))))
    names = {t.name for t in terms}
    for t in terms:
        if t.partner and t.partner not in names:
            raise CourseFormatError(f"{t.name}: partner {t.partner!r} is not a term of the glossary", path=str(path))
    pairs = tuple(tuple(p) for p in data.get("confusable") or [] if isinstance(p, list) and len(p) == 2)
    neighbours = {str(k): tuple(v) for k, v in (data.get("neighbours") or {}).items() if isinstance(v, list)}
    return Glossary(tuple(terms), pairs, neighbours)


def load_synonyms(folder: Path) -> dict[str, str]:
    """The course's synonyms.json: lower-case abbreviation -> the words it stands for ({} when absent)."""
    path = folder / SYNONYMS_FILE
    if not path.is_file():
        return {}
    raw = _read_json(path).get("synonyms") or {}
    if not isinstance(raw, dict) or not all(isinstance(k, str) and isinstance(v, str) and v for k, v in raw.items()):
        raise CourseFormatError("'synonyms' must map abbreviations to their words", path=str(path))
    return {k.lower(): v.lower() for k, v in raw.items()}
