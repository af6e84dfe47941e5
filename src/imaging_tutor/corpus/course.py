"""The course model and the parser for course.md (front matter, chapters, sections, objectives, quiz stems)."""
from __future__ import annotations

import hashlib
import logging
import re
import threading
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from ..errors import CourseFormatError, NotFound
from .extras import GLOSSARY_FILE, SYNONYMS_FILE, Glossary, load_glossary, load_synonyms

log = logging.getLogger(__name__)

COURSE_FILE = "course.md"
# Headings as authors type them: "# Chapter 2: Title" and also "# chapter 2 - Title", "# Chapter 2. Title",
# "## 2.1 Title" and also "## 2.1. Title", tabs or several spaces between the parts.
CHAPTER_HEADING = re.compile(r"^#[ \t]+chapter[ \t]+(\d+)[ \t]*(?:[:.\-–—][ \t]*|[ \t])(\S.*)$", re.IGNORECASE)
SECTION_HEADING = re.compile(r"^##[ \t]+(\d+)\.(\d+)\.?[ \t]+(\S.*)$")
_OVERVIEW = re.compile(r"^#[ \t]+overview$", re.IGNORECASE)
# Markdown an author may use in a section's text: a list item is a paragraph of its own (a numbered one keeps its
# number, a bullet is dropped), a rule ends a paragraph, a quote mark is dropped, and emphasis, code and link marks
# leave their words (answers quote the text verbatim, so the marks would reach learners as stray characters).
LIST_ITEM = re.compile(r"^(?:[-*+•][ \t]+(?P<bullet>\S.*)|\d{1,3}[.)][ \t]+\S.*)$")
_RULE = re.compile(r"^(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_INLINE = ((re.compile(r"!?\[([^\]\n]+)\]\([^)\s]*\)"), r"\1"),          # [text](url), ![alt](src)
           (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),                   # <https://…>
           (re.compile(r"`([^`\n]+)`"), r"\1"),                             # `code`
           (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),            # **bold**, __bold__
           (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),  # *italic*
           (re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=\S)_(?![\w_])"), r"\1"))   # _italic_


def plain(text: str) -> str:
    """A line of course text without markdown's inline marks (emphasis, code, links)."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text
FENCE = re.compile(r"^```(\w*)\s*$")
_QUIZ_LINE = re.compile(r"^(\d+)[.)]\s+(\S.*)$")  # "1. …" or "1) …"
REQUIRED_META = ("id", "title", "version")


@dataclass(frozen=True)
class Section:
    """One citable unit of the course: `N.M`, with `N.0` a chapter's introduction."""

    chapter: int
    section: int
    chapter_title: str
    section_title: str
    paragraphs: tuple[str, ...]

    @property
    def ref(self) -> str:
        return f"{self.chapter}.{self.section}"

    @cached_property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @cached_property
    def content_hash(self) -> str:
        """Hash of what gets indexed, so unchanged sections are not re-embedded."""
        payload = "\x1f".join([self.ref, self.chapter_title, self.section_title, self.text])
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def public(self) -> dict:
        return {
            "ref": self.ref,
            "chapter": self.chapter,
            "section": self.section,
            "chapter_title": self.chapter_title,
            "section_title": self.section_title,
            "text": self.text,
        }


@dataclass(frozen=True)
class QuizStem:
    """One of the course's own chapter-quiz question stems."""

    chapter: int
    number: int
    text: str


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    objectives: tuple[str, ...]
    quiz: tuple[QuizStem, ...]
    sections: tuple[Section, ...]


@dataclass(frozen=True)
class Course:
    """A parsed course: metadata, overview and chapters, with lookups by ref."""

    id: str
    title: str
    version: str
    meta: dict
    overview: tuple[str, ...]
    chapters: tuple[Chapter, ...]
    path: Path | None = field(default=None, compare=False)
    glossary: Glossary = field(default_factory=Glossary, compare=False)  # glossary.json beside course.md
    listed_synonyms: dict = field(default_factory=dict, compare=False)  # synonyms.json beside course.md
    # init=False: dataclasses.replace() must give an edited copy its own (empty) cache, not share this one.
    _derived: dict = field(default_factory=dict, init=False, compare=False, repr=False)

    def derived(self, key: str, build):
        """Data computed from this course once (mined facts, quiz candidates) and kept with it, never globally."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    @cached_property
    def synonyms(self) -> dict[str, str]:
        """Abbreviations of this course: those its text defines inline, plus those synonyms.json lists."""
        from ..text import find_acronyms

        return {**find_acronyms("\n".join(s.text for s in self.sections)), **self.listed_synonyms}

    @cached_property
    def sections(self) -> tuple[Section, ...]:
        return tuple(s for c in self.chapters for s in c.sections)

    @cached_property
    def _by_ref(self) -> dict[str, Section]:
        return {s.ref: s for s in self.sections}

    def has_ref(self, ref: str) -> bool:
        return ref in self._by_ref

    def section(self, ref: str) -> Section:
        """The section with this ref, or NotFound naming the valid range."""
        try:
            return self._by_ref[ref]
        except KeyError:
            raise NotFound(f"unknown section ref {ref!r}; this course has {self.sections[0].ref}–{self.sections[-1].ref}") from None

    def chapter(self, number: int) -> Chapter:
        for c in self.chapters:
            if c.number == number:
                return c
        raise NotFound(f"unknown chapter {number}; this course has chapters 1–{len(self.chapters)}")

    def public(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "version": self.version,
            "subtitle": self.meta.get("subtitle", ""),
            "overview": "\n\n".join(self.overview),
            "chapters": [
                {"chapter": c.number, "title": c.title, "objectives": list(c.objectives),
                 "quiz": [q.text for q in c.quiz], "sections": [s.ref for s in c.sections]}
                for c in self.chapters
            ],
        }


def raw_text_hint(folder: Path) -> str:
    """How to make a course of a folder that holds a raw course text but no course.md ("" when it holds none)."""
    raw = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    return (f"; {raw[0].name} may be a raw course text: `imaging-tutor course import {raw[0]} {folder}` drafts "
            "course.md from it") if raw else ""


def load_course(corpus_dir: str | Path) -> Course:
    """Parse `<corpus_dir>/course.md` (or a course.md path given directly)."""
    path = Path(corpus_dir)
    if path.is_dir():
        path = path / COURSE_FILE
    if not path.is_file():
        raise CourseFormatError("course file not found" + raw_text_hint(path.parent), path=str(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CourseFormatError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})", path=str(path)) from None
    course = parse_course(text, source=str(path))
    return replace(course, glossary=load_glossary(path.parent), listed_synonyms=load_synonyms(path.parent))


class CourseLoader:
    """The course in one folder, parsed again only when one of its files changes (it is read on hot paths).

    An edit that breaks the course while it is served does not take the service down: the version parsed before
    is kept (one warning per broken version names the defect; `imaging-tutor course check` says the same) until
    the files parse again. Only a first parse that fails raises."""

    def __init__(self, corpus_dir: str | Path):
        path = Path(corpus_dir)
        self.path = path / COURSE_FILE if path.is_dir() or not path.suffix else path
        self._cached: tuple[int, Course] | None = None
        self._broken: int | str | None = None  # the files' version that failed to parse ("missing": no course.md)
        self._lock = threading.Lock()

    def get(self) -> Course:
        try:
            mtime: int | None = max(p.stat().st_mtime_ns for p in (
                self.path, self.path.with_name(GLOSSARY_FILE), self.path.with_name(SYNONYMS_FILE)) if p.exists())
        except (OSError, ValueError):
            mtime = None  # course.md is missing
        version = "missing" if mtime is None else mtime
        with self._lock:
            good = self._cached
            if good is not None and (good[0] == mtime or version == self._broken):
                return good[1]
        try:
            course = load_course(self.path)  # raises a clear CourseFormatError
        except CourseFormatError as exc:
            if good is None:
                raise
            with self._lock:
                if self._broken != version:
                    log.warning("%s changed but cannot be served (%s); still serving the version parsed before "
                                "until it is fixed (see `imaging-tutor course check`)", self.path, exc)
                self._broken = version
            return good[1]
        with self._lock:
            self._cached, self._broken = (mtime, course), None
        return course


def parse_course(text: str, source: str = "course.md") -> Course:
    """Parse course markdown; any defect raises CourseFormatError with the line number, never a partial Course."""
    return _Parser(text, source).parse()


class _Parser:
    def __init__(self, text: str, source: str):
        text = text.removeprefix("\ufeff")  # a byte-order mark (Windows editors write one) is not text
        if "\x00" in text:
            raise CourseFormatError("contains NUL bytes (binary file?)", line=text[: text.index("\x00")].count("\n") + 1, path=source)
        self.lines = text.splitlines()
        self.source = source

    def fail(self, message: str, lineno: int) -> None:
        raise CourseFormatError(message, line=lineno, path=self.source)

    def parse(self) -> Course:
        meta, i = self._front_matter()
        overview: list[str] = []
        chapters: list[dict] = []
        current_section: dict | None = None
        in_overview = False
        para: list[str] = []
        para_line = 0  # where the pending paragraph starts, so errors name its first line

        def flush(lineno: int) -> None:
            if not para:
                return
            paragraph = " ".join(para)
            para.clear()
            if current_section is not None:
                current_section["paragraphs"].append(paragraph)
            elif in_overview:
                overview.append(paragraph)
            else:
                self.fail("text outside any section (add a '## N.M Title' heading before it)", para_line)

        n = len(self.lines)
        while i < n:
            lineno = i + 1
            line = self.lines[i].rstrip()
            stripped = line.strip()
            if not stripped:
                flush(lineno)
                i += 1
                continue
            if _OVERVIEW.match(stripped):
                flush(lineno)
                if chapters or in_overview:
                    self.fail("'# Overview' must come once, before the first chapter", lineno)
                in_overview = True
                i += 1
                continue
            m = CHAPTER_HEADING.match(stripped)
            if m:
                flush(lineno)
                self._close_section(current_section)
                current_section = None
                in_overview = False
                number = int(m.group(1))
                if number != len(chapters) + 1:
                    self.fail(f"chapter {number} out of order (expected chapter {len(chapters) + 1})", lineno)
                chapters.append({"number": number, "title": m.group(2).strip(), "objectives": [], "quiz": [],
                                 "sections": [], "line": lineno})
                i += 1
                continue
            m = SECTION_HEADING.match(stripped)
            if m:
                flush(lineno)
                self._close_section(current_section)
                if not chapters:
                    self.fail("section heading before any '# Chapter N: Title'", lineno)
                chap = chapters[-1]
                c, s = int(m.group(1)), int(m.group(2))
                if c != chap["number"]:
                    self.fail(f"section {c}.{s} is inside chapter {chap['number']}", lineno)
                seen = [sec["section"] for sec in chap["sections"]]
                if s in seen:
                    self.fail(f"duplicate section ref {c}.{s}", lineno)
                expected = (seen[-1] + 1) if seen else None
                if (expected is not None and s != expected) or (expected is None and s not in (0, 1)):
                    self.fail(f"section {c}.{s} out of order (expected {c}.{expected if expected is not None else '0 or ' + str(c) + '.1'})", lineno)
                current_section = {"chapter": c, "section": s, "title": m.group(3).strip(), "paragraphs": [], "line": lineno}
                chap["sections"].append(current_section)
                i += 1
                continue
            if stripped.startswith("#"):
                self.fail(f"unrecognised heading {stripped[:60]!r} (expected '# Chapter N: Title' or '## N.M Title')", lineno)
            m = FENCE.match(stripped)
            if m:
                flush(lineno)
                i = self._block(m.group(1), i, chapters)
                if m.group(1) == "quiz":  # the quiz ends the chapter: stray text after it belongs nowhere
                    self._close_section(current_section)
                    current_section = None
                continue
            if _RULE.match(stripped):
                flush(lineno)
                i += 1
                continue
            item = LIST_ITEM.match(stripped)
            if item:  # each list item is a paragraph of its own
                flush(lineno)
                stripped = item.group("bullet") or stripped
            elif stripped.startswith(">"):
                stripped = stripped.lstrip("> \t") or stripped
            if not para:
                para_line = lineno
            para.append(plain(stripped))
            i += 1
        flush(n)
        self._close_section(current_section)
        if not chapters:
            self.fail("no chapters found", n or 1)
        for chap in chapters:
            if not chap["sections"]:
                self.fail(f"chapter {chap['number']} has no sections", chap["line"])
        built = tuple(
            Chapter(
                number=c["number"],
                title=c["title"],
                objectives=tuple(c["objectives"]),
                quiz=tuple(QuizStem(c["number"], k, t) for k, t in c["quiz"]),
                sections=tuple(
                    Section(c["number"], s["section"], c["title"], s["title"], tuple(s["paragraphs"]))
                    for s in c["sections"]
                ),
            )
            for c in chapters
        )
        return Course(id=meta["id"], title=meta["title"], version=meta["version"], meta=meta,
                      overview=tuple(overview), chapters=built, path=Path(self.source))

    def _close_section(self, section: dict | None) -> None:
        if section is not None and not section["paragraphs"]:
            self.fail(f"section {section['chapter']}.{section['section']} is empty", section["line"])

    def _front_matter(self) -> tuple[dict, int]:
        if not self.lines or self.lines[0].strip() != "---":
            self.fail("missing front matter (the file must start with '---')", 1)
        meta: dict[str, str] = {}
        for i in range(1, len(self.lines)):
            line = self.lines[i].strip()
            if line == "---":
                missing = [k for k in REQUIRED_META if not meta.get(k)]
                if missing:
                    self.fail(f"front matter lacks {', '.join(missing)}", i + 1)
                if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", meta["id"]):
                    self.fail(f"course id {meta['id']!r} must be lowercase letters, digits and dashes", 2)
                return meta, i + 1
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep:
                self.fail(f"front matter line is not 'key: value': {line[:60]!r}", i + 1)
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":  # YAML-style quoting
                value = value[1:-1].strip()
            meta[key.strip()] = value
        self.fail("front matter is not closed with '---'", len(self.lines))
        raise AssertionError  # unreachable

    def _block(self, kind: str, start: int, chapters: list[dict]) -> int:
        lineno = start + 1
        if kind not in ("objectives", "quiz"):
            self.fail(f"unknown block type {kind!r} (expected objectives or quiz)", lineno)
        if not chapters:
            self.fail(f"{kind} block before any chapter", lineno)
        chap = chapters[-1]
        body: list[tuple[int, str]] = []
        i = start + 1
        while i < len(self.lines):
            if self.lines[i].strip() == "```":
                break
            if self.lines[i].strip():
                body.append((i + 1, self.lines[i].strip()))
            i += 1
        else:
            self.fail(f"{kind} block is not closed with ```", lineno)
        if not body:
            self.fail(f"empty {kind} block", lineno)
        if kind == "objectives":
            if chap["objectives"]:
                self.fail(f"chapter {chap['number']} has a second objectives block", lineno)
            for ln, text in body:
                if not text.startswith("- "):
                    self.fail("objectives must be '- ' list items", ln)
                chap["objectives"].append(text[2:].strip())
        else:
            if chap["quiz"]:
                self.fail(f"chapter {chap['number']} has a second quiz block", lineno)
            for ln, text in body:
                m = _QUIZ_LINE.match(text)
                if not m:
                    self.fail("quiz lines must be 'N. question'", ln)
                k = int(m.group(1))
                if k != len(chap["quiz"]) + 1:
                    self.fail(f"quiz stem {k} out of order", ln)
                chap["quiz"].append((k, m.group(2).strip()))
        return i + 1
