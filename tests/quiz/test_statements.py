"""A changed number must not give itself away: the same quantity in brackets in another unit changes with it."""
from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from imaging_tutor.corpus.course import load_course
from imaging_tutor.quiz.candidates import TF_PREFIX, section_candidates
from imaging_tutor.quiz.statements import change_number

FIXTURES = Path(__file__).parents[1] / "fixtures"
COURSES = [Path(__file__).parents[2] / "corpus" / "ai-in-medical-imaging",
           *sorted((FIXTURES / "courses").iterdir()), FIXTURES / "second-course"]
_PAIR = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s?°\s?([FC])\s*\(\s*±?(\d[\d,]*(?:\.\d+)?)\s?°\s?([FC])\s*\)")


def _numbers(text: str) -> list[float]:
    return [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*(?:\.\d+)?", text)]


def _agree(a: float, unit_a: str, b: float) -> bool:
    """b is a in the other temperature unit, or the same difference (a tolerance, 'hotter by')."""
    converted = (a - 32) * 5 / 9 if unit_a == "F" else a * 9 / 5 + 32
    scale = 5 / 9 if unit_a == "F" else 9 / 5
    return abs(converted - b) <= 1.5 or abs(a * scale - b) <= max(1.0, 0.1 * b)


@pytest.mark.parametrize("seed", range(6))
def test_a_temperature_and_its_twin_change_together(seed):
    changed = change_number("Cold food must be kept at 41°F (5°C) or lower.", random.Random(seed))
    assert changed is not None
    f, c = _numbers(changed[0])
    assert f != 41 and abs((f - 32) * 5 / 9 - c) < 1


@pytest.mark.parametrize("sentence, ratio", [
    ("Store food at least 12 inches (30 cm) off the floor.", 2.5),
    ("Thermometers should be accurate to within ±2°F (±1°C).", 0.5),  # a tolerance scales, it does not convert
    ("In full sun it can feel about 8°C (15°F) hotter.", 15 / 8),  # so does a difference
])
def test_other_twins_keep_their_ratio(sentence, ratio):
    changed = change_number(sentence, random.Random(1))
    assert changed is not None
    a, b = _numbers(changed[0])
    assert changed[0] != sentence and abs(b / a - ratio) < 0.06


@pytest.mark.parametrize("sentence", [
    "Hail at least 1 inch (2.5 cm) across counts.",  # "2 inch" would need "inches"
    "Keep it between 50°F and 70°F (10°C and 21°C).",  # a range, in two units
])
def test_numbers_that_cannot_change_alone_are_left(sentence):
    assert change_number(sentence, random.Random(0)) is None


@pytest.mark.parametrize("path", COURSES, ids=lambda p: p.name)
def test_no_changed_temperature_contradicts_its_twin(path):
    """Across seven courses: every °F/°C pair in a changed statement still names one temperature."""
    course = load_course(path)
    items = [it for s in course.sections for it in section_candidates(course, s.ref) if it.kind == "number_change"]
    for it in items:
        for a, unit_a, b, _unit_b in _PAIR.findall(it.prompt.removeprefix(TF_PREFIX)):
            assert _agree(float(a.replace(",", "")), unit_a, float(b.replace(",", ""))), it.prompt
