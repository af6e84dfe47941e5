"""The course parser: the real course's shape, verbatim coverage of the raw text, malformed files, fuzzing,
and a second course that works with no code change."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from conftest import CORPUS, RAW_COURSE
from imaging_tutor.corpus.course import CourseFormatError, load_course, parse_course
from imaging_tutor.errors import NotFound

SECOND_COURSE = Path(__file__).parents[1] / "fixtures" / "second-course"
PRACTICE = re.compile(r"^Practice note for Milestone: (.+?): document your objective")
QUIZ_STEM = re.compile(r"^(\d+)\. (.+)$")
CLI = Path(sys.executable).with_name("imaging-tutor")


@pytest.fixture(scope="module")
def course():
    return load_course(CORPUS)


@pytest.fixture(scope="module")
def raw_lines() -> list[str]:
    # A missing raw text must fail the suite: the verbatim guarantee is unproven without it.
    assert RAW_COURSE.is_file(), f"raw course text not found at {RAW_COURSE}"
    return [line.strip() for line in RAW_COURSE.read_text(encoding="utf-8").splitlines()]


# --- the real course -------------------------------------------------------------------------------

def test_real_course_shape(course):
    assert course.id == "ai-in-medical-imaging" and course.version
    assert [c.number for c in course.chapters] == [1, 2, 3, 4, 5, 6]
    assert len(course.sections) == 42
    for ch in course.chapters:
        assert [s.ref for s in ch.sections] == [f"{ch.number}.{k}" for k in range(7)]
        assert [q.number for q in ch.quiz] == [1, 2, 3, 4, 5]
        assert all(q.text.endswith("?") or q.text.endswith(":") for q in ch.quiz)
        assert ch.objectives and len(set(ch.objectives)) == len(ch.objectives)
        assert all(s.paragraphs and all(p.strip() == p and p for p in s.paragraphs) for s in ch.sections)
    assert [s.ref for s in course.sections] == sorted({s.ref for s in course.sections},
                                                       key=lambda r: tuple(map(int, r.split("."))))


def test_section_lookup(course):
    assert course.section("4.3").section_title == "PPV, NPV and prevalence"
    assert course.has_ref("1.0") and not course.has_ref("7.1")
    for bad in ("7.1", "1.7", "4", "", "4.3 "):
        with pytest.raises(NotFound, match="1.0–6.6"):
            course.section(bad)
    with pytest.raises(NotFound):
        course.chapter(7)


def _chapter_of_each_line(lines: list[str]) -> list[int]:
    """Chapter of each raw line, found from the raw text alone: a chapter ends with its quiz stems 1..5."""
    chapters, chapter, prev_stem = [], 1, 0
    for line in lines:
        m = QUIZ_STEM.match(line)
        if prev_stem and not m:  # the first line after a quiz block starts the next chapter
            chapter, prev_stem = chapter + 1, 0
        if m:
            prev_stem = int(m.group(1))
        chapters.append(chapter)
    return chapters


def test_every_raw_line_appears_verbatim_exactly_once(course, raw_lines):
    """Each non-boilerplate raw line is exactly one unit of the course; practice notes become objectives."""
    units: Counter[tuple] = Counter()
    units[("title", 0, course.title)] += 1
    units[("subtitle", 0, course.meta["subtitle"])] += 1
    for p in course.overview:
        units[("overview", 0, p)] += 1
    for ch in course.chapters:
        for q in ch.quiz:
            units[("quiz", ch.number, f"{q.number}. {q.text}")] += 1
        for o in ch.objectives:
            units[("objective", ch.number, o)] += 1
        for s in ch.sections:
            for p in s.paragraphs:
                units[("paragraph", ch.number, p)] += 1

    chapter_of = _chapter_of_each_line(raw_lines)
    assert chapter_of[-1] == 6
    used: Counter[tuple] = Counter()
    objectives_seen: set[tuple] = set()
    first_section_line = None
    for n, (line, chap) in enumerate(zip(raw_lines, chapter_of), start=1):
        if not line:
            continue
        m = PRACTICE.match(line)
        if m:
            key = ("objective", chap, m.group(1))
            assert units[key] == 1, f"raw line {n}: milestone {m.group(1)!r} is not an objective of chapter {chap}"
            objectives_seen.add(key)
            continue
        if n == 1:
            key = ("title", 0, line)
        elif n == 2:
            key = ("subtitle", 0, line)
        elif QUIZ_STEM.match(line):
            key = ("quiz", chap, line)
        elif ("overview", 0, line) in units and first_section_line is None:
            key = ("overview", 0, line)
        else:
            key = ("paragraph", chap, line)
            first_section_line = first_section_line or n
        where = [k for k in units if k[2] == line]
        assert units[key] == 1 and len(where) == 1, f"raw line {n} found as {where}, expected exactly {key}: {line[:80]!r}"
        used[key] += 1
    # Nothing counted twice, nothing in the course that the raw text lacks (objectives come from practice notes).
    assert all(v == 1 for v in used.values())
    invented = set(units) - set(used) - objectives_seen
    assert not invented, f"course units not in the raw text: {sorted(invented)[:3]}"


def test_paragraphs_keep_raw_order(course, raw_lines):
    """Reading the sections in order gives the raw paragraphs in their raw order."""
    paragraphs = [p for s in course.sections for p in s.paragraphs]
    positions = [raw_lines.index(p) for p in paragraphs]
    assert positions == sorted(positions)


# --- malformed files ---------------------------------------------------------------------------------

VALID = """---
id: tiny
title: Tiny
version: 1
---

# Chapter 1: One

## 1.0 Intro

First.

## 1.1 Next

Second.

# Chapter 2: Two

## 2.1 Only

Third.
"""


def line_of(text: str, line: str) -> int:
    return text.splitlines().index(line) + 1


def test_valid_minimal_course_parses():
    c = parse_course(VALID)
    assert [s.ref for s in c.sections] == ["1.0", "1.1", "2.1"]


def _after(text: str, anchor: str, insert: str) -> str:
    return text.replace(anchor, anchor + insert, 1)


MALFORMED = {
    "missing front matter": (VALID.split("---\n", 2)[2], "missing front matter", lambda t: 1),
    "front matter lacking version": (VALID.replace("version: 1\n", ""), "lacks version", lambda t: 4),
    "duplicate ref": (VALID.replace("## 1.1 Next", "## 1.0 Next"), "duplicate section ref 1.0",
                      lambda t: line_of(t, "## 1.0 Next")),
    "empty section": (VALID.replace("First.\n", ""), "section 1.0 is empty", lambda t: line_of(t, "## 1.0 Intro")),
    "chapter 3 after 1": (VALID.replace("# Chapter 2: Two", "# Chapter 3: Two").replace("## 2.1", "## 3.1"),
                          "chapter 3 out of order", lambda t: line_of(t, "# Chapter 3: Two")),
    "section 1.3 after 1.1": (_after(VALID, "Second.\n", "\n## 1.3 Skipped\n\nMore.\n"), "section 1.3 out of order",
                              lambda t: line_of(t, "## 1.3 Skipped")),
    "section of another chapter": (VALID.replace("## 1.1 Next", "## 2.1 Next"), "section 2.1 is inside chapter 1",
                                   lambda t: line_of(t, "## 2.1 Next")),
    "unclosed fence": (_after(VALID, "Second.\n", "\n```quiz\n1. A question?\n"), "not closed",
                       lambda t: line_of(t, "```quiz")),
    "text outside a section": (_after(VALID, "# Chapter 1: One\n", "\nstray words\nmore stray\n"),
                               "outside any section", lambda t: line_of(t, "stray words")),
    "binary content": (VALID.replace("Second.", "Sec\x00ond."), "NUL", lambda t: line_of(t, "Sec\x00ond.")),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_course_names_the_line(case, tmp_path):
    text, message, expected_line = MALFORMED[case]
    line = expected_line(text)
    path = tmp_path / "course.md"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(CourseFormatError) as info:
        load_course(tmp_path)
    assert info.value.line == line, str(info.value)
    assert message in str(info.value)
    assert f"course.md:{line}:" in str(info.value)


AUTHOR_VARIANTS = {  # what course authors type beside the documented form; each must read as VALID does
    "windows line ends": lambda t: t.replace("\n", "\r\n"),
    "byte-order mark": lambda t: "\ufeff" + t,
    "quoted front matter": lambda t: t.replace("title: Tiny", 'title: "Tiny"').replace("id: tiny", "id: 'tiny'"),
    "lowercase chapter, dash": lambda t: t.replace("# Chapter 1: One", "# chapter 1 - One"),
    "chapter with a dot or an em dash": lambda t: t.replace("# Chapter 1: One", "# Chapter 1. One")
    .replace("# Chapter 2: Two", "# Chapter 2 — Two"),
    "section number with a dot": lambda t: t.replace("## 1.1 Next", "## 1.1. Next"),
    "tabs and double spaces": lambda t: t.replace("## 1.1 Next", "##\t1.1  Next").replace("# Chapter 2:", "#  Chapter\t2:"),
    "overview in lower case": lambda t: t.replace("# Chapter 1: One", "# overview\n\nAbout it.\n\n# Chapter 1: One"),
}


@pytest.mark.parametrize("variant", list(AUTHOR_VARIANTS))
def test_harmless_variants_of_the_format_read_as_the_documented_form(variant, tmp_path):
    """A course written in Notepad, or with "## 1.1. Title", is the same course, not a format error."""
    (tmp_path / "course.md").write_bytes(AUTHOR_VARIANTS[variant](VALID).encode("utf-8"))
    got, want = load_course(tmp_path), parse_course(VALID)
    assert (got.id, got.title, got.version) == (want.id, want.title, want.version)
    assert got.chapters == want.chapters


MARKDOWN_BODY = """To clean a chain:

1. Hold a **rag** round the chain.
2. Scrub it with a [brush](https://example.org/brush), then let it dry.

Two kinds of lube:
- *Wet lube* resists rain.
* Dry lube uses a `solvent`
  that evaporates.

---

> A chain dripping with lube has been given __far__ too much.
"""


def test_markdown_in_a_section_reads_as_its_words():
    """A list item is a paragraph (a number kept, a bullet dropped), a continuation line joins its item, and
    emphasis, code, link and quote marks leave their words: answers quote sentences, never stray asterisks."""
    text = VALID.replace("Second.\n", MARKDOWN_BODY)
    assert parse_course(text).section("1.1").paragraphs == (
        "To clean a chain:",
        "1. Hold a rag round the chain.",
        "2. Scrub it with a brush, then let it dry.",
        "Two kinds of lube:",
        "Wet lube resists rain.",
        "Dry lube uses a solvent that evaporates.",
        "A chain dripping with lube has been given far too much.",
    )


def test_words_that_only_look_like_markdown_stay():
    body = "Snake_case names, 5 * 3 = 15, a_b_c and 2 ** 8 stay as written.\n"
    assert parse_course(VALID.replace("Second.\n", body)).section("1.1").paragraphs == (body.strip(),)


def test_quiz_stems_may_be_numbered_with_a_parenthesis():
    dotted = VALID.replace("Second.\n", "Second.\n\n```quiz\n1. What comes first?\n2. Why?\n```\n")
    assert parse_course(dotted.replace("1. What", "1) What").replace("2. Why", "2) Why")).chapters == \
        parse_course(dotted).chapters
    assert [q.text for q in parse_course(dotted).chapters[0].quiz] == ["What comes first?", "Why?"]


def test_json_files_beside_the_course_may_carry_a_byte_order_mark(tmp_path):
    (tmp_path / "course.md").write_text(VALID)
    (tmp_path / "synonyms.json").write_bytes("\ufeff".encode() + json.dumps({"synonyms": {"fx": "First"}}).encode())
    assert load_course(tmp_path).listed_synonyms == {"fx": "first"}


def test_a_third_heading_level_is_still_a_clear_error(tmp_path):
    """'### 1.1' is not guessed into a section: the author is told the two heading forms, with the line."""
    (tmp_path / "course.md").write_text(VALID.replace("## 1.1 Next", "### 1.1 Next"))
    with pytest.raises(CourseFormatError, match="unrecognised heading") as info:
        load_course(tmp_path)
    assert info.value.line == line_of(VALID, "## 1.1 Next")


def test_invalid_utf8_and_missing_file_are_course_errors(tmp_path):
    (tmp_path / "course.md").write_bytes(VALID.encode() + b"\xff\xfe")
    with pytest.raises(CourseFormatError, match="UTF-8"):
        load_course(tmp_path)
    with pytest.raises(CourseFormatError, match="not found"):
        load_course(tmp_path / "nowhere")


# --- fuzzing -----------------------------------------------------------------------------------------

REAL_LINES = (CORPUS / "course.md").read_text(encoding="utf-8").splitlines()


def _parses_or_names_a_line(text: str) -> None:
    try:
        course = parse_course(text)
    except CourseFormatError as exc:
        assert exc.line is not None and 1 <= exc.line <= max(1, len(text.splitlines()) + 1), str(exc)
        return
    refs = [s.ref for s in course.sections]
    assert refs and len(set(refs)) == len(refs)
    assert all(s.paragraphs for s in course.sections)


mutation = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("duplicate"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
)


@hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=6))
def test_mutated_real_course_parses_or_fails_cleanly(ops):
    lines = list(REAL_LINES)
    for op, a, b in ops:
        if not lines:
            break
        i, j = a % len(lines), b % len(lines)
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        else:
            lines[i], lines[j] = lines[j], lines[i]
    _parses_or_names_a_line("\n".join(lines) + "\n")


@hsettings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_random_text_parses_or_fails_cleanly(text):
    _parses_or_names_a_line(text)


STRUCTURAL = st.sampled_from([
    "", "", "Some words.", "# Overview", "# Chapter 1: One", "# Chapter 2: Two", "## 1.0 Intro", "## 1.1 A",
    "## 1.2 B", "## 2.0 Intro", "## 2.1 A", "```objectives", "```quiz", "```", "- an objective", "1. A stem?",
    "2. Another?", "# Stray heading", "```code", "---", "id: x", "\x00", "\u2028",
])


@hsettings(max_examples=200, deadline=None)
@given(st.lists(STRUCTURAL, max_size=40))
def test_random_structure_after_front_matter_parses_or_fails_cleanly(body):
    _parses_or_names_a_line("---\nid: fuzz\ntitle: Fuzz\nversion: 1\n---\n" + "\n".join(body))


# --- a second course, no code change ----------------------------------------------------------------------

def test_second_course_loads():
    c = load_course(SECOND_COURSE)
    assert (c.id, c.version) == ("ultrasound-physics-basics", "0.3.0")
    assert [s.ref for s in c.sections] == ["1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3"]
    assert [len(ch.quiz) for ch in c.chapters] == [2, 3]
    assert c.chapter(2).objectives[1].startswith("Recognise common artifacts")


def test_second_course_sections_json_cli():
    out = subprocess.run([str(CLI), "sections", "--json", "--corpus", str(SECOND_COURSE)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    data = json.loads(out)
    assert data["course"]["id"] == "ultrasound-physics-basics"
    assert [ch["chapter"] for ch in data["course"]["chapters"]] == [1, 2]
    assert [s["ref"] for s in data["sections"]] == ["1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3"]
    assert "coupling gel" in data["sections"][5]["text"]


def test_second_course_ingest_and_query(services, embedder):
    from imaging_tutor.index.ingest import current_collection, ingest

    summary = ingest(services, str(SECOND_COURSE))  # into this test's fresh data dir
    assert summary.course_id == "ultrasound-physics-basics" and summary.sections == 7
    assert summary.embedded == summary.records
    store, name = services.store, current_collection(services.db, "ultrasound-physics-basics")
    for question, ref in [("why is coupling gel needed between probe and skin", "2.2"),
                          ("what makes a dark shadow behind a gallstone", "2.3"),
                          ("how fast does sound travel in soft tissue", "1.1")]:
        hits = store.query(name, embedder.embed([question])[0], 3, where={"kind": "chunk"})
        assert hits[0][0].startswith(f"ultrasound-physics-basics@0.3.0:{ref}:c"), (question, hits)


def test_text_after_a_quiz_block_is_an_error_not_part_of_the_last_section():
    from imaging_tutor.corpus.course import parse_course
    from imaging_tutor.errors import CourseFormatError

    text = "---\nid: t\ntitle: T\nversion: 1\n---\n# Chapter 1: C\n## 1.1 S\nBody.\n```quiz\n1. Q?\n```\nStray text.\n"
    with pytest.raises(CourseFormatError) as err:
        parse_course(text)
    assert err.value.line == 12


def test_a_served_course_broken_by_an_edit_keeps_its_last_good_version(tmp_path, caplog):
    """A live edit that breaks course.md (or removes it) must not take the tutor down: the loader keeps the version
    it parsed before, warns once per broken version, and picks up the files again once they parse. Only a first
    parse that fails raises."""
    import logging
    import os
    import shutil

    from imaging_tutor.corpus.course import CourseLoader

    folder = tmp_path / "served"
    shutil.copytree(SECOND_COURSE, folder)
    path = folder / "course.md"
    good_text = path.read_text(encoding="utf-8")
    loader = CourseLoader(folder)
    first = loader.get()

    def write(text: str, bump: int) -> None:
        path.write_text(text, encoding="utf-8")
        stamp = path.stat().st_mtime_ns + bump * 1_000_000_000  # a new version even on a coarse-clock filesystem
        os.utime(path, ns=(stamp, stamp))

    with caplog.at_level(logging.WARNING, logger="imaging_tutor.corpus.course"):
        write(good_text.replace("## 1.2", "## 1.9", 1), 1)
        with pytest.raises(CourseFormatError):
            load_course(folder)  # the file really is broken
        assert loader.get() is first and loader.get() is first
    assert len([r for r in caplog.records if "cannot be served" in r.getMessage()]) == 1
    assert "out of order" in caplog.records[-1].getMessage()

    write(good_text.replace("title: Ultrasound Physics Basics", "title: Ultrasound Physics, Revised"), 2)
    fixed = loader.get()
    assert fixed is not first and fixed.title == "Ultrasound Physics, Revised"

    path.unlink()
    assert loader.get() is fixed  # deleted while served: still the last good version
    with pytest.raises(CourseFormatError, match="course file not found"):
        CourseLoader(folder).get()  # a first parse that fails raises
