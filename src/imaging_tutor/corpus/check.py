"""An author's check of a course folder: what is wrong with it, and what the tutor will and will not do with it.

`imaging-tutor course check [PATH]` prints it and ingest runs it (printing its warnings, never failing on one).
Errors are what stops ingest (course.md, glossary.json or synonyms.json that cannot be parsed); warnings are what
limits the tutor (thin sections, a malformed or partial question bank, quiz stems without keys, glossary terms the
text never defines); notes say which optional file is absent and what that means. Nothing here knows any course's
words: every check reads only the folder it is given.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from ..errors import CourseFormatError
from .course import (CHAPTER_HEADING, COURSE_FILE, FENCE, LIST_ITEM, SECTION_HEADING, Course, parse_course,
                     raw_text_hint)
from .extras import GLOSSARY_FILE, SYNONYMS_FILE, Glossary, load_glossary, load_synonyms
from .questionbank import QUESTIONS_FILE, QuestionBank, read_question_bank

# Fewer words than this and a section gives the retriever and the answer writer little to work with: an answer
# from it is one or two sentences, and the guard has little text to recognise its topic by.
SHORT_SECTION_WORDS = 40
KEYS_FILE = "quiz_keys.json"  # the same name quiz/keys.py reads (kept here so corpus does not import quiz eagerly)

Level = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Finding:
    """One thing the author should know, with the file (and line, when there is one) it is about."""

    level: Level
    file: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"level": self.level, "file": self.file, "line": self.line, "message": self.message}


@dataclass
class CourseCheck:
    """The result of checking one folder: findings, and what the tutor can and cannot do with the course."""

    folder: Path
    course: Course | None = None
    findings: list[Finding] = field(default_factory=list)
    can: list[str] = field(default_factory=list)
    cannot: list[str] = field(default_factory=list)
    bank: QuestionBank | None = None  # the bank ingest may use: None when absent or skipped as malformed

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "note"]

    @property
    def ok(self) -> bool:
        """True when ingest can take the course (warnings allowed)."""
        return not self.errors

    def add(self, level: Level, file: str, message: str, line: int | None = None) -> None:
        self.findings.append(Finding(level, file, message, line))

    def as_dict(self) -> dict:
        c = self.course
        return {"folder": str(self.folder), "ok": self.ok,
                "course": ({"id": c.id, "title": c.title, "version": c.version, "chapters": len(c.chapters),
                            "sections": len(c.sections)} if c else None),
                "errors": [f.as_dict() for f in self.errors], "warnings": [f.as_dict() for f in self.warnings],
                "notes": [f.as_dict() for f in self.notes], "can": self.can, "cannot": self.cannot}

    def text(self) -> str:
        """The report as an author reads it."""
        lines = []
        c = self.course
        if c is not None:
            words = sum(len(s.text.split()) for s in c.sections)
            lines.append(f"{c.title} (id {c.id}, version {c.version}) in {self.folder}")
            lines.append(f"  {len(c.chapters)} chapters, {len(c.sections)} sections, {words} words")
        else:
            lines.append(f"{self.folder}: not a usable course")
        for title, found in (("errors (ingest refuses the course until they are fixed)", self.errors),
                             ("warnings", self.warnings), ("notes", self.notes)):
            if found:
                lines.append(f"\n{title}:")
                lines.extend(f"  {f}" for f in found)
        if self.can:
            lines.append("\nthe tutor will:")
            lines.extend(f"  + {s}" for s in self.can)
        if self.cannot:
            lines.append("\nthe tutor will not:")
            lines.extend(f"  - {s}" for s in self.cannot)
        verdict = ("OK" if not self.warnings else f"OK with {len(self.warnings)} warning(s)") if self.ok else \
            f"NOT USABLE: {len(self.errors)} error(s)"
        lines.append(f"\n{verdict}")
        return "\n".join(lines)


def check_course(folder: str | Path) -> CourseCheck:
    """Check a course folder (or its course.md) and say what the tutor will and will not be able to do with it."""
    path = Path(folder)
    folder = path.parent if path.name == COURSE_FILE else path
    result = CourseCheck(folder)
    course_file = folder / COURSE_FILE
    if not course_file.is_file():
        result.add("error", COURSE_FILE,
                   f"not found in {folder} (a course folder holds course.md){raw_text_hint(folder)}")
        result.cannot.append("serve this folder: it is not a course")
        return result
    try:
        text = course_file.read_text(encoding="utf-8-sig")
        course = parse_course(text, source=COURSE_FILE)
    except UnicodeDecodeError as exc:
        result.add("error", COURSE_FILE, f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        result.cannot.append("serve this course until course.md parses")
        return result
    except CourseFormatError as exc:
        result.add("error", COURSE_FILE, _without_place(exc), exc.line)
        result.cannot.append("serve this course until course.md parses (the parser stops at the first defect)")
        return result
    glossary = _optional(result, GLOSSARY_FILE, lambda: load_glossary(folder), Glossary())
    synonyms = _optional(result, SYNONYMS_FILE, lambda: load_synonyms(folder), {})
    course = replace(course, path=course_file, glossary=glossary, listed_synonyms=synonyms)
    result.course = course
    headings = _heading_lines(text)

    _check_sections(result, course, headings)
    _check_announced_lists(result, text)
    _check_scope_examples(result, course, headings)
    _check_bank(result, course, folder)
    _check_keys(result, course, folder, headings)
    _check_glossary(result, course, glossary, folder)
    _check_synonyms(result, course, synonyms, folder)
    if result.errors:
        result.cannot.insert(0, "serve this course until the errors above are fixed")
    return result


def _without_place(exc: CourseFormatError) -> str:
    """The parser's message without its 'path:line: ' prefix (the finding carries both)."""
    return re.sub(r"^.*?:\d+: |^[^:]*: ", "", str(exc), count=1)


def _optional(result: CourseCheck, name: str, load, empty):
    """An optional file that load_course also reads: a defect there stops ingest, so it is an error."""
    try:
        return load()
    except CourseFormatError as exc:
        result.add("error", name, _without_place(exc) + " (fix or remove the file: the course is parsed with it)",
                   exc.line)
        return empty


def _heading_lines(text: str) -> dict[str, int]:
    """Line numbers of '# Chapter N' (key 'N') and '## N.M' (key 'N.M') headings."""
    found: dict[str, int] = {}
    for i, line in enumerate(text.splitlines(), start=1):
        m = SECTION_HEADING.match(line.strip())
        if m:
            found.setdefault(f"{int(m.group(1))}.{int(m.group(2))}", i)
            continue
        m = CHAPTER_HEADING.match(line.strip())
        if m:
            found.setdefault(m.group(1), i)
    return found


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _check_sections(result: CourseCheck, course: Course, headings: dict[str, int]) -> None:
    short = []
    for s in course.sections:
        words = len(s.text.split())
        if words < SHORT_SECTION_WORDS:
            short.append(s.ref)
            result.add("warning", COURSE_FILE, f"section {s.ref} “{s.section_title}” has {words} words "
                                               f"(under {SHORT_SECTION_WORDS}): answers from it will be thin",
                       headings.get(s.ref))
    titles: dict[str, str] = {}
    for s in course.sections:
        key = s.section_title.strip().lower()
        if key in titles and not s.ref.endswith(".0"):
            result.add("warning", COURSE_FILE, f"sections {titles[key]} and {s.ref} have the same title "
                                               f"“{s.section_title}”: learners and the ranker cannot tell them apart",
                       headings.get(s.ref))
        titles.setdefault(key, s.ref)
    result.can.append(f"answer questions from {_count(len(course.sections), 'section')} in "
                      f"{_count(len(course.chapters), 'chapter')}, citing each as [chapter.section]")
    if short:
        result.cannot.append(f"give full answers from {_count(len(short), 'section')} under {SHORT_SECTION_WORDS} "
                             f"words ({', '.join(short)}): answers from them will be thin")


def _check_announced_lists(result: CourseCheck, text: str) -> None:
    """A paragraph that ends by announcing a list ("… in different ways, each with tradeoffs:") with no list after
    it: the list was lost (a copy without its bullets), and answers never give a sentence announcing what is not
    there."""
    lines = text.splitlines()
    in_fence, in_sections = False, False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if FENCE.match(stripped):
            in_fence = not in_fence
            continue
        in_sections = in_sections or bool(SECTION_HEADING.match(stripped))
        if in_fence or not in_sections or not stripped.endswith(":") or stripped.startswith("#") \
                or LIST_ITEM.match(stripped):
            continue
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if following and not following.startswith("#") and not LIST_ITEM.match(following):
            continue  # the paragraph goes on on the next line ("The formula is:" / "sensitivity = …")
        after = next((x.strip() for x in lines[i + 1:] if x.strip()), "")
        if not LIST_ITEM.match(after):
            result.add("warning", COURSE_FILE, f"“…{stripped[-60:]}” announces a list, but no list follows (a lost "
                                               "list?): answers never give this sentence", i + 1)


def _check_scope_examples(result: CourseCheck, course: Course, headings: dict[str, int]) -> None:
    """The scope guard measures questions against the course's objectives and quiz stems (ingest embeds them)."""
    examples = sum(len(c.objectives) + len(c.quiz) for c in course.chapters)
    bare = [c for c in course.chapters if not c.objectives and not c.quiz]
    for c in bare:
        result.add("note", COURSE_FILE, f"chapter {c.number} has neither an objectives nor a quiz block: the scope "
                                        "guard knows its topics from the section text alone",
                   headings.get(str(c.number)))
    if examples:
        result.can.append(f"recognise questions the course answers from its {examples} objectives and quiz stems "
                          "(as well as the text)")
    else:
        result.cannot.append("use objectives or quiz stems to recognise in-scope questions (the course has none): "
                             "the scope guard falls back to section titles")


def _check_bank(result: CourseCheck, course: Course, folder: Path) -> None:
    bank = read_question_bank(folder, course)
    if not bank.present:
        result.add("note", QUESTIONS_FILE, "absent: the ranker uses the text alone (a bank of labelled learner "
                                           "questions helps it, but is never required)")
        result.cannot.append("use a question bank: the ranker uses the text alone")
        return
    for line, message in bank.errors:
        result.add("warning", QUESTIONS_FILE, message, line)
    if bank.malformed:
        result.add("warning", QUESTIONS_FILE, f"{_count(len(bank.errors), 'malformed row')}: ingest skips the whole "
                                              "bank until they are fixed")
        result.cannot.append("use the question bank: it is malformed and skipped (the ranker uses the text alone)")
        return
    for stale in bank.stale:
        result.add("warning", QUESTIONS_FILE, f"row set aside, {stale}")
    if not bank.questions:
        result.add("warning", QUESTIONS_FILE, "holds no usable question: the ranker uses the text alone")
        result.cannot.append("use a question bank: it holds no usable question")
        return
    reached = {r for q in bank.questions for r in (q.refs or (q.ref,))}
    missed = [s.ref for s in course.sections if s.ref not in reached]
    if missed:
        result.add("warning", QUESTIONS_FILE, f"no question reaches {_count(len(missed), 'section')}: "
                                              f"{', '.join(missed)}")
    result.bank = bank
    result.can.append(f"rank sections with a bank of {_count(len(bank.questions), 'labelled question')} covering "
                      f"{len(course.sections) - len(missed)} of {len(course.sections)} sections")
    if missed:
        result.cannot.append(f"draw on the bank for {_count(len(missed), 'section')} no question reaches")


def _check_keys(result: CourseCheck, course: Course, folder: Path, headings: dict[str, int]) -> None:
    stems = {c.number: [q.number for q in c.quiz] for c in course.chapters}
    with_stems = [n for n, qs in stems.items() if qs]
    if not (folder / KEYS_FILE).is_file():
        if with_stems:
            result.add("note", KEYS_FILE, "absent: the chapters' own quiz stems cannot be taken as course quizzes "
                                          "(practice quizzes are still generated from the text)")
            result.cannot.append("run the course's own chapter quizzes (no quiz_keys.json)")
        return
    from ..quiz.keys import check_keys, load_keys  # the key format belongs to the quiz package

    try:
        keys = load_keys(folder, course)
    except CourseFormatError as exc:
        result.add("warning", KEYS_FILE, _without_place(exc) + ": no course quiz can be taken", exc.line)
        result.cannot.append("run the course's own chapter quizzes: quiz_keys.json is malformed")
        return
    for problem in check_keys(course, keys):
        if not problem.startswith("no key for stems"):  # reported per chapter below
            result.add("warning", KEYS_FILE, problem)
    keyed = {(k.chapter, k.number) for k in keys}
    runnable = []
    for number, numbers in stems.items():
        missing = [n for n in numbers if (number, n) not in keyed]
        if numbers and len(missing) == len(numbers):
            result.add("warning", KEYS_FILE, f"chapter {number} has no quiz keys: its course quiz cannot be taken")
            result.cannot.append(f"run chapter {number}'s course quiz (no keys for its stems)")
        elif missing:
            stems_text = (f"quiz stem {missing[0]} has" if len(missing) == 1
                          else f"quiz stems {', '.join(map(str, missing))} have")
            result.add("warning", KEYS_FILE, f"chapter {number}: {stems_text} no key: its course quiz asks only "
                                             "the others")
            runnable.append(number)
        elif numbers:
            runnable.append(number)
    if runnable:
        result.can.append(f"run the course quiz of chapter{'s' if len(runnable) > 1 else ''} "
                          f"{', '.join(map(str, runnable))} ({len(keys)} keyed stems)")


# What follows a term that a sentence defines or glosses: a defining verb ("X is …", "X means …", "X equals …"),
# a gloss in brackets or after a dash or colon ("leakage—where …", "hanging protocols (how …)"), or ", where/which …".
_AFTER = re.compile(r"^[”\"’']?\s*(?:\([^)]{1,80}\)\s*)?(?:,[^,.;]{1,80},\s*)?(?:is|are|was|were|means?|refers? to|"
                    r"describes?|stands? for|measures?|equals?|happens|occurs|arises|appears|produces|"
                    r"can be defined)\b|^[”\"’']?\s*[(:—–]|^,?[”\"’']?,?\s*(?:where|which|that|i\.e\.|meaning)\b", re.I)
# What precedes a term a sentence names ("this loss is called attenuation", "false alarms (false positives)").
_BEFORE = re.compile(r"(?:called|known as|termed|named|defined as|refers? to|means|i\.e\.,?|\()\s*(?:an?\s+|the\s+)?"
                     r"[\"“‘']?$", re.I)


def _defines(sentence: str, term: re.Pattern) -> bool:
    """Does this sentence define the term ('X is …', 'X means …', 'called X', 'X (ABBR)', 'X: …')? A heuristic:
    a term the text only describes with another verb ('X boosts late echoes') is reported as undefined."""
    for m in term.finditer(sentence):
        if "(" in m.group(0) or _AFTER.match(sentence[m.end():]) or _BEFORE.search(sentence[:m.start()]):
            return True
    return False


def _check_glossary(result: CourseCheck, course: Course, glossary: Glossary, folder: Path) -> None:
    if not (folder / GLOSSARY_FILE).is_file():
        result.add("note", GLOSSARY_FILE, "absent: quiz terms come only from what the text itself defines")
        return
    from .sentences import split_sentences

    sentences = [s.text[a:b] for s in course.sections for a, b in split_sentences(s.text)]
    titles = [s.section_title for s in course.sections]
    absent, undefined = [], []
    for term in glossary.terms:
        pattern = re.compile(rf"(?<![\w-])(?:{term.pattern})(?![\w-])", re.IGNORECASE)
        if not any(pattern.search(s) for s in sentences):
            absent.append(term.name)
            result.add("warning", GLOSSARY_FILE, f"term “{term.name}” never occurs in the text: no quiz item can "
                                                 "ask about it")
        elif not any(pattern.search(t) for t in titles) and not any(_defines(s, pattern) for s in sentences):
            undefined.append(term.name)
            result.add("warning", GLOSSARY_FILE, f"term “{term.name}” is used but never defined (no “… is …”, "
                                                 "“… means …” or “called …” sentence): there is no definition to quote "
                                                 "when it is asked about")
    usable = len(glossary.terms) - len(absent)
    if glossary.terms:
        result.can.append(f"use {_count(usable, 'glossary term')} in quiz items"
                          + (f" ({len(undefined)} without a definition in the text)" if undefined else ""))
    if absent:
        result.cannot.append(f"ask about {_count(len(absent), 'glossary term')} the text never uses "
                             f"({', '.join(absent)})")


def _check_synonyms(result: CourseCheck, course: Course, synonyms: dict[str, str], folder: Path) -> None:
    if not (folder / SYNONYMS_FILE).is_file():
        return
    text = "\n".join(s.text for s in course.sections).lower()
    unused = [k for k in synonyms if not re.search(rf"(?<![\w-]){re.escape(k)}(?![\w-])", text)]
    for k in unused:
        result.add("note", SYNONYMS_FILE, f"“{k}” never occurs in the text (it still expands in learners' questions)")
    result.can.append(f"expand {_count(len(synonyms), 'listed abbreviation')} (and those the text defines inline) "
                      "in learners' questions")
