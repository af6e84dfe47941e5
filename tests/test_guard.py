"""The scope guard on the real index: a question the course's authors labelled answerable is never refused."""
from __future__ import annotations

from imaging_tutor.guard import decide_scope
from imaging_tutor.index import get_index
from imaging_tutor.retrieval import retrieve


def test_every_labelled_bank_question_is_in_scope(tutor_settings):
    snap = get_index(tutor_settings)
    assert len(snap.question_texts) >= 600
    refused = [q for q in snap.question_texts if not decide_scope(q, retrieve(q, tutor_settings)).in_scope]
    assert refused == []


def test_out_of_scope_questions_are_not_let_in_by_the_bank(tutor_settings):
    for q in ("what is the hounsfield unit value of water", "write a python function to resize DICOM images",
              "how much protein should i eat per day"):
        decision = decide_scope(q, retrieve(q, tutor_settings))
        assert decision.features["bank_max"] < 0.92 and not decision.in_scope, q
