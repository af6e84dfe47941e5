"""The runtime support measure and the eval's grounding metric, validated against labelled claims with real MiniLM."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from imaging_tutor.evals import verifier_labels as vl
from imaging_tutor.evals.support_labels import evaluate_labels, fit_decision, read_labels
from imaging_tutor.tutor import support as sup
from imaging_tutor.tutor.support import SupportMeasure

from .conftest import LABELS, ROOT, THRESHOLDS
from .fakes import FakeEmbedder

FIT = ROOT / "evals" / "verifier" / "fit.jsonl"
EVAL = ROOT / "evals" / "verifier" / "eval.jsonl"


@pytest.fixture(scope="module")
def measure(course, embedder):
    return SupportMeasure(course, embedder)


def test_labelled_claims_cover_every_kind_in_both_splits(course):
    fit, held_out = vl.load_labels(FIT, course), vl.load_labels(EVAL, course)
    assert len(fit) + len(held_out) >= 600
    for split in (fit, held_out):
        kinds = Counter(label.kind for label in split)
        assert set(kinds) == set(vl.FAITHFUL + vl.UNFAITHFUL)
        assert min(kinds.values()) >= 8
    assert not {label.sentence for label in fit} & {label.sentence for label in held_out}


def test_committed_decision_is_what_fitting_on_the_fit_split_gives(measure):
    """The learned decision's constants in tutor/support.py come from evals/verifier/fit.jsonl, nothing else."""
    result = fit_decision(measure, read_labels(FIT))
    assert result["weights"] == sup.DECISION_WEIGHTS
    assert result["bias"] == sup.DECISION_BIAS and result["threshold"] == sup.DECISION_THRESHOLD
    # cross-validated on the fit split, as documented in support.py
    assert result["cross_validated"]["precision"] >= 0.95 and result["cross_validated"]["recall"] >= 0.85


def test_held_out_claims_meet_the_verifier_gate(course, measure):
    """The numbers evals/README.md reports for evals/verifier/eval.jsonl, and the [verifier] floors."""
    labels = vl.load_labels(EVAL, course)
    measure.prepare((label.sentence, [label.ref]) for label in labels)
    result = vl.agreement((label, got.supported, got.reason) for label in labels
                          for got in [measure.score(label.sentence, label.ref)])
    rules = vl.load_rules(THRESHOLDS)
    assert vl.gate(result, rules)["passed"], result["errors"]
    assert result["precision"] >= 0.82 and result["recall"] >= 0.72
    # wrong sections and facts from outside the course are never accepted
    assert result["kinds"]["wrong_section"]["accepted"] == 0 and result["kinds"]["outside_fact"]["accepted"] == 0


def test_older_hand_labels_still_agree(measure):
    """The 56 labels of evals/support_labels.jsonl (the first calibration set) as a second check."""
    report = evaluate_labels(measure, read_labels(LABELS))
    assert report.precision >= 0.95, report.errors
    assert report.recall >= 0.75, report.errors  # 0.75 measured (21 of 28); the old measure was fitted on these: 0.82
    assert [e for e in report.errors if e["case"] in ("wrong section", "not in course")] == []


def test_grounding_metric_is_independent_and_its_agreement_is_reported(course):
    """Token-level entailment: no embedding, no verifier code; its own precision/recall on the held-out labels."""
    from imaging_tutor.evals.grounding import TokenEntailment

    labels = vl.load_labels(EVAL, course)
    g = TokenEntailment(course)
    result = vl.agreement((label, got.supported, got.reason) for label in labels
                          for got in [g.score(label.sentence, label.ref)])
    assert 0.55 <= result["precision"] <= 0.65 and 0.64 <= result["recall"] <= 0.74  # as evals/README.md says
    for s in course.sections[:5]:  # every sentence of the course is grounded by its own section (a quote)
        for sentence in s.text.split(". ")[:3]:
            assert g.score(sentence, s.ref).supported


def test_guards_that_need_no_model(course):
    m = SupportMeasure(course, FakeEmbedder())  # checks and quotes do not depend on the embedding
    quoted = m.score("Drift is the gradual or sudden change over time that causes performance to degrade. [5.4]", "5.4")
    assert quoted.supported and quoted.reason == "quoted"
    assert not m.score("If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "1.4").supported
    assert m.score("If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "1.4").reason.startswith("number not in section")
    swapped = m.score("Bias is the gradual or sudden change over time that causes performance to degrade.", "5.4")
    assert not swapped.supported and swapped.reason.startswith("swapped term")  # a near-quote is checked, not waved through
    assert m.score("Read more: [5.4] Distribution shift, drift and monitoring", "5.4").reason == "points to the section"
    assert m.score("anything", "9.9").reason == "unknown ref"
    assert m.score("[5.4]", "5.4").reason == "empty sentence"
    assert not m.score_any("Drift is the gradual or sudden change over time.", []).supported
    assert m.score_any("Drift is the gradual or sudden change over time that causes performance to degrade.",
                       ["2.3", "5.4"]).ref == "5.4"


def test_labels_are_read_with_their_line_numbers(tmp_path, course):
    bad = tmp_path / "bad.jsonl"
    good = {"id": "x", "sentence": "Drift degrades performance.", "ref": "5.4", "supported": True, "kind": "paraphrase"}
    for row, message in (({**good, "ref": "9.9"}, "no section"), ({**good, "kind": "made_up"}, "unknown kind"),
                         ({**good, "supported": "yes"}, "'supported'"), ({**good, "kind": "antonym"}, "contradicts")):
        bad.write_text(json.dumps(good) + "\n" + json.dumps({**row, "id": "y"}) + "\n")
        with pytest.raises(vl.InvalidInput, match=f"bad.jsonl:2: .*{message}"):
            vl.load_labels(bad, course)
    bad.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(vl.InvalidInput, match="duplicate id"):
        vl.load_labels(bad, course)


@pytest.mark.parametrize("course, split", [("kitchen-food-safety", "eval"), ("reading-weather-forecasts", "fit")])
def test_other_courses_claims_are_valid_labels_of_their_course(course, split):
    """Claims written from another course (evals/verifier/courses/): every kind, every ref that course's own."""
    from imaging_tutor.corpus.course import load_course

    labels = vl.load_labels(ROOT / "evals" / "verifier" / "courses" / course / f"{split}.jsonl",
                            load_course(ROOT / "tests" / "fixtures" / "courses" / course))
    assert len(labels) == 160
    assert set(Counter(label.kind for label in labels)) == set(vl.FAITHFUL + vl.UNFAITHFUL) - {"verbatim",
                                                                                             "true_elsewhere"}
