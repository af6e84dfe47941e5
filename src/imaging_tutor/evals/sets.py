"""Load and validate an eval question set (JSONL); every defect is reported with its line number before anything runs."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from ..corpus.course import Course
from ..errors import InvalidInput

KINDS = ("answerable", "out_of_scope", "medical_advice", "small_talk")
# Kinds of input, each reported on its own: clean single questions, turns of a conversation, workplace messages with
# context, search-box queries, near misses (course words, not course answers), personal medical questions, a
# learner's questions about their own study of the course ("should I skip chapter 2?": first person, never care), and
# situations staff describe without asking anything ("our PE tool keeps missing small clots"), and messages asking
# several questions at once ("what is PPV? also what is a reader study?").
CATEGORIES = ("single", "follow_up", "workplace", "search", "near_miss", "personal_medical", "off_topic", "definition",
              "study", "situation", "compound")
PART_KINDS = ("answerable", "out_of_scope")


class EvalSetError(InvalidInput):
    """A malformed question set; names the file and the offending line."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        where = f"{path or 'eval set'}:{line}" if line is not None else (path or "eval set")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.path = path


@dataclass(frozen=True)
class EvalPart:
    """One question of a message that asks several: each is scored on its own (answered from its gold, or declined)."""

    text: str
    kind: str  # "answerable" | "out_of_scope"
    gold_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvalQuestion:
    """One question of a set, with its gold sections already resolved against the course."""

    id: str
    question: str
    kind: str
    line: int
    history: tuple[str, ...] = ()
    gold_refs: tuple[str, ...] = ()  # resolved: declared refs plus every section containing an evidence fragment
    declared_refs: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    key_facts: tuple[str, ...] = ()
    chapter: int | None = None
    category: str = "single"
    subtype: str = ""  # turn_type / subtype / near_miss_type as the data writer labelled it
    group: str = ""  # the conversation a turn belongs to
    parts: tuple[EvalPart, ...] = ()  # a message of several questions: each one, labelled

    @property
    def expects_care_note(self) -> bool:
        """A personal situation around a general course question: answered, with the note to see a clinician."""
        return self.category == "personal_medical" and self.kind == "answerable" and self.subtype == "mixed"


@dataclass(frozen=True)
class EvalSet:
    name: str
    path: Path | None
    questions: tuple[EvalQuestion, ...] = field(default_factory=tuple)

    def counts(self) -> dict[str, int]:
        return {k: sum(q.kind == k for q in self.questions) for k in KINDS}

    def categories(self) -> list[str]:
        return [c for c in CATEGORIES if any(q.category == c for q in self.questions)]


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace so a fragment copied across a line or paragraph break still matches."""
    return re.sub(r"\s+", " ", text).strip()


def evidence_refs(course: Course, fragment: str, flat: dict[str, str] | None = None) -> tuple[str, ...]:
    """Refs of every section whose text contains the fragment (verbatim up to whitespace)."""
    flat = flat or flat_sections(course)
    needle = normalize_space(fragment)
    return tuple(ref for ref, text in flat.items() if needle in text)


def flat_sections(course: Course) -> dict[str, str]:
    """Each section's text with whitespace collapsed, by ref."""
    return {s.ref: normalize_space(s.text) for s in course.sections}




def set_name(path: str | Path) -> str:
    """A set's name: its file stem, or its folder's name for a course's eval.jsonl / fit.jsonl."""
    p = Path(path)
    return p.parent.name if p.stem in ("eval", "fit") else p.stem


def load_set(path: str | Path, course: Course) -> EvalSet:
    """Read a JSONL question set from disk and validate every line against the course."""
    p = Path(path)
    if not p.is_file():
        raise EvalSetError("file not found", path=str(p))
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalSetError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=str(p)) from None
    return parse_set(text, course, name=set_name(p), path=p)


def parse_set(text: str, course: Course, name: str = "set", path: Path | None = None) -> EvalSet:
    """Parse JSONL text; blank lines are skipped, unknown fields ignored, the first defect raises EvalSetError."""
    source = str(path) if path else name
    questions: list[EvalQuestion] = []
    seen: dict[str, int] = {}
    flat = flat_sections(course)
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        q = _parse_line(raw, lineno, course, flat, source)
        if q.id in seen:
            raise EvalSetError(f"duplicate id {q.id!r} (first on line {seen[q.id]})", lineno, source)
        seen[q.id] = lineno
        questions.append(q)
    if not questions:
        raise EvalSetError("no questions", path=source)
    return EvalSet(name=name, path=path, questions=tuple(questions))


def _str_list(obj: dict, key: str, lineno: int, source: str) -> tuple[str, ...]:
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise EvalSetError(f"{key!r} must be a list of non-empty strings", lineno, source)
    return tuple(value)


def _parse_line(raw: str, lineno: int, course: Course, flat: dict[str, str], source: str) -> EvalQuestion:
    def fail(message: str) -> NoReturn:
        raise EvalSetError(message, lineno, source)

    try:
        obj = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        fail(f"not valid JSON ({exc.msg if isinstance(exc, json.JSONDecodeError) else 'nested too deeply'})")
    if not isinstance(obj, dict):
        fail(f"expected a JSON object, got {type(obj).__name__}")

    qid = obj.get("id")
    if isinstance(qid, bool) or not isinstance(qid, (str, int)) or not str(qid).strip():
        fail("'id' must be a non-empty string")
    qid = str(qid).strip()

    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        fail("'question' is missing or empty")

    kind = obj.get("kind")
    if kind not in KINDS:
        fail(f"'kind' must be one of {', '.join(KINDS)} (got {kind!r})")

    history = _str_list(obj, "history", lineno, source)
    declared = _str_list(obj, "gold_refs", lineno, source)
    evidence = _str_list(obj, "evidence", lineno, source)
    key_facts = _str_list(obj, "key_facts", lineno, source)

    for ref in declared:
        if not course.has_ref(ref):
            fail(f"unknown section ref {ref!r} in 'gold_refs'")

    chapter = obj.get("chapter")
    if chapter is not None:
        if isinstance(chapter, bool) or not isinstance(chapter, int):
            fail("'chapter' must be an integer")
        if chapter not in {c.number for c in course.chapters}:
            fail(f"unknown chapter {chapter}")

    gold = list(declared)
    for fragment in evidence:
        refs = evidence_refs(course, fragment, flat)
        if not refs:
            fail(f"evidence not found in the course: {fragment[:70]!r}")
        gold += [r for r in refs if r not in gold]

    if kind == "answerable" and not gold:
        fail("an answerable question needs 'gold_refs' or 'evidence'")
    if kind == "small_talk" and gold:
        fail("small talk has no gold sections")
    category = obj.get("category", "single")
    if category not in CATEGORIES:
        fail(f"'category' must be one of {', '.join(CATEGORIES)} (got {category!r})")
    subtype = next((obj[k] for k in ("turn_type", "subtype", "near_miss_type") if isinstance(obj.get(k), str)), "")
    if chapter is not None and gold and not any(course.section(r).chapter == chapter for r in gold):
        fail(f"asked with chapter {chapter} but no gold section is in that chapter")

    return EvalQuestion(id=qid, question=question, kind=kind, line=lineno, history=history,
                        gold_refs=tuple(gold), declared_refs=declared, evidence=evidence,
                        key_facts=key_facts, chapter=chapter, category=category, subtype=subtype,
                        group=str(obj.get("group") or ""), parts=_parts(obj.get("parts"), course, fail))


def _parts(value, course: Course, fail) -> tuple[EvalPart, ...]:
    """The labelled questions of a message that asks several (the optional 'parts' field)."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) < 2 or not all(isinstance(v, dict) for v in value):
        fail("'parts' must be a list of two or more objects")
    out = []
    for i, part in enumerate(value, start=1):
        text, kind, refs = part.get("text"), part.get("kind"), part.get("gold_refs", [])
        if not isinstance(text, str) or not text.strip():
            fail(f"part {i}: 'text' is missing or empty")
        if kind not in PART_KINDS:
            fail(f"part {i}: 'kind' must be one of {', '.join(PART_KINDS)} (got {kind!r})")
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            fail(f"part {i}: 'gold_refs' must be a list of strings")
        if unknown := [r for r in refs if not course.has_ref(r)]:
            fail(f"part {i}: unknown section ref {unknown[0]!r}")
        if (kind == "answerable") != bool(refs):
            fail(f"part {i}: an answerable part needs 'gold_refs', an out-of-scope part has none")
        out.append(EvalPart(text.strip(), kind, tuple(refs)))
    return tuple(out)
