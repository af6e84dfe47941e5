"""Drafting course.md from a raw course text: the real raw course, and every test course written back in that format."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, RAW_COURSE, ROOT
from imaging_tutor.corpus.course import load_course, parse_course
from imaging_tutor.corpus.raw_import import Draft, DraftChapter, RawFormatError, draft, retitle, slug

CLI = Path(sys.executable).with_name("imaging-tutor")
TEST_COURSES = sorted(p for p in (ROOT / "tests" / "fixtures" / "courses").iterdir() if (p / "course.md").is_file())
BOILERPLATE = ": document your objective, define a measurable success check, and run a small experiment."


def as_raw(course) -> str:
    """A parsed course written back in the raw format: no headings, each milestone's practice note twice."""
    lines = [course.title, course.meta.get("subtitle") or "A course.", *course.overview]
    for ch in course.chapters:
        lines += [p for s in ch.sections if s.section == 0 for p in s.paragraphs]
        lines += [f"Practice note for Milestone: {o}{BOILERPLATE}" for o in ch.objectives] * 2
        lines += [p for s in ch.sections if s.section > 0 for p in s.paragraphs]
        lines += [f"{q.number}. {q.text}" for q in ch.quiz]
    return "\n".join(lines) + "\n"


def cut_positions(chapter) -> set[int]:
    """Where a chapter's sections start, counted in paragraphs of its body (its introduction left out)."""
    sizes = [len(s.paragraphs) for s in chapter.sections if s.section > 0]
    return {sum(sizes[:k]) for k in range(1, len(sizes))}


def agreement(expected, imported) -> tuple[int, int, int]:
    """(cuts found, cuts made, cuts expected) over every chapter."""
    found = made = wanted = 0
    for want, got in zip(expected.chapters, imported.chapters):
        a, b = cut_positions(want), cut_positions(got)
        found, made, wanted = found + len(a & b), made + len(b), wanted + len(a)
    return found, made, wanted


def assert_same_text(expected, imported) -> None:
    """Everything but the section cuts and titles comes through: chapters, objectives, stems, introductions, and every
    paragraph of the body in its order. Where the overview ends and chapter 1's introduction begins is not marked in
    the raw format (a draft, like the section cuts): the two together come through in order."""
    intro = lambda ch: [p for s in ch.sections if s.section == 0 for p in s.paragraphs]  # noqa: E731
    body = lambda ch: [p for s in ch.sections if s.section > 0 for p in s.paragraphs]  # noqa: E731
    assert [*imported.overview, *intro(imported.chapters[0])] == [*expected.overview, *intro(expected.chapters[0])]
    assert len(imported.chapters) == len(expected.chapters)
    for n, (want, got) in enumerate(zip(expected.chapters, imported.chapters)):
        assert got.objectives == want.objectives
        assert [q.text for q in got.quiz] == [q.text for q in want.quiz]
        assert n == 0 or intro(got) == intro(want)
        assert body(got) == body(want)
        assert got.title in want.objectives  # a draft title: the chapter's first milestone


@pytest.fixture(scope="module")
def real_embed(embedder):
    return embedder.embed


def test_the_raw_course_drafts_to_the_built_course_text(real_embed):
    built = load_course(CORPUS)
    result = draft(RAW_COURSE.read_text(encoding="utf-8"), real_embed)
    imported = parse_course(result.markdown("ai-in-medical-imaging"))
    assert imported.title == built.title and imported.meta["subtitle"] == built.meta["subtitle"]
    assert_same_text(built, imported)
    assert imported.overview == built.overview  # here the split is where the course's own map puts it
    found, made, wanted = agreement(built, imported)
    # The section cuts are found by topic shifts; the course's own (drawn by reading it) are the reference.
    print(f"\nraw course: {found} of {wanted} section cuts found, {made} made")
    assert found >= wanted // 2 and made <= wanted + len(built.chapters)


def test_every_test_course_survives_the_raw_format(real_embed):
    totals = [0, 0, 0]
    for folder in TEST_COURSES:
        course = load_course(folder)
        imported = parse_course(draft(as_raw(course), real_embed).markdown(course.id))
        assert_same_text(course, imported)
        for k, n in enumerate(agreement(course, imported)):
            totals[k] += n
        assert all(s.section_title and "\n" not in s.section_title for s in imported.sections)
    print(f"\n{len(TEST_COURSES)} test courses: {totals[0]} of {totals[2]} section cuts found, {totals[1]} made")
    assert totals[0] >= totals[2] // 3


def test_stems_numbered_with_a_parenthesis_draft_the_same_course(real_embed):
    """"1) …" is as common as "1. …" for a numbered list; the draft writes the quiz as course.md wants it either way."""
    import re

    raw = RAW_COURSE.read_text(encoding="utf-8")
    dotted = draft(raw, real_embed).markdown("ai-in-medical-imaging")
    assert draft(re.sub(r"(?m)^(\d{1,2})\. ", r"\1) ", raw), real_embed).markdown("ai-in-medical-imaging") == dotted


def test_numbered_steps_in_a_chapter_are_not_its_quiz(real_embed):
    course = load_course(ROOT / "tests" / "fixtures" / "courses" / "home-composting")
    steps = ["1. Chop the scraps small.", "2. Add a layer of browns.", "3. Water until damp."]
    first_body = next(p for s in course.chapters[0].sections if s.section == 1 for p in s.paragraphs)
    raw = as_raw(course).replace(first_body + "\n", first_body + "\n" + "\n".join(steps) + "\n", 1)
    imported = parse_course(draft(raw, real_embed).markdown(course.id))
    assert len(imported.chapters) == len(course.chapters)
    for want, got in zip(course.chapters, imported.chapters):
        assert [q.text for q in got.quiz] == [q.text for q in want.quiz]
    body = [p for s in imported.chapters[0].sections if s.section > 0 for p in s.paragraphs]
    assert body[body.index(first_body) + 1:][:3] == steps
    # without milestones a run counts as a quiz when most of its lines ask
    bare = "Title\nSubtitle\nIntro.\n1. Chop.\n2. Layer.\nBody one.\nBody two.\n1. Why chop?\n2. Why layer?\n"
    only = draft(bare, real_embed)
    assert len(only.chapters) == 1 and only.chapters[0].stems == ["1. Why chop?", "2. Why layer?"]
    assert [title for title, _ in only.chapters[0].sections] == ["Chop"]  # not "1"


def test_text_without_a_chapter_quiz_is_refused_with_the_reason(real_embed):
    with pytest.raises(RawFormatError, match="no chapter quiz"):
        draft("Title\nSubtitle\nA paragraph.\nAnother paragraph.\n", real_embed)
    with pytest.raises(RawFormatError, match="fewer than three"):
        draft("Title\n\n", real_embed)
    # a numbered line alone is not a quiz (a quiz is a run 1., 2., …)
    with pytest.raises(RawFormatError):
        draft("Title\nSubtitle\n1. One thing.\nA paragraph.\n", real_embed)


def test_slug():
    assert slug("AI In Healthcare & Medicine — Beginner") == "ai-in-healthcare-medicine-beginner"
    assert slug("!!!") == "course"


def test_cli_import_writes_a_folder_that_checks_and_never_overwrites(tmp_path):
    raw = tmp_path / "composting.txt"
    # as a Windows editor saves it: a byte-order mark first, CRLF line ends
    raw.write_bytes(("\ufeff" + as_raw(load_course(ROOT / "tests" / "fixtures" / "courses" / "home-composting")))
                    .replace("\n", "\r\n").encode("utf-8"))
    dest = tmp_path / "course"
    run = subprocess.run([str(CLI), "course", "import", str(raw), str(dest), "--id", "compost-draft"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "wrote" in run.stdout and "drafts" in run.stdout and "compost-draft" in run.stdout
    course = load_course(dest)
    assert course.id == "compost-draft" and course.title == "Composting at Home" and len(course.chapters) == 2
    # the draft is a course like any other: ingested and answered from, citing its own sections
    env = {**os.environ, "TUTOR_CORPUS_DIR": str(dest), "TUTOR_DATA_DIR": str(tmp_path / "data")}
    assert subprocess.run([str(CLI), "ingest"], env=env, capture_output=True, text=True, timeout=600).returncode == 0
    ask = subprocess.run([str(CLI), "ask", "what is a hot compost pile?", "--json"], env=env, capture_output=True,
                         text=True, timeout=300)
    reply = json.loads(ask.stdout)
    assert reply["status"] == "answered" and reply["citations"]
    assert all(course.has_ref(c["ref"]) and c["quote"] in course.section(c["ref"]).text for c in reply["citations"])
    before = (dest / "course.md").read_text(encoding="utf-8")
    again = subprocess.run([str(CLI), "course", "import", str(raw), str(dest)], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 1 and "--force" in again.stderr
    assert (dest / "course.md").read_text(encoding="utf-8") == before
    binary = tmp_path / "scan.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81binary")
    bad = subprocess.run([str(CLI), "course", "import", str(binary), str(tmp_path / "other")], capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 1 and "error:" in bad.stderr and not (tmp_path / "other" / "course.md").exists()


def test_a_folder_holding_only_a_raw_text_points_to_the_import(tmp_path):
    from imaging_tutor.corpus.check import check_course
    from imaging_tutor.errors import CourseFormatError

    (tmp_path / "my-course.txt").write_text("Title\nSubtitle\nText.\n", encoding="utf-8")
    check = check_course(tmp_path)
    assert not check.ok and "course import" in check.text() and "my-course.txt" in check.text()
    with pytest.raises(CourseFormatError, match="course import"):
        load_course(tmp_path)


def test_sections_no_milestone_titles_take_the_terms_they_define():
    chapter = DraftChapter(1, "Learn the words", ["Learn the words"], ["Intro."],
                           [("Learn the words", ["A."]), ("To evaluate imaging AI, you need a…", ["B."]),
                            ("Some opening words…", ["C."])], ["1. Why?"])
    result = retitle(Draft("T", "S", [], [chapter]), {"1.1": ["glossary"], "1.2": ["dataset", "label", "label",
                                                                                  "model", "algorithm"]})
    titles = [t for t, _ in result.chapters[0].sections]
    # a milestone's title stays; the opening words give way to the first three terms, each once
    assert titles == ["Learn the words", "Dataset, label and model", "Some opening words…"]
