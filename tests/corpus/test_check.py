"""The author's check (`imaging-tutor course check`): every shipped course passes, and deliberately broken copies
are reported with the file and line, as errors (ingest refuses) or warnings (the tutor does less)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.check import SHORT_SECTION_WORDS, check_course

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SECOND = FIXTURES / "second-course"
COURSES = sorted(p for p in (FIXTURES / "courses").iterdir() if (p / "course.md").is_file())


def copy(src: Path, tmp_path: Path, name: str = "course") -> Path:
    dst = tmp_path / name
    shutil.copytree(src, dst)
    return dst


def messages(check, level: str | None = None) -> list[str]:
    return [str(f) for f in check.findings if level is None or f.level == level]


def line_of(folder: Path, startswith: str) -> int:
    lines = (folder / "course.md").read_text(encoding="utf-8").splitlines()
    return next(i for i, ln in enumerate(lines, start=1) if ln.startswith(startswith))


@pytest.mark.parametrize("folder", [CORPUS, SECOND, *COURSES], ids=lambda p: p.name)
def test_every_shipped_course_passes_and_says_what_the_tutor_can_do(folder):
    check = check_course(folder)
    assert check.ok, messages(check, "error")
    assert check.course is not None and check.can
    assert check.can[0].startswith(f"answer questions from {len(check.course.sections)} sections")
    if not (folder / "questions.jsonl").exists():
        assert "use a question bank: the ranker uses the text alone" in check.cannot


def test_the_real_course_uses_all_its_optional_files():
    check = check_course(CORPUS)
    assert check.bank is not None and len(check.bank.questions) >= 200
    assert not [m for m in messages(check) if "questions.jsonl" in m or "quiz_keys.json" in m]
    assert any(c.startswith("run the course quiz of chapters 1, 2, 3, 4, 5, 6") for c in check.can)


def test_short_sections_are_warned_about_with_their_heading_line():
    check = check_course(SECOND)
    short = [f for f in check.warnings if f"under {SHORT_SECTION_WORDS}" in f.message]
    assert [(f.message.split()[1], f.line) for f in short] == [
        ("1.0", line_of(SECOND, "## 1.0")), ("2.0", line_of(SECOND, "## 2.0")), ("2.1", line_of(SECOND, "## 2.1"))]
    assert any("3 sections under 40 words (1.0, 2.0, 2.1): answers from them will be thin" in c for c in check.cannot)


def test_a_paragraph_announcing_a_list_that_is_not_there_is_warned_about_with_its_line(tmp_path):
    # The real course lost two lists ("… in different ways, each with tradeoffs:" is followed by another paragraph),
    # so answers never give the sentence; a list that follows, or a line the paragraph goes on from, is no finding.
    announced = [f.line for f in check_course(CORPUS).warnings if "announces a list" in f.message]
    assert announced == [line_of(CORPUS, "Ground truth can be established"),
                         line_of(CORPUS, "Common failure modes include:")]
    folder = copy(SECOND, tmp_path)
    course = folder / "course.md"
    text = course.read_text(encoding="utf-8")
    head = text.index("## 1.1")
    body = text.index("\n\n", head) + 2
    course.write_text(text[:body] + "Three things matter:\n\n- depth\n- angle\n\nThe formula is:\nspeed = distance / "
                      "time.\n\nIt fails in two ways:\n\n" + text[body:], encoding="utf-8")
    assert [f.line for f in check_course(folder).warnings if "announces a list" in f.message] == [
        line_of(folder, "It fails in two ways:")]


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("## 1.2 Attenuation", "## 1.1 Attenuation"), "duplicate section ref 1.1"),
    (lambda t: t.replace("## 2.2 Impedance", "## 2.4 Impedance"), "out of order"),
    (lambda t: t.replace("# Chapter 2: From echoes", "# Chapter 3: From echoes"), "chapter 3 out of order"),
    (lambda t: t.replace("title: Ultrasound Physics Basics\n", ""), "front matter lacks title"),
    (lambda t: t.replace("```quiz\n1. What speed", "```quiz\nWhat speed"), "quiz lines must be"),
])
def test_format_errors_name_the_line(tmp_path, edit, message):
    folder = copy(SECOND, tmp_path)
    text = edit((folder / "course.md").read_text(encoding="utf-8"))
    (folder / "course.md").write_text(text, encoding="utf-8")
    check = check_course(folder)
    assert not check.ok
    [error] = check.errors
    assert error.file == "course.md" and error.line is not None and message in error.message
    assert check.cannot[0].startswith("serve this course until")


def test_an_empty_section_is_an_error_at_its_heading(tmp_path):
    folder = copy(SECOND, tmp_path)
    text = (folder / "course.md").read_text(encoding="utf-8")
    start = text.index("## 2.1 Echo timing and depth")
    end = text.index("## 2.2")
    (folder / "course.md").write_text(text[:start] + "## 2.1 Echo timing and depth\n\n" + text[end:], encoding="utf-8")
    [error] = check_course(folder).errors
    assert (error.line, error.message) == (line_of(folder, "## 2.1"), "section 2.1 is empty")


def test_a_folder_without_course_md_is_not_a_course(tmp_path):
    check = check_course(tmp_path)
    assert not check.ok and "not found" in str(check.errors[0])


def _write_bank(folder: Path, rows: list) -> None:
    (folder / "questions.jsonl").write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")


def test_a_malformed_bank_is_reported_line_by_line_and_skipped(tmp_path):
    folder = copy(SECOND, tmp_path)
    good = {"id": "b1", "question": "why use gel?", "gold_refs": ["2.2"], "evidence": ["coupling gel is needed"]}
    _write_bank(folder, [good, "{not json", {"id": "b3", "question": "", "gold_refs": ["1.1"]},
                         {"id": "b4", "question": "what is the weather", "kind": "out_of_scope"}])
    check = check_course(folder)
    assert check.ok and check.bank is None  # a warning, never an error; ingest skips the whole bank
    bank = [str(f) for f in check.warnings if f.file == "questions.jsonl"]
    assert bank[0].startswith("questions.jsonl:2: not JSON")
    assert bank[1].startswith("questions.jsonl:3: question must be non-empty")
    assert bank[2].startswith("questions.jsonl:4: a 'out_of_scope' question") and "eval set" in bank[2]
    assert "3 malformed rows: ingest skips the whole bank" in bank[3]
    assert any("question bank: it is malformed and skipped" in c for c in check.cannot)


def test_a_bank_reports_stale_rows_and_the_sections_no_question_reaches(tmp_path):
    folder = copy(SECOND, tmp_path)
    _write_bank(folder, [
        {"id": "b1", "question": "why use gel?", "gold_refs": ["2.2"], "evidence": ["coupling gel is needed"]},
        {"id": "b2", "question": "what is attenuation", "gold_refs": ["1.2", "1.1"]},
        {"id": "b3", "question": "what is doppler", "gold_refs": ["3.1"]},
        {"id": "b4", "question": "what is gain", "gold_refs": ["1.2"], "evidence": ["a sentence it never had"]}])
    check = check_course(folder)
    assert check.ok and [q.id for q in check.bank.questions] == ["b1", "b2"]
    warnings = messages(check, "warning")
    assert "questions.jsonl: row set aside, b3: section 3.1 is not in the course" in warnings
    assert "questions.jsonl: row set aside, b4: its evidence is no longer in section 1.2" in warnings
    assert "questions.jsonl: no question reaches 4 sections: 1.0, 2.0, 2.1, 2.3" in warnings
    assert any(c.startswith("rank sections with a bank of 2 labelled questions covering 3 of 7") for c in check.can)


def test_quiz_stems_without_keys(tmp_path):
    folder = copy(CORPUS, tmp_path)
    doc = json.loads((folder / "quiz_keys.json").read_text(encoding="utf-8"))
    doc["items"] = [k for k in doc["items"] if k["chapter"] != 2 and (k["chapter"], k["number"]) != (1, 3)]
    (folder / "quiz_keys.json").write_text(json.dumps(doc), encoding="utf-8")
    check = check_course(folder)
    warnings = messages(check, "warning")
    assert "quiz_keys.json: chapter 2 has no quiz keys: its course quiz cannot be taken" in warnings
    assert "quiz_keys.json: chapter 1: quiz stem 3 has no key: its course quiz asks only the others" in warnings
    assert "run chapter 2's course quiz (no keys for its stems)" in check.cannot
    assert any(c.startswith("run the course quiz of chapters 1, 3, 4, 5, 6") for c in check.can)


def test_malformed_quiz_keys_are_a_warning_with_the_line(tmp_path):
    folder = copy(CORPUS, tmp_path)
    (folder / "quiz_keys.json").write_text('{"items": [\n  {"id": "x",\n}', encoding="utf-8")
    check = check_course(folder)
    assert check.ok
    [keys] = [f for f in check.warnings if f.file == "quiz_keys.json"]
    assert keys.line == 3 and "invalid JSON" in keys.message
    assert any("quiz_keys.json is malformed" in c for c in check.cannot)


def test_glossary_terms_the_text_never_uses_or_defines(tmp_path):
    folder = copy(SECOND, tmp_path)
    glossary = json.loads((folder / "glossary.json").read_text(encoding="utf-8"))
    glossary["terms"].append({"name": "doppler shift", "pattern": "doppler shifts?", "family": "wave"})
    (folder / "glossary.json").write_text(json.dumps(glossary), encoding="utf-8")
    check = check_course(folder)
    warnings = messages(check, "warning")
    assert any(w.startswith("glossary.json: term “doppler shift” never occurs in the text") for w in warnings)
    # "This loss is called attenuation": defined; "Time gain compensation boosts late echoes": only described.
    assert not any("“attenuation”" in w for w in warnings)
    assert any("“time gain compensation” is used but never defined" in w for w in warnings)
    assert any("ask about 1 glossary term the text never uses (doppler shift)" in c for c in check.cannot)


@pytest.mark.parametrize("name, content, where", [
    ("glossary.json", "{not json", "glossary.json:1"),
    ("glossary.json", '{"terms": [{"name": "x", "pattern": "(", "family": "f"}]}', "glossary.json"),
    ("synonyms.json", '{"synonyms": {"us": 3}}', "synonyms.json"),
])
def test_malformed_glossary_or_synonyms_stop_ingest_so_they_are_errors(tmp_path, name, content, where):
    folder = copy(SECOND, tmp_path)
    (folder / name).write_text(content, encoding="utf-8")
    check = check_course(folder)
    assert not check.ok and str(check.errors[0]).startswith(where)


def test_the_report_reads_as_an_author_needs_it():
    text = check_course(SECOND).text()
    assert text.startswith("Ultrasound Physics Basics (id ultrasound-physics-basics, version 0.3.0)")
    for part in ("warnings:", "notes:", "the tutor will:", "the tutor will not:", "OK with"):
        assert part in text
    data = check_course(SECOND).as_dict()
    assert data["ok"] and data["course"]["sections"] == 7 and data["warnings"][0]["line"] == line_of(SECOND, "## 1.0")
