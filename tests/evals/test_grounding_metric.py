"""The eval's grounding metric (token-level entailment): quotes, pointers, numbers, meaning words, word order."""
from __future__ import annotations

import pytest

from imaging_tutor.evals.grounding import TokenEntailment

DRIFT = "Drift is the gradual or sudden change over time that causes performance to degrade."


@pytest.fixture(scope="module")
def g(course):
    return TokenEntailment(course)


def test_quotes_and_pointers_are_grounded(g):
    assert g.score(f"{DRIFT} [5.4]", "5.4").reason == "quoted"
    assert g.score("Read more: [5.4] Distribution shift, drift and monitoring", "5.4").reason == "points to the section"


def test_a_restatement_that_keeps_the_words_in_order_is_entailed(g):
    assert g.score("Drift is a gradual or sudden change over time that makes performance degrade.", "5.4").supported


@pytest.mark.parametrize("claim, reason", [
    ("If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "number"),  # (80% would pass: the next sentence has it)
    ("Drift is always the gradual change over time that causes performance to degrade.", "meaning word"),
    ("Drift does not cause performance to degrade over time.", "meaning word"),
    ("Performance degrades because the scanner vendor went bankrupt last year.", "too few"),
])
def test_what_tokens_can_see_is_caught(g, claim, reason):
    got = g.score(claim, "1.4" if "bleeds" in claim else "5.4")
    assert not got.supported and got.reason.startswith(reason), got


def test_unknown_ref_and_no_citation(g):
    assert g.score(DRIFT, "9.9").reason == "unknown ref"
    assert g.score_any(DRIFT, []).reason == "no citation"
    assert g.score_any(DRIFT, ["2.2", "5.4"]).ref == "5.4"
