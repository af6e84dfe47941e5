"""The course's bank of labelled learner questions: how learners actually ask, and which section answers.

It lives beside course.md (`questions.jsonl`, optional) and is written and reviewed like course content: each
row names the section that answers it and quotes the evidence verbatim. A malformed file stops ingest; a row
whose section or evidence has left the course is set aside as stale (reported, never silently trusted).
The ranker uses the bank as one signal ("questions like this one were answered by section X").
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .course import Course
from ..errors import CourseFormatError

QUESTIONS_FILE = "questions.jsonl"


@dataclass(frozen=True)
class BankQuestion:
    id: str
    question: str
    ref: str  # the section that best answers it


@dataclass
class QuestionBank:
    questions: list[BankQuestion] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # "id: reason" for rows the current course no longer supports


def load_question_bank(corpus_dir: str | Path, course: Course) -> QuestionBank:
    """Read and check `<corpus_dir>/questions.jsonl`; a course without one has an empty bank."""
    path = Path(corpus_dir)
    path = path.parent / QUESTIONS_FILE if path.is_file() else path / QUESTIONS_FILE
    bank = QuestionBank()
    if not path.is_file():
        return bank
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CourseFormatError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=str(path)) from None
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue

        def fail(message: str) -> None:
            raise CourseFormatError(message, line=lineno, path=str(path))

        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            fail(f"not JSON ({exc.msg})")
        if not isinstance(row, dict):
            fail("each line must be a JSON object")
        qid, question, refs = row.get("id"), row.get("question"), row.get("gold_refs")
        if not isinstance(qid, str) or not qid or qid in seen:
            fail(f"missing or repeated id {qid!r}")
        if not isinstance(question, str) or not question.strip():
            fail("question must be non-empty text")
        if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
            fail("gold_refs must be a non-empty list of section refs")
        evidence = row.get("evidence") or []
        if not isinstance(evidence, list) or not all(isinstance(q, str) and q for q in evidence):
            fail("evidence must be a list of quotes")
        seen.add(qid)
        if not course.has_ref(refs[0]):
            bank.stale.append(f"{qid}: section {refs[0]} is not in the course")
        elif any(quote not in course.section(refs[0]).text for quote in evidence):
            bank.stale.append(f"{qid}: its evidence is no longer in section {refs[0]}")
        else:
            bank.questions.append(BankQuestion(qid, question.strip(), refs[0]))
    return bank
