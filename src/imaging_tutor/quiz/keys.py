"""The course's own chapter quizzes: answer keys from quiz_keys.json turned into items, and a check of the keys."""
from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

import json
import logging
import re
from pathlib import Path

from ..corpus.course import Course
from ..errors import CourseFormatError, NotFound
from .ids import digest, item_id, rng_for
from .schema import ItemCitation, QuizItem
from .text import normalize_answer


class CourseKey(BaseModel):
    """One chapter-quiz stem with its answer key, as stored beside course.md."""

    id: str
    chapter: int
    number: int
    stem: str
    answer: str
    distractors: list[str] = Field(min_length=3, max_length=3)
    key_terms: list[str] = Field(min_length=1)
    explanation: str
    ref: str


KEYS_FILE = "quiz_keys.json"
log = logging.getLogger(__name__)


def read_keys(course_dir: str | Path) -> dict:
    """The raw quiz keys document beside course.md."""
    path = Path(course_dir) / KEYS_FILE
    if not path.is_file():
        raise CourseFormatError("quiz keys file not found", path=str(path))
    try:
        return json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise CourseFormatError(f"invalid JSON: {exc.msg}", line=exc.lineno, path=str(path)) from None


def load_keys(course_dir: str | Path, course: Course) -> list[CourseKey]:
    """Parse and validate the keys file; any defect is a CourseFormatError naming the item."""
    doc = read_keys(course_dir)
    path = str(Path(course_dir) / KEYS_FILE)
    if not isinstance(doc, dict) or not isinstance(doc.get("items", []), list):
        raise CourseFormatError("expected an object with a list of 'items'", path=path)
    if doc.get("course_id") not in (None, course.id):
        raise CourseFormatError(f"quiz keys are for course {doc.get('course_id')!r}, not {course.id!r}", path=path)
    keys: list[CourseKey] = []
    for i, raw in enumerate(doc.get("items", [])):
        try:
            keys.append(CourseKey.model_validate(raw))
        except ValidationError as exc:
            name = raw.get("id", "?") if isinstance(raw, dict) else "?"
            raise CourseFormatError(f"quiz key #{i + 1} ({name}): {exc.errors()[0]['msg']}", path=path) from None
    return keys


def check_keys(course: Course, keys: list[CourseKey]) -> list[str]:
    """Problems with the keys (empty when sound): stems match the course, quotes are verbatim, one right option."""
    problems: list[str] = []
    stems = {(c.number, q.number): q.text for c in course.chapters for q in c.quiz}
    seen: set[tuple[int, int]] = set()
    for k in keys:
        where = f"{k.id}"
        if (k.chapter, k.number) in seen:
            problems.append(f"{where}: duplicate key for chapter {k.chapter} stem {k.number}")
        seen.add((k.chapter, k.number))
        if stems.get((k.chapter, k.number)) != k.stem:
            problems.append(f"{where}: stem differs from the course's chapter {k.chapter} quiz stem {k.number}")
        if not course.has_ref(k.ref):
            problems.append(f"{where}: unknown section ref {k.ref}")
            continue
        if not k.ref.startswith(f"{k.chapter}."):
            problems.append(f"{where}: ref {k.ref} is outside chapter {k.chapter}")
        if k.explanation not in course.section(k.ref).text:
            problems.append(f"{where}: explanation is not a verbatim quote of section {k.ref}")
        options = [normalize_answer(o, course.synonyms) for o in [k.answer, *k.distractors]]
        if len(set(options)) != len(options):
            problems.append(f"{where}: options repeat")
        if options.count(normalize_answer(k.answer, course.synonyms)) != 1:
            problems.append(f"{where}: the answer must be exactly one option")
    missing = set(stems) - seen
    if missing:
        problems.append(f"no key for stems {sorted(missing)}")
    return problems


_APPLY_STEM = re.compile(r"\b(?:which situation|next step|what should|operating choice|which example|which approach|"
                         r"brochure|claims?|a practical way|intended to)\b", re.IGNORECASE)
_RECALL_STEM = re.compile(r"^(?:what is|what does .* mean|which (?:set|description|statement) best (?:matches|represents))",
                          re.IGNORECASE)


def key_level(stem: str) -> str:
    """A chapter-quiz stem's level: a case to act on is apply; naming what the chapter says is recall; else understand."""
    return "apply" if _APPLY_STEM.search(stem) else "recall" if _RECALL_STEM.search(stem) else "understand"


# Stems that choose among options make no sense without them ("Which situation best matches …?"), so they stay
# multiple choice even when a learner asks to answer in their own words.
_NEEDS_OPTIONS = re.compile(r"^(?:which|[^?]*\b(?:is usually to|best reflects?|best matches?)\b)", re.IGNORECASE)


def needs_options(stem: str) -> bool:
    return bool(_NEEDS_OPTIONS.search(stem.strip()))


def key_item(course: Course, key: CourseKey, as_type: str = "mcq") -> QuizItem:
    """A course quiz key as an item: multiple choice (options shuffled by the item id) or free text."""
    section = course.section(key.ref)
    iid = item_id(course.version, key.ref, as_type, "course_key", key.id, key.explanation)
    options: list[str] = []
    if as_type == "mcq":
        options = [key.answer, *key.distractors]
        rng_for(iid, "options").shuffle(options)
    return QuizItem(
        id=iid, type=as_type, prompt=key.stem, options=options, answer=key.answer,
        explanation=key.explanation,
        citation=ItemCitation(ref=key.ref, section_title=section.section_title, quote=key.explanation,
                          chapter=section.chapter, chapter_title=section.chapter_title),
        difficulty="medium" if as_type == "mcq" else "hard",
        source_hash=digest(key.explanation), kind="course_key", origin="course",
        key_terms=list(key.key_terms), distractors=list(key.distractors) if as_type == "short" else [],
        level=key_level(key.stem), concept=f"course:{key.id}",
    )


_PRACTICE_INSTEAD = "a practice quiz (questions generated from the course text) can be taken instead"
NO_KEYS = f"this course's chapter quizzes have no answer keys, so they cannot be taken here; {_PRACTICE_INSTEAD}"
UNREADABLE_KEYS = (f"this course's chapter quizzes cannot be taken right now: their answer keys file has a defect that "
                   f"staff can find with `imaging-tutor course check`; {_PRACTICE_INSTEAD}")


def course_items(course_dir: str | Path, course: Course, chapter: int | None = None,
                 as_type: str = "mcq") -> list[QuizItem]:
    """The course's chapter-quiz items (all chapters, or one), in stem order; NotFound, in words a learner can act
    on, when the course ships no keys (a course drafted from raw text has stems but no options or answers)."""
    if chapter is not None:
        course.chapter(chapter)  # NotFound for an unknown chapter
    if not (Path(course_dir) / KEYS_FILE).is_file():
        raise NotFound(NO_KEYS)
    try:
        keys = [k for k in load_keys(course_dir, course) if chapter is None or k.chapter == chapter]
    except CourseFormatError as exc:  # staff's file, not the learner's input: the path goes to the log only
        log.warning("course quiz unavailable: %s (run `imaging-tutor course check`)", exc)
        raise NotFound(UNREADABLE_KEYS) from None
    if not keys:
        raise NotFound(f"chapter {chapter}'s own quiz has no answer keys, so it cannot be taken here; "
                       f"{_PRACTICE_INSTEAD}")
    keys.sort(key=lambda k: (k.chapter, k.number))
    return [key_item(course, k, "mcq" if as_type == "short" and needs_options(k.stem) else as_type) for k in keys]



def keyed_chapters(course_dir: str | Path, course: Course) -> list[int]:
    """The chapters whose own quiz can be taken (a key for at least one of its stems): what a client may offer.
    No chapter when the keys file is absent or malformed (`course check` says why)."""
    try:
        keys = load_keys(course_dir, course)
    except CourseFormatError:
        return []
    return sorted({k.chapter for k in keys} & {c.number for c in course.chapters})


COURSE_QUIZ_ID = re.compile(r"^course(?:-(\d{1,3}))?$")


def course_quiz(course_dir: str | Path, course: Course, quiz_id: str):
    """The course's own chapter quizzes as a Quiz: id 'course' (every chapter) or 'course-N' (chapter N)."""
    from .schema import Quiz

    m = COURSE_QUIZ_ID.match(quiz_id or "")
    if not m:
        raise NotFound(f"unknown quiz {quiz_id!r}")
    chapter = int(m.group(1)) if m.group(1) else None
    items = course_items(course_dir, course, chapter=chapter)
    title = (f"Chapter {chapter} quiz: {course.chapter(chapter).title}" if chapter else f"{course.title}: chapter quizzes")
    return Quiz(id=quiz_id, title=title, course_id=course.id, course_version=course.version, items=items)
