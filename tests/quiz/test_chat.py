"""The chat quiz's words to the learner (quiz/chat.py)."""
from __future__ import annotations

from imaging_tutor.quiz.chat import retry_text


def test_a_reply_in_the_wrong_form_is_told_as_a_sentence_with_the_ways_on():
    text = retry_text("answer with a number (for example 42 or 42%)")
    assert text == "Answer with a number (for example 42 or 42%). Or say “hint” for a step towards it, or “skip”."
    assert retry_text("answer true or false.").startswith("Answer true or false. Or say")


def test_not_knowing_is_a_skip_and_an_answer_that_says_more_is_not():
    from imaging_tutor.quiz.chat import skips

    assert all(skips(m) for m in ("skip", "dont know", "I don't know", "sorry, I don’t know", "idk", "not sure",
                                  "no idea", "can't remember", "what's the answer?", "just tell me", "I give up"))
    assert not any(skips(m) for m in ("I don't know what drift is", "not sure it is A", "thanks", "A",
                                      "the data changes over time"))


def test_a_request_that_names_an_item_type_asks_for_it_and_one_that_names_none_takes_any():
    from imaging_tutor.quiz.chat import TYPES, asked_types

    assert asked_types("give me a true or false on drift") == ("tf",)
    assert asked_types("a T/F please") == ("tf",)
    assert asked_types("fill-in-the-blank on PPV") == ("cloze",)
    assert asked_types("multiple choice question") == ("mcq",)
    assert asked_types("a short answer question") == ("short",)
    assert asked_types("set me a calculation") == ("numeric",)
    assert asked_types("quiz me") == TYPES and asked_types("test my understanding of drift") == TYPES


def test_quiz_me_on_a_topic_asks_on_the_section_about_it(course):
    """'quiz me on automation bias' once asked about 5.2 (the word "bias" is used most there), and "on chapter 5"
    was told to name a topic first."""
    from imaging_tutor.quiz.chat import _topic_refs

    assert _topic_refs(course, "automation bias")[0] == "5.5"  # the section titled by it, not the one "bias" fills
    assert _topic_refs(course, "bias")[0] == "5.2"
    chapter = _topic_refs(course, "chapter 5")
    assert set(chapter) == {s.ref for s in course.chapter(5).sections} and chapter[-1] == "5.0"  # introduction last
    assert _topic_refs(course, "section 4.3") == ["4.3"] == _topic_refs(course, "4.3")
    assert "2.5" not in _topic_refs(course, "2.5 percent") + _topic_refs(course, "2.5%")  # a quantity, not a section
    assert _topic_refs(course, "chapter 9") == [] and _topic_refs(course, "the capital of France") == []
    # words that point at the conversation name no section, not even one whose title holds them ("… a model that …")
    assert _topic_refs(course, "that") == [] == _topic_refs(course, "what we just covered")


def test_what_names_a_subject_to_be_quizzed_on():
    from imaging_tutor.quiz.chat import names_a_subject

    assert all(names_a_subject(t) for t in ("the capital of France", "drift", "PPV", "automation bias"))
    assert not any(names_a_subject(t) for t in ("that", "what we just covered", "it again", "everything so far",
                                                "three hard questions", "a tricky one"))


def test_a_request_in_other_words_is_never_told_its_words_are_missing(tutor_services):
    """The quiz-request model passes its whole message as the topic ("can you test my knowledge?"): that names no
    section, and is no topic the course lacks: the sections just discussed are asked, with no 'I found no section'."""
    from imaging_tutor.tutor import pipeline as tutor

    sid = tutor.new_session(tutor_services, learner_id="learner-words")
    tutor.answer(tutor_services, "what is drift?", session_id=sid, learner_id="learner-words")
    asked = tutor.answer(tutor_services, "can you test my knowledge?", session_id=sid, learner_id="learner-words")
    assert asked.quiz and asked.quiz["state"] == "asked" and "I found no section" not in asked.answer


def test_next_right_after_a_graded_chat_question_asks_another_on_its_section(tutor_services):
    """Found typing as a learner: after "quiz me on chapter 4" and a skip, "next question" was told to name a topic
    first, "next" was refused as not covered and "another one" answered with a course sentence on "another"."""
    from imaging_tutor.tutor import pipeline

    learner = "learner-next"
    session = pipeline.new_session(tutor_services, learner_id=learner)

    def say(message: str):
        return pipeline.answer(tutor_services, message, session_id=session, learner_id=learner)

    first = say("quiz me on chapter 4")
    assert first.quiz["state"] == "asked"
    seen = {first.quiz["item"]["id"]}
    for message in ("next question", "ok, another one", "one more", "next"):
        assert say("skip").quiz["state"] == "skipped"
        asked = say(message)
        assert asked.quiz["state"] == "asked", message
        assert asked.quiz["item"]["ref"] == first.quiz["item"]["ref"] and asked.quiz["item"]["id"] not in seen
        seen.add(asked.quiz["item"]["id"])
    # only right after a graded or skipped question: after an answer "next" is no quiz request
    other = pipeline.new_session(tutor_services, learner_id=learner)
    pipeline.answer(tutor_services, "what is drift?", session_id=other, learner_id=learner)
    assert pipeline.answer(tutor_services, "next", session_id=other, learner_id=learner).quiz is None


def test_what_asks_for_the_next_question():
    from types import SimpleNamespace

    from imaging_tutor.quiz.chat import next_question_refs

    graded = SimpleNamespace(answer_json='{"quiz": {"state": "graded", "item": {"ref": "5.4"}}}')
    asked = SimpleNamespace(answer_json='{"quiz": {"state": "asked", "item": {"ref": "5.4"}}}')
    for message in ("next", "next one", "another question", "ok next", "one more please", "keep them coming"):
        assert next_question_refs(message, graded) == ["5.4"], message
    for message in ("again", "more", "next section", "another example", "go on"):
        assert next_question_refs(message, graded) is None, message
    assert next_question_refs("next", asked) is None and next_question_refs("next", None) is None
