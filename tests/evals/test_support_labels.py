"""The grounding support measure, validated against hand labels with the real MiniLM model."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import support as sup
from imaging_tutor.evals.support_labels import calibrate, evaluate_labels, read_labels
from imaging_tutor.tutor.support import SupportMeasure

from .conftest import LABELS
from .fakes import FakeEmbedder


@pytest.fixture(scope="module")
def measure(course, embedder):
    return SupportMeasure(course, embedder)


@pytest.fixture(scope="module")
def labels():
    return read_labels(LABELS)


def test_labels_cover_the_cases_that_matter(labels):
    cases = {row["case"].split(":")[0] for row in labels}
    assert {"verbatim", "paraphrase", "fabricated", "wrong section", "not in course"} <= cases
    assert len(labels) >= 40
    assert 0.35 < sum(r["supported"] for r in labels) / len(labels) < 0.65


def test_precision_and_recall_on_the_labels(measure, labels):
    report = evaluate_labels(measure, labels)
    # numbers documented in support.py and evals/README.md; a change to the measure must update both
    assert report.precision >= 0.95, report.errors
    assert report.recall >= 0.82, report.errors
    # every wrong-section and not-in-course label is caught
    missed = [e for e in report.errors if e["case"] in ("wrong section", "not in course")]
    assert missed == []


def test_committed_thresholds_are_what_calibration_chooses(measure, labels):
    result = calibrate(measure, labels)
    assert result["thresholds"] == {"lexical_min": sup.LEXICAL_MIN, "cosine_min": sup.COSINE_MIN,
                                    "cosine_strong": sup.COSINE_STRONG, "lexical_floor": sup.LEXICAL_FLOOR}
    assert result["leave_one_out"]["precision"] >= 0.85
    assert result["leave_one_out"]["recall"] >= 0.75


def test_guards(course):
    m = SupportMeasure(course, FakeEmbedder())  # guards and quotes do not depend on the embedding
    quoted = m.score("Drift is the gradual or sudden change over time that causes performance to degrade. [5.4]", "5.4")
    assert quoted.supported and quoted.reason == "quoted"
    assert not m.score("If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "1.4").supported
    assert m.score("If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "1.4").reason.startswith("number not in section")
    flipped = m.score("Approval is a guarantee of success in your setting.", "6.3")
    assert not flipped.supported
    assert m.score("Read more: [5.4] Distribution shift, drift and monitoring", "5.4").reason == "points to the section"
    assert m.score("anything", "9.9").reason == "unknown ref"
    assert m.score("[5.4]", "5.4").reason == "empty sentence"
    assert not m.score_any("Drift is the gradual or sudden change over time.", []).supported
    assert m.score_any("Drift is the gradual or sudden change over time that causes performance to degrade.",
                       ["2.3", "5.4"]).ref == "5.4"
