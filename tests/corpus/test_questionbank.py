"""The course's labelled question bank: checked like course content, stale rows set aside rather than trusted."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course
from imaging_tutor.errors import CourseFormatError
from imaging_tutor.corpus.questionbank import QUESTIONS_FILE, load_question_bank


@pytest.fixture(scope="module")
def course():
    return load_course(CORPUS)


def test_the_shipped_bank_is_valid_and_covers_every_section(course):
    bank = load_question_bank(CORPUS, course)
    assert bank.stale == []
    assert len(bank.questions) >= 200
    per_section = {s.ref: 0 for s in course.sections}
    for q in bank.questions:
        per_section[q.ref] += 1
    assert min(per_section.values()) >= 5, per_section
    assert len({q.id for q in bank.questions}) == len(bank.questions)


def _bank_with(tmp_path, rows: list[str]):
    folder = tmp_path / "course"
    shutil.copytree(CORPUS, folder)
    (folder / QUESTIONS_FILE).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_malformed_rows_stop_with_the_line_named(tmp_path, course):
    good = json.dumps({"id": "x1", "question": "what is ppv", "gold_refs": ["4.3"]})
    for bad, message in [("{not json", "not JSON"), (json.dumps(["a"]), "JSON object"),
                         (json.dumps({"id": "x1", "question": "again", "gold_refs": ["4.3"]}), "repeated id"),
                         (json.dumps({"id": "x2", "question": " ", "gold_refs": ["4.3"]}), "non-empty"),
                         (json.dumps({"id": "x3", "question": "q", "gold_refs": []}), "gold_refs")]:
        folder = _bank_with(tmp_path / message.replace(" ", "_"), [good, bad])
        with pytest.raises(CourseFormatError, match=rf"{QUESTIONS_FILE}:2: .*{message}"):
            load_question_bank(folder, course)


def test_rows_the_course_no_longer_supports_are_set_aside(tmp_path, course):
    rows = [json.dumps({"id": "ok", "question": "what is ppv", "gold_refs": ["4.3"],
                        "evidence": [course.section("4.3").text[:40]]}),
            json.dumps({"id": "gone", "question": "what is 9.9", "gold_refs": ["9.9"]}),
            json.dumps({"id": "moved", "question": "what is ppv", "gold_refs": ["4.3"],
                        "evidence": ["a sentence the course never had"]})]
    bank = load_question_bank(_bank_with(tmp_path, rows), course)
    assert [q.id for q in bank.questions] == ["ok"]
    assert [s.split(":")[0] for s in bank.stale] == ["gone", "moved"]


def test_a_course_without_a_bank_has_an_empty_one(tmp_path, course):
    folder = tmp_path / "course"
    folder.mkdir()
    assert load_question_bank(folder, course).questions == []
