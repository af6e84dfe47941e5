"""A message that asks several questions gets each one answered, or said to be outside the course; one question, a
comparison, a question that leans on the one before it and a situation told first are read whole, as before."""
from __future__ import annotations

import re

import pytest

from imaging_tutor.corpus.sentences import sentences as split_sentences
from imaging_tutor.tutor import conversations, pipeline as tutor
from imaging_tutor.tutor.compound import parts_of, points_back

MARKER = re.compile(r"\[(\d+\.\d+)\]")


@pytest.mark.parametrize("message, parts", [
    ("what is a reader study? also what is automation bias?", ["what is a reader study?", "what is automation bias?"]),
    ("What is PPV and what is NPV?", ["What is PPV?", "what is NPV?"]),
    ("what is PACS? what is DICOM?", ["what is PACS?", "what is DICOM?"]),
    ("what is PPV?what is NPV?", ["what is PPV?", "what is NPV?"]),
    ("what is drift? and how do we monitor it?", ["what is drift?", "how do we monitor it?"]),
    ("define sensitivity, specificity and AUC", ["what is sensitivity?", "what is specificity?", "what is AUC?"]),
    ("can you explain PACS and RIS", ["what is PACS?", "what is RIS?"]),
    ("1) what is ground truth 2) why do experts disagree on labels", ["what is ground truth?",
                                                                      "why do experts disagree on labels?"]),
    ("Questions: (1) what is inference? (2) what is a GAN?", ["what is inference?", "what is a GAN?"]),
    ("why do MRI protocols trip up AI models? btw what is a series", ["why do MRI protocols trip up AI models?",
                                                                      "what is a series?"]),
    ("is it fine to use AI on kids? one more thing - what is drift?", ["is it fine to use AI on kids?",
                                                                       "what is drift?"]),
    ("what are PPV, NPV and AUC?", ["what is PPV?", "what is NPV?", "what is AUC?"]),
    ("how do I turn the compost? also, what is a green?", ["how do I turn the compost?", "what is a green?"]),
    # one question, read whole
    ("what's the difference between sensitivity and specificity?", []),
    ("what is sensitivity and specificity?", []),  # two terms without "define": one thing may be meant
    ("what are the risks and benefits of AI?", []), ("shortcut learning??", []), ("what is PPV", []),
    ("How often should we re-validate a deployed model? Every quarter?", []),  # a fragment is no question of its own
    ("what is PPV? We use it daily.", []),  # something told after a question: one message, read whole
    ("We run a PACS. What is PPV? What is NPV?", ["What is PPV?", "What is NPV?"]),  # told first: the questions
    ("We run a PACS. What is PPV?", []),
    ("a? b? c? d? e?", []),
])
def test_the_questions_a_message_asks(message, parts):
    assert parts_of(message) == parts


def test_a_question_that_leans_on_another_is_told_apart():
    assert points_back("and why is it dangerous?") and points_back("how does consent for that work?")
    assert points_back("Is it because it depends on the person holding the probe?")
    assert not points_back("what is automation bias?")


def alone(services, question: str) -> str:
    """The first section the tutor cites for a question asked on its own."""
    result = tutor.answer(services, question)
    assert result.status == "answered", question
    return result.citations[0].ref


def test_each_question_is_answered_from_the_section_it_gets_alone(tutor_services):
    result = tutor.answer(tutor_services, "what is a reader study? also what is automation bias?")
    assert result.status == "answered" and not result.not_covered
    cited = [c.ref for c in result.citations]
    assert alone(tutor_services, "what is a reader study?") in cited
    assert alone(tutor_services, "what is automation bias?") in cited
    assert "automation bias" in result.answer.lower() and "reader stud" in result.answer.lower()
    # every claim still carries a marker that is cited, and no sentence is said twice
    assert set(MARKER.findall(result.answer)) <= set(cited)
    texts = [s.text for s in result.sentences]
    assert len(texts) == len(set(texts)) and all(t in result.answer for t in texts)


def test_a_list_of_terms_gets_the_term_the_answer_left_out(tutor_services):
    result = tutor.answer(tutor_services, "define sensitivity, specificity and AUC")
    assert result.status == "answered"
    assert alone(tutor_services, "what is AUC?") in [c.ref for c in result.citations]
    assert "auc" in result.answer.lower()


def test_a_question_outside_the_course_is_named_not_answered(tutor_services):
    result = tutor.answer(tutor_services, "what is a GAN? what is a reader study?")
    assert result.status == "answered"
    assert result.not_covered == ["what is a GAN?"]
    assert "“what is a GAN?”" in result.answer and "isn't covered" in result.answer
    assert alone(tutor_services, "what is a reader study?") in [c.ref for c in result.citations]


def test_what_one_answer_already_gives_is_not_repeated(tutor_services):
    """PPV and NPV are one passage; a question leaning on the one before it is read with it, not alone."""
    for message in ("What is PPV and what is NPV?", "what is shortcut learning, and why is it dangerous?"):
        result = tutor.answer(tutor_services, message)
        assert result.status == "answered" and not result.not_covered
        assert "\n\n" not in result.answer, message


def test_a_message_refused_whole_stays_refused(tutor_services):
    """Read alone, one question of it would give the scope guard a second chance at what the course does not teach."""
    result = tutor.answer(tutor_services, "how do MRI magnets actually produce a signal? explain the physics of spin "
                                          "and precession")
    assert result.status == "out_of_scope"


def test_the_conversation_keeps_one_turn_and_goes_on_from_it(tutor_services):
    session = tutor.new_session(tutor_services)
    both = tutor.answer(tutor_services, "what is a reader study? also what is automation bias?", session_id=session)
    stored = conversations.history(tutor_services.db, session)
    assert len(stored) == 1 and stored[0].question == "what is a reader study? also what is automation bias?"
    follow = tutor.answer(tutor_services, "can you give me an example?", session_id=session)
    assert follow.status == "answered"
    assert not {s.text for s in follow.sentences} & {s.text for s in both.sentences}  # goes on, never repeats


def test_hint_mode_reads_the_message_whole(tutor_services):
    result = tutor.answer(tutor_services, "what is a reader study? also what is automation bias?", mode="hint")
    assert result.mode == "hint" and result.answer.count("Hint 1 of") == 1 and not result.not_covered


def test_any_course_gets_each_question_answered(courses_settings, make_services):
    """The reading is English, not this course's words: on the ultrasound course, two questions get two sections."""
    services = make_services(courses_settings).for_course("ultrasound-physics-basics")
    first, second = "what is attenuation?", "what causes acoustic shadowing?"
    result = tutor.answer(services, f"{first} also {second}")
    assert result.status == "answered"
    cited = [c.ref for c in result.citations]
    assert alone(services, first) in cited and alone(services, second) in cited


class FakeQuotingWriter:
    """A named stand-in for the LLM writer: 'writes' the first sentence of the first passage it is given, with its
    marker, so verify passes it and the answer streams sentence by sentence."""

    name = "llm:fake-quoting"

    def write(self, question: str, passages: str) -> str:
        ref, _title = passages.split("\n", 1)[0].split(" ", 1)
        body = passages.split("\n", 2)[1]
        return f"{split_sentences(body)[0]} {ref}"

    def stream(self, question: str, passages: str):
        yield self.write(question, passages)


def test_with_a_streaming_writer_only_what_the_answer_keeps_is_streamed(tutor_services):
    """Each question is written before the tutor knows whether the answer already covers it: one it leaves ("what is
    a reader study?" here, the whole message's own subject) must not have been streamed."""
    tutor_services._writer, tutor_services._writer_built = FakeQuotingWriter(), True
    events = list(tutor.answer_events(tutor_services, "what is a reader study? also what is automation bias?"))
    final = events[-1]["answer"]
    assert final["writer"] == "llm:fake-quoting" and len(final["sentences"]) == 2
    streamed = [e["text"] for e in events if e["type"] == "sentence"]
    assert streamed == [" ".join([s["text"], *(f"[{r}]" for r in s["refs"])]) for s in final["sentences"]]
