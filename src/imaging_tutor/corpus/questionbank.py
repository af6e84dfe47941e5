"""The course's bank of labelled learner questions: how learners actually ask, and which section answers.

It lives beside course.md (`questions.jsonl`, optional) and is written and reviewed like course content: each
row names the section that answers it and quotes the evidence verbatim. `read_question_bank` checks every row and
collects what is wrong with the line number; ingest then skips a malformed bank as a whole (reported, never
trusted in part: a file that is not a bank, e.g. an eval set dropped into the folder, must not steer the ranker),
and a row whose section or evidence has left the course is set aside as stale. `load_question_bank` is the strict
form for scripts: the first malformed row raises. The ranker uses the bank as one signal ("questions like this one
were answered by section X").
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
    refs: tuple[str, ...] = ()  # every section the row names (ref first)


@dataclass
class QuestionBank:
    questions: list[BankQuestion] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)  # "id: reason" for rows the current course no longer supports
    errors: list[tuple[int | None, str]] = field(default_factory=list)  # (line, message) of malformed rows
    path: Path | None = None  # the file read (None when the course has no bank)

    @property
    def present(self) -> bool:
        return self.path is not None

    @property
    def malformed(self) -> bool:
        return bool(self.errors)


def bank_path(corpus_dir: str | Path) -> Path:
    """Where a course folder (or its course.md) keeps its bank."""
    path = Path(corpus_dir)
    return path.parent / QUESTIONS_FILE if path.is_file() else path / QUESTIONS_FILE


def _row_error(row, seen: set[str]) -> str | None:
    """What is wrong with one parsed row (None when it is a well-formed bank question)."""
    if not isinstance(row, dict):
        return "each line must be a JSON object"
    qid, question, refs = row.get("id"), row.get("question"), row.get("gold_refs")
    if not isinstance(qid, str) or not qid or qid in seen:
        return f"missing or repeated id {qid!r}"
    if row.get("kind", "answerable") != "answerable":
        return (f"a {row.get('kind')!r} question: a bank holds only answerable questions with the section that "
                "answers them (is this an eval set?)")
    if not isinstance(question, str) or not question.strip():
        return "question must be non-empty text"
    if not isinstance(refs, list) or not refs or not all(isinstance(r, str) for r in refs):
        return "gold_refs must be a non-empty list of section refs"
    evidence = row.get("evidence") or []
    if not isinstance(evidence, list) or not all(isinstance(q, str) and q for q in evidence):
        return "evidence must be a list of quotes"
    return None


def read_question_bank(corpus_dir: str | Path, course: Course) -> QuestionBank:
    """Read and check `<corpus_dir>/questions.jsonl`, collecting every malformed row (never raises for content)."""
    path = bank_path(corpus_dir)
    bank = QuestionBank()
    if not path.is_file():
        return bank
    bank.path = path
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        bank.errors.append((None, f"not valid UTF-8 ({exc.reason} at byte {exc.start})"))
        return bank
    except OSError as exc:
        bank.errors.append((None, f"cannot be read ({exc.strerror})"))
        return bank
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            bank.errors.append((lineno, f"not JSON ({exc.msg})"))
            continue
        problem = _row_error(row, seen)
        if problem:
            bank.errors.append((lineno, problem))
            continue
        qid, refs, evidence = row["id"], row["gold_refs"], row.get("evidence") or []
        seen.add(qid)
        if not course.has_ref(refs[0]):
            bank.stale.append(f"{qid}: section {refs[0]} is not in the course")
        elif any(quote not in course.section(refs[0]).text for quote in evidence):
            bank.stale.append(f"{qid}: its evidence is no longer in section {refs[0]}")
        else:
            bank.questions.append(BankQuestion(qid, row["question"].strip(), refs[0],
                                               tuple(r for r in refs if course.has_ref(r))))
    return bank


def load_question_bank(corpus_dir: str | Path, course: Course) -> QuestionBank:
    """The bank, strictly: the first malformed row raises CourseFormatError naming the file and line."""
    bank = read_question_bank(corpus_dir, course)
    if bank.errors:
        line, message = bank.errors[0]
        raise CourseFormatError(message, line=line, path=str(bank.path))
    return bank
