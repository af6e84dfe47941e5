"""Which course sentences lean on the one before them (tutor/extractive.py), and what that does to an answer."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import pipeline as tutor
from imaging_tutor.tutor.extractive import _DANGLING


@pytest.mark.parametrize("sentence, leans", [
    ("That is positive predictive value (PPV).", True),
    ("Then the model is retrained.", True),
    ("Performance then drops silently, especially if no one is monitoring false negatives.", True),
    ("Even then, it benefits from curing.", True),
    ("Chapter 2 then builds on this by showing how uncertainty is expressed.", True),
    ("If the numbers do not match, then ask the vendor for local PPV.", False),
    ("When the scanner changes, then re-validate.", False),
    ("Clean and then sanitise the board.", False),
    ("The model learns patterns, then it is tested on new scans.", False),  # "then" late: a clause of its own
    ("Inference is what happens after training.", False),
])
def test_a_sentence_that_points_back_or_continues_with_then_is_dangling(sentence, leans):
    assert bool(_DANGLING.match(sentence)) is leans


def test_a_continuation_never_opens_an_answer_without_the_sentence_it_continues(tutor_services):
    a = tutor.answer(tutor_services, "whats a silent trial")
    assert a.status == "answered" and a.citations[0].ref == "4.6"
    texts = [s.text for s in a.sentences]
    assert not texts[0].startswith("Performance then")
    course = tutor_services.course().section("4.6").text
    for i, text in enumerate(texts):
        if text.startswith("Performance then"):
            assert i > 0 and course.index(texts[i - 1]) < course.index(text)  # its antecedent comes right before
