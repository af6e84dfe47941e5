"""Acronym handling: the course defines a few abbreviations inline, and learners type the short form."""
import pytest
from conftest import CORPUS

from imaging_tutor.corpus.course import load_course
from imaging_tutor.text import expand_acronyms, find_acronyms, singular_stem


def test_finds_inline_definitions_whose_letters_fit_the_phrase():
    text = ("Success measures include turnaround time (TAT), and that is positive predictive value (PPV). "
            "Values are in Hounsfield Units (HU). Results go to the viewer (PACS).")
    assert find_acronyms(text) == {"tat": "turnaround time", "ppv": "positive predictive value",
                                   "hu": "hounsfield units"}


def test_finds_acronyms_spelled_out_after_them():
    text = ("HACCP stands for Hazard Analysis and Critical Control Point, a system. Pressure is in PSI, which stands "
            "for pounds per square inch. The method is FIFO, short for \"first in, first out\": move stock. A "
            "related method, FEFO (“first expired, first out”), differs. An NHS trust (a body) and a CT scan, short "
            "for nothing here.")
    assert find_acronyms(text) == {"haccp": "hazard analysis and critical control point",
                                   "psi": "pounds per square inch", "fifo": "first in first out",
                                   "fefo": "first expired first out"}


def test_expands_only_acronyms_the_question_uses_and_does_not_spell_out():
    acronyms = {"tat": "turnaround time", "ppv": "positive predictive value"}
    assert expand_acronyms("what is TAT", acronyms) == "what is TAT (turnaround time)"
    assert expand_acronyms("does turnaround time (TAT) matter", acronyms) == "does turnaround time (TAT) matter"
    assert expand_acronyms("what is a tattoo", acronyms) == "what is a tattoo"
    assert expand_acronyms("ppvs?", acronyms) == "ppvs? (positive predictive value)"


def test_the_course_defines_the_acronyms_learners_ask_about():
    course = load_course(CORPUS)
    found = find_acronyms("\n".join(s.text for s in course.sections))
    assert found["tat"] == "turnaround time"
    assert found["ppv"] == "positive predictive value"


@pytest.mark.parametrize("plural, singular", [("drones", "drone"), ("hives", "hive"), ("cases", "case"),
                                              ("values", "value"), ("boxes", "box"), ("churches", "church"),
                                              ("classes", "class"), ("stories", "story"), ("labels", "label")])
def test_singular_stem_meets_a_plural_with_its_singular(plural, singular):
    """stem() strips "-es" whole, so "drones" gave "dron" and never met "drone"; singular_stem reads the e as the
    word's own unless the word ends in x, ch, sh, zz or ss."""
    assert singular_stem(plural) == singular_stem(singular)
