"""`imaging-tutor course check | course list` and `ingest`'s warnings, as an author runs them (real subprocesses)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CORPUS
from cli.test_cli import SECOND_COURSE, run

COURSES = Path(__file__).resolve().parents[1] / "fixtures" / "courses"


def test_check_prints_what_the_tutor_can_do_and_exits_0_on_warnings():
    res = run("course", "check", str(SECOND_COURSE))
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "Ultrasound Physics Basics (id ultrasound-physics-basics" in out
    assert "course.md:19: section 1.0 “Introduction” has 34 words (under 40)" in out
    assert "- use a question bank: the ranker uses the text alone" in out
    assert "- run the course's own chapter quizzes (no quiz_keys.json)" in out
    assert "+ generate practice quizzes of chapter 1 from its text: about " in out
    assert "+ generate practice quizzes of chapter 2 from its text: about " in out
    assert out.rstrip().endswith("warning(s)")
    assert run("course", "check", str(SECOND_COURSE), "--strict").returncode == 1


def test_check_defaults_to_the_configured_course_and_has_json():
    res = run("course", "check", "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert data["ok"] and data["course"]["id"] == "ai-in-medical-imaging" and data["course"]["sections"] == 42


def test_check_of_a_broken_course_exits_1_with_the_line(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(SECOND_COURSE, bad)
    text = (bad / "course.md").read_text(encoding="utf-8").replace("## 2.2 Impedance", "## 2.1 Impedance")
    (bad / "course.md").write_text(text, encoding="utf-8")
    line = text.splitlines().index("## 2.1 Impedance and reflection") + 1
    res = run("course", "check", str(bad))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"course.md:{line}: duplicate section ref 2.1" in res.stdout and "NOT USABLE" in res.stdout


def test_ingest_prints_the_warnings_and_goes_on_with_a_malformed_bank(tmp_path):
    folder = tmp_path / "course"
    shutil.copytree(SECOND_COURSE, folder)
    (folder / "questions.jsonl").write_text("{oops\n", encoding="utf-8")
    res = run("ingest", "--corpus", str(folder))
    assert res.returncode == 0, res.stderr
    assert "warning: questions.jsonl:1: not JSON" in res.stderr
    assert "warning: questions.jsonl: 1 malformed row: ingest skips the whole bank" in res.stderr
    assert "0 bank questions" in res.stdout


def test_course_list_and_check_all_over_a_courses_dir(tmp_path, monkeypatch):
    courses = tmp_path / "courses"
    shutil.copytree(COURSES / "home-composting", courses / "compost")
    shutil.copytree(SECOND_COURSE, courses / "ultrasound")
    (courses / "broken").mkdir()
    (courses / "broken" / "course.md").write_text("no front matter\n", encoding="utf-8")
    monkeypatch.setenv("TUTOR_COURSES_DIR", str(courses))
    res = run("course", "list", "--json")
    assert res.returncode == 0, res.stderr
    listed = json.loads(res.stdout)
    assert [c["id"] for c in listed["courses"]] == ["ai-in-medical-imaging", "home-composting",
                                                   "ultrasound-physics-basics"]
    assert [c["default"] for c in listed["courses"]] == [True, False, False]  # the corpus dir's course
    assert len(listed["problems"]) == 1 and "broken" in listed["problems"][0] and "front matter" in listed["problems"][0]
    checked = run("course", "check", "--all", "--json")
    assert checked.returncode == 1  # the broken folder
    assert sorted(Path(c["folder"]).name for c in json.loads(checked.stdout)) == [
        "ai-in-medical-imaging", "broken", "compost", "ultrasound"]
    assert Path(CORPUS).name == "ai-in-medical-imaging"


def test_ingest_all_ask_and_sections_by_course(courses_settings):
    """A two-course deployment (TUTOR_COURSES_DIR) from the command line: ingest --all, and --course picks one."""
    done = run("ingest", "--all", "--json")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert sorted(c["course_id"] for c in summary["courses"]) == ["ai-in-medical-imaging", "ultrasound-physics-basics"]
    assert not any(c["changed"] for c in summary["courses"]) and summary["failures"] == []
    res = run("ask", "What causes acoustic shadowing behind a gallstone?", "--course", "ultrasound-physics-basics",
              "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["citations"][0]["section_title"] == "Artifacts"
    outline = run("sections", "--course", "ultrasound-physics-basics")
    assert outline.returncode == 0 and "[2.3] Artifacts" in outline.stdout
    unknown = run("sections", "--course", "no-such-course")
    assert unknown.returncode == 2 and "unknown course 'no-such-course'" in unknown.stderr


def test_check_warns_of_a_chapter_whose_text_supports_too_few_practice_items(tmp_path):
    """A chapter of two plain sentences cannot fill a practice quiz: the author is told, and how items are made."""
    thin = tmp_path / "thin"
    thin.mkdir()
    (thin / "course.md").write_text(
        "---\nid: thin\ntitle: Thin\nversion: 1\n---\n\n# Chapter 1: Hives\n\n## 1.1 Frames\n\n"
        "Frames hang inside the box and the bees build comb on them, one frame after another, every spring and summer. "
        "A beekeeper lifts them out one at a time and looks at both sides before putting each back.\n",
        encoding="utf-8")
    res = run("course", "check", str(thin), "--json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    warning = next(w["message"] for w in data["warnings"] if w["message"].startswith("chapter 1:"))
    assert "practice item" in warning and "define a term" in warning
    assert any(c.startswith("fill a practice quiz of chapter 1 with more than") for c in data["cannot"])
