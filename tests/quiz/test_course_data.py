"""Course data lives with the course: another course folder brings its own glossary and abbreviations."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course
from imaging_tutor.errors import CourseFormatError
from imaging_tutor.quiz import generate
from imaging_tutor.quiz.candidates import section_candidates
from imaging_tutor.quiz.validate import check_items
from imaging_tutor.quiz.terms import course_terms

SECOND = Path(__file__).parents[1] / "fixtures" / "second-course"


def test_the_second_course_generates_items_from_its_own_glossary(embedder):
    course = load_course(SECOND)
    names = {t.name for t in course_terms(course).all}
    assert "acoustic shadowing" in names and "sensitivity" not in names  # nothing of the imaging course leaks in
    quiz = generate(course, embedder, chapters=[2], count=4, seed=3)
    assert len(quiz.items) == 4
    for item in quiz.items:
        assert item.citation.ref.startswith("2.") and item.citation.quote in course.section(item.citation.ref).text
    # The glossary's contrasting pair gives a valid false statement (shadowing <-> enhancement).
    valid = check_items(section_candidates(course, "2.3"), course).valid
    assert any(it.kind == "swap" and "Acoustic shadowing is the opposite effect" in it.prompt for it in valid)


def test_without_a_glossary_terms_are_mined_from_the_text(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(SECOND, folder)
    (folder / "glossary.json").unlink()
    course = load_course(folder)
    names = {t.name for t in course_terms(course).all}
    # "… is called attenuation" (a definition pattern) and section titles ("Frequency, wavelength and speed").
    assert {"attenuation", "frequency", "wavelength", "posterior enhancement"} <= names and course.sections
    with_glossary = {t.name: t for t in course_terms(load_course(SECOND)).all}
    # The glossary adds what the text does not define and overrides what it does (its family and partner win).
    assert with_glossary["acoustic shadowing"].partner == "posterior enhancement"
    assert with_glossary["posterior enhancement"].family == "artifact" and "attenuation" in with_glossary


def test_a_malformed_glossary_names_its_file(tmp_path):
    folder = tmp_path / "c"
    shutil.copytree(SECOND, folder)
    (folder / "glossary.json").write_text('{"terms": [{"name": "x", "pattern": "(", "family": "f"}]}')
    with pytest.raises(CourseFormatError, match="glossary.json"):
        load_course(folder)
    (folder / "glossary.json").write_text("{not json")
    with pytest.raises(CourseFormatError, match="glossary.json:1"):
        load_course(folder)


def test_abbreviations_come_from_the_course_text_and_its_synonyms_file(tmp_path):
    course = load_course(CORPUS)
    assert course.synonyms["tat"] == "turnaround time"  # defined inline in the text
    assert course.synonyms["auc"] == "area under the curve"  # listed in synonyms.json
    folder = tmp_path / "c"
    shutil.copytree(CORPUS, folder)
    (folder / "synonyms.json").write_text(json.dumps({"synonyms": {"ai": "artificial intelligence"}}))
    assert "auc" not in load_course(folder).synonyms and load_course(folder).synonyms["ai"] == "artificial intelligence"
