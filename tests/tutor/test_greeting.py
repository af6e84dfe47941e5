"""An opening greeting or announced question, and a closing courtesy, are read without them; a message that is only a
greeting or a thank-you is left whole."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import conversations, pipeline as tutor
from imaging_tutor.tutor.greeting import without_greeting


@pytest.mark.parametrize("typed, read", [
    ("Hi, what is PPV?", "what is PPV?"),
    ("Good morning. We run a PACS and want to add AI.", "We run a PACS and want to add AI."),
    ("hey there, quick question: what is drift?", "what is drift?"),
    ("hi! quick question - does it work on kids?", "does it work on kids?"),
    ("I have a question: what is AUC", "what is AUC"),
    ("Hey - is the compost too wet?", "is the compost too wet?"),  # any course: closed-class English
    ("hi there!", "hi there!"), ("hi, thanks", "hi, thanks"), ("Hi", "Hi"),  # small talk stays whole
    ("history of AI?", "history of AI?"), ("Highlights: what matters?", "Highlights: what matters?"),
    ("quick question about AUC?", "quick question about AUC?"), ("questions about drift", "questions about drift"),
    ("what is drift? thanks!", "what is drift?"), ("explain PPV please", "explain PPV"),
    ("Hi, what is PPV? Thank you so much :)", "what is PPV?"), ("that makes sense, thanks", "that makes sense"),
    ("ok thanks", "ok thanks"), ("great, thanks!", "great, thanks!"), ("thank you", "thank you"),
    ("what is ta", "what is ta"),
])
def test_what_is_read_of_a_message_that_opens_with_a_greeting(typed, read):
    assert without_greeting(typed) == read


def test_a_greeting_changes_neither_the_answer_nor_what_is_stored(tutor_services):
    session = tutor.new_session(tutor_services)
    greeted = tutor.answer(tutor_services, "Good morning. Does regulatory clearance mean the tool will work in our hospital?",
                           session_id=session)
    plain = tutor.answer(tutor_services, "Does regulatory clearance mean the tool will work in our hospital?")
    assert greeted.status == plain.status == "answered"
    assert (greeted.answer, greeted.citations) == (plain.answer, plain.citations)
    stored = conversations.history(tutor_services.db, session)
    assert stored[0].question.startswith("Good morning.")  # the learner's own words are kept
    assert tutor.answer(tutor_services, "hi there!").status == "small_talk"


@pytest.mark.parametrize("message, opens", [
    ("hello, I'm new here", "Hello!"),  # the greeting is read off the question, not off the reply
    ("this is great", "Glad to help"),  # "this" is no "hi"
    ("pretty good so far", "Glad to help"),  # "pretty" is no "ty"
    ("cheers!", "You're welcome"),
    ("ok bye", "Goodbye"),
])
def test_a_small_talk_reply_answers_the_words_sent(message, opens):
    assert tutor.small_talk_reply(message, "Course", "small_talk").startswith(opens)
