"""Requests for an answer in another language get a plain reply, not the last topic again in English."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import pipeline as tutor
from imaging_tutor.tutor.language import ENGLISH_ONLY, asks_for_another_language


@pytest.mark.parametrize("message", ["and in french?", "can you translate that into Spanish?", "translate that please",
                                     "explain PPV in German please", "en español por favor", "say it in hindi"])
def test_a_request_for_another_language_is_one(message):
    assert asks_for_another_language(message)


@pytest.mark.parametrize("message", ["is AI used in Chinese hospitals?", "explain it in plain English",
                                     "what is translation in AI?", "how do I translate sensitivity into PPV?",
                                     "how do we translate findings into practice?"])
def test_a_question_that_names_a_language_or_translation_is_not_one(message):
    assert not asks_for_another_language(message)


def test_the_tutor_says_it_answers_in_the_courses_language(tutor_services):
    sid = tutor.new_session(tutor_services)
    first = tutor.answer(tutor_services, "what is sensitivity?", session_id=sid)
    french = tutor.answer(tutor_services, "and in french?", session_id=sid)
    assert first.status == "answered"
    assert french.status == "out_of_scope" and french.answer == ENGLISH_ONLY and not french.citations
