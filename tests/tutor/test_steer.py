"""'More', 'go on' and 'back to the first topic' steer the conversation: never small talk, never 'not covered'."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import pipeline as tutor
from imaging_tutor.tutor.resolve import PastTurn
from imaging_tutor.tutor.steer import go_back, go_on

PAST = [PastTurn("what is ppv?", "ppv", "4.3", subject="what is ppv?"),
        PastTurn("why does it change?", "ppv", "4.3", subject="what is ppv?"),
        PastTurn("what is drift?", "drift", "5.4", subject="what is drift?"),
        PastTurn("and shortcut learning?", "shortcut learning", "5.3", subject="and shortcut learning?")]


@pytest.mark.parametrize("message", ["more", "more please", "go on", "tell me more", "continue", "keep going",
                                     "what else?", "anything else?", "and?", "next", "ok, go on",
                                     "tell me a bit more about it", "carry on please"])
def test_a_request_to_go_on_is_one(message):
    assert go_on(message)


@pytest.mark.parametrize("message", ["tell me more about drift", "what else can go wrong with labels?",
                                     "is more data always better?", "continue with chapter 3", "next section",
                                     "what comes next in the workflow?", "thanks", "ok", "go on a course?"])
def test_a_message_with_a_subject_of_its_own_is_not(message):
    assert not go_on(message)


@pytest.mark.parametrize("message, subject", [
    ("back to the first topic", "what is ppv?"),
    ("can we go back to the first question?", "what is ppv?"),
    ("let's return to the original topic", "what is ppv?"),
    ("back to the previous topic please", "what is drift?"),
    ("go back to the previous one", "what is drift?"),
    ("what we talked about earlier", "what is drift?"),
])
def test_going_back_finds_the_topic_it_names_by_position(message, subject):
    steer = go_back(message, PAST)
    assert steer is not None and steer.turn.subject == subject
    assert PAST[-steer.back] is steer.turn


@pytest.mark.parametrize("message", ["back to the first topic: why is PPV low?", "what was the first AI tool?",
                                     "what about the other one?",
                                     "the previous question was about drift", "back to drift"])
def test_going_back_with_words_of_its_own_is_left_to_the_resolver(message):
    assert go_back(message, PAST) is None


def test_bare_go_on_continues_the_topic_and_back_returns_to_the_first(tutor_services):
    sid = tutor.new_session(tutor_services)
    first = tutor.answer(tutor_services, "what is ppv?", session_id=sid)
    tutor.answer(tutor_services, "what is drift?", session_id=sid)
    more = tutor.answer(tutor_services, "more", session_id=sid)
    assert more.status == "answered" and more.citations[0].ref == "5.4"
    assert "(about: what is drift?)" in more.resolved_question
    back = tutor.answer(tutor_services, "back to the first topic", session_id=sid)
    assert back.status == "answered" and back.citations[0].ref == first.citations[0].ref == "4.3"
    assert "(about: what is ppv?)" in back.resolved_question
    assert not {s.text for s in back.sentences} & {s.text for s in first.sentences}  # goes on, not again


def test_go_on_with_nothing_said_yet_is_not_steering(tutor_services):
    reply = tutor.answer(tutor_services, "go on", session_id=tutor.new_session(tutor_services))
    assert reply.status != "answered"
