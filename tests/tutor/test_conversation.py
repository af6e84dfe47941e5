"""Conversations as people have them: follow-ups, topic switches, small talk, clarifications, typos, chapter
filters and near misses, on the real index, models and database."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import pipeline as tutor


def ask_all(services, turns: list[str]):
    sid = tutor.new_session(services)
    return [tutor.answer(services, t, session_id=sid) for t in turns]


def test_five_turns_never_nest_earlier_questions(tutor_services):
    answers = ask_all(tutor_services, ["what is sensitivity?", "and specificity?", "why does that matter?",
                                       "What is shortcut learning?", "can you give me an example?"])
    for a in answers:
        assert a.resolved_question.count("(") <= 1, a.resolved_question
        assert len(a.resolved_question) < 200
    # A new topic starts clean: the shortcut-learning question is not read through the metrics conversation.
    assert answers[3].resolved_question == "What is shortcut learning?"
    assert answers[3].citations[0].ref == "5.3"
    # "example?" continues shortcut learning, not sensitivity.
    assert "shortcut" in answers[4].resolved_question.lower() and answers[4].citations[0].ref == "5.3"


def test_a_follow_up_explains_further_instead_of_repeating_the_last_answer(tutor_services):
    first, example = ask_all(tutor_services, ["what is shortcut learning?", "can you give me an example?"])
    assert example.citations[0].ref == first.citations[0].ref == "5.3"
    assert not {s.text for s in example.sentences} & {s.text for s in first.sentences}, example.answer
    first, unclear = ask_all(tutor_services, ["what is drift?", "I don't get it"])
    assert unclear.citations[0].ref == "5.4"
    assert not {s.text for s in unclear.sentences} & {s.text for s in first.sentences}, unclear.answer


def test_a_follow_up_does_not_give_again_the_sentences_its_new_sentence_leans_on(tutor_services):
    """4.3's later sentences lean back on the ones that define PPV ("That is ...", "Similarly, ..."): the follow-up
    gives the new sentences, not the definition again before them."""
    first, simpler = ask_all(tutor_services, ["what is ppv", "can you explain it simpler"])
    assert simpler.citations[0].ref == first.citations[0].ref == "4.3"
    assert simpler.sentences and not {s.text for s in simpler.sentences} & {s.text for s in first.sentences}, \
        simpler.answer


@pytest.mark.parametrize("turns", [["What is shortcut learning?", "why does that matter?", "can you give me an example?"],
                                   ["What is PPV?", "why does it change with prevalence?",
                                    "can you explain it more simply?"]])
def test_a_third_turn_on_a_topic_repeats_neither_earlier_answer(tutor_services, turns):
    """Not only the last answer: the first answer of the topic was said too (the third turn once repeated it)."""
    *earlier, third = ask_all(tutor_services, turns)
    assert third.citations[0].ref == earlier[0].citations[0].ref
    said = {s.text for a in earlier for s in a.sentences}
    assert not {s.text for s in third.sentences} & said, third.answer


@pytest.mark.parametrize("turns, asked", [(["what is a voxel", "and hounsfield units?"], "Hounsfield"),
                                          (["what does DICOM contain?", "and slice thickness?"], "slice thickness")])
def test_a_follow_up_naming_what_the_last_answer_mentioned_in_passing_gets_that_sentence_again(tutor_services, turns,
                                                                                              asked):
    """The last answer named it on the way to something else; the learner now asks about it. Saying something new
    instead (what a follow-up does otherwise) would leave the question unanswered."""
    first, follow = ask_all(tutor_services, turns)
    assert asked in first.answer  # said in passing
    assert asked in follow.sentences[0].text, follow.answer
    assert len({s.text for s in follow.sentences} & {s.text for s in first.sentences}) == 1  # that one only


def test_more_about_the_same_topic_still_says_something_new(tutor_services):
    first, more = ask_all(tutor_services, ["what is a voxel", "tell me more about voxels"])
    assert more.sentences and not {s.text for s in more.sentences} & {s.text for s in first.sentences}, more.answer


@pytest.mark.parametrize("turns", [["what is sensitivity?", "ok, and what is a hyperparameter sweep?"],
                                   ["what is drift?", "how do transistors work?"],
                                   ["what does DICOM metadata hold?", "btw what is lidocaine used for?"]])
def test_a_new_subject_the_course_lacks_is_read_alone_and_refused_not_answered_from_the_last_topic(tutor_services,
                                                                                                  turns):
    first, switch = ask_all(tutor_services, turns)
    assert first.status == "answered"
    assert switch.status == "out_of_scope" and not switch.citations, switch.answer
    assert "(about:" not in switch.resolved_question


@pytest.mark.parametrize("turns", [["how does backpropagation work?", "why is it important?"],
                                   ["what is sensitivity?", "what's the best GPU for training a CNN?", "why?"],
                                   ["what is drift?", "how do I bake sourdough bread?", "can you give me an example?",
                                    "and how does it work?"],
                                   # the pointing word before the turn's own words: "easy" does not name a new subject
                                   ["what is a voxel?", "how do I knit a scarf?", "is it easy for beginners?"],
                                   # nothing answered before, and a course word that names nothing ("safe", "useful")
                                   ["how does federated learning work?", "is it safe?"],
                                   ["what is drift?", "what is radiomics?", "how useful is it?"],
                                   ["what's the best GPU for training?", "who makes it?"]])
def test_a_turn_that_points_back_at_a_refused_question_is_about_that_question_and_refused_too(tutor_services, turns):
    """It was answered from the topic before the refusal ("why?" -> sensitivity) or, with nothing answered before,
    told that nothing earlier names its pronoun."""
    answers = ask_all(tutor_services, turns)
    refused = next(t for t, a in zip(turns, answers) if a.status == "out_of_scope")
    for a in answers[turns.index(refused) + 1:]:
        assert a.status == "out_of_scope" and not a.citations, a.answer
        assert f"It follows on from “{refused}”" in a.answer
        assert a.resolved_question.endswith(f"(about: {refused})")


@pytest.mark.parametrize("turns, answered", [
    (["how is CT used?", "and PET?"], False),  # a name the course never uses: about it, not about CT
    (["what is de-identification?", "what about GDPR?"], False),
    (["what is sensitivity?", "and PPV?"], True),  # names the course uses go on as before
    (["what is DICOM?", "and HL7?"], True),
    (["what is windowing?", "and in MRI?"], True)])
def test_a_follow_up_naming_something_the_course_lacks_is_about_that_not_the_last_topic(tutor_services, turns,
                                                                                      answered):
    """"and a MAC address?" after "what is an IP address?" (home-wifi-basics) was answered about IP addresses."""
    first, follow = ask_all(tutor_services, turns)
    assert first.status == "answered"
    assert (follow.status == "answered") is answered, follow.answer
    if not answered:
        assert not follow.citations


def _after_refusal_rows(name: str) -> list[dict]:
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "evals" / "acts" / name
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name, refused_floor, answered_floor", [
    # measured 2026-12-07 when the rule was written: fit half 15 -> 18 of 22 refused, held out 14 -> 18 of 26; answered
    # 22 of 22 and 25 of 26 before and after. Most misses left follow a subject the scope guard answered.
    ("after_refusal_fit.jsonl", 18, 22),
    ("after_refusal_eval.jsonl", 18, 25)])
def test_turns_after_a_refusal_floors(tutor_services, name, refused_floor, answered_floor):
    """Floors for evals/acts/after_refusal_*.jsonl (written 2026-12-07 by a writer who read only the course: a
    subject the course lacks, then a turn pointing back at it, or a course question, or a return to an earlier topic;
    split by a hash of the id; the eval half was run once, after the rule was written)."""
    refused = answered = 0
    for row in _after_refusal_rows(name):
        *_, last = ask_all(tutor_services, [*row["history"], row["question"]])
        if row["kind"] == "out_of_scope":
            refused += last.status == "out_of_scope"
        else:
            answered += last.status == "answered"
    assert refused >= refused_floor and answered >= answered_floor, (refused, answered)


def test_a_turn_pointing_back_at_a_refused_question_is_refused_on_another_course_too(courses_settings, make_services):
    """The rule reads English, not this course's words: the same on the ultrasound physics course."""
    services = make_services(courses_settings).for_course("ultrasound-physics-basics")
    first, refused, follow = ask_all(services, ["What causes acoustic shadowing behind a gallstone?",
                                                "how do I bake sourdough bread?", "is it hard to get right?"])
    assert first.status == "answered" and refused.status == "out_of_scope"
    assert follow.status == "out_of_scope" and "It follows on from “how do I bake sourdough bread?”" in follow.answer


def test_after_a_refusal_a_course_subject_or_a_return_to_the_earlier_topic_is_answered(tutor_services):
    *_, new = ask_all(tutor_services, ["what is sensitivity?", "how do I bake sourdough bread?",
                                       "what is automation bias?"])
    assert new.status == "answered" and new.citations[0].ref == "5.5"
    *_, back = ask_all(tutor_services, ["what is sensitivity?", "how do I bake sourdough bread?",
                                        "ok, back to sensitivity, why does it matter?"])
    assert back.status == "answered" and back.citations[0].ref == "4.2"


def test_an_opening_announcing_a_new_subject_changes_nothing_in_the_answer(tutor_services):
    """Read with "switching gears —", the question counted "gears" as its subject, one the course lacks, and was
    refused; it is answered as the question alone is, and shown without the opening."""
    *_, plain = ask_all(tutor_services, ["what is a voxel?", "why keep a test set separate?"])
    *_, opened = ask_all(tutor_services, ["what is a voxel?", "switching gears — why keep a test set separate?"])
    assert plain.status == opened.status == "answered" and plain.citations[0].ref == "2.4"
    assert opened.answer == plain.answer
    assert opened.resolved_question == "why keep a test set separate?"


def test_a_turn_that_says_it_goes_back_is_read_by_what_it_asks(tutor_services):
    """"going", a word the course never uses, was the question's rarest word, so the scope guard refused it; the
    turn is answered and shown as typed."""
    *_, back = ask_all(tutor_services, ["what is a voxel?", "what is drift?",
                                        "going back to testing: why keep the test data separate at all?"])
    assert back.status == "answered" and back.citations[0].ref == "2.4", back.answer
    assert back.resolved_question.startswith("going back to testing")


def test_a_turn_that_says_it_goes_back_gives_what_the_earlier_answer_did_not(tutor_services):
    """Read alone, "going back to voxels, …" got the first answer's three sentences again, word for word."""
    first, _, back = ask_all(tutor_services, ["what is a voxel?", "what is drift?",
                                              "going back to voxels, what do the values mean?"])
    assert back.status == "answered" and back.citations[0].ref == "2.1"
    assert not {s.text for s in back.sentences} & {s.text for s in first.sentences}, back.answer


@pytest.mark.parametrize("turns, ref", [(["what is sensitivity?", "and specificity?"], "4.2"),
                                        (["what is shortcut learning?", "why does it happen?"], "5.3"),
                                        # "e.g.?" was refused as a message with no word in it
                                        (["what is shortcut learning?", "e.g.?"], "5.3"),
                                        # "pros and cons?" was read as a new subject the course lacks and refused
                                        (["what is double reading with AI?", "any downsides?"], "3.2"),
                                        # the course writes "instance" once: "for instance?" was a new subject
                                        (["what is shortcut learning?", "for instance?"], "5.3"),
                                        # "real", a course word, made this a new question about "real", from 2.5
                                        (["what is distribution shift?", "can you give a real example?"], "5.4"),
                                        # "number", a course word, made this a new question about numbers, refused
                                        (["what is AUC?", "what's a good number?"], "4.4")])
def test_a_follow_up_without_a_subject_of_its_own_still_leans_on_the_last_topic(tutor_services, turns, ref):
    _, follow = ask_all(tutor_services, turns)
    assert follow.status == "answered" and "(about:" in follow.resolved_question
    assert follow.citations[0].ref == ref


@pytest.mark.parametrize("question, pronoun", [("how does it work?", "it"), ("why does that matter?", "that"),
                                               ("what are they?", "they")])
def test_a_first_message_that_points_back_to_nothing_is_asked_what_it_means_not_refused(tutor_services, question,
                                                                                         pronoun):
    # It was refused as "not covered in this course", which says the course lacks something it may well have.
    a = tutor.answer(tutor_services, question, session_id=tutor.new_session(tutor_services))
    assert a.status == "small_talk" and not a.citations and f"“{pronoun}”" in a.answer
    assert "isn't covered" not in a.answer


def test_a_pronoun_with_a_subject_of_its_own_or_a_conversation_behind_it_is_answered(tutor_services):
    named = tutor.answer(tutor_services, "what does it do to sensitivity?")
    assert named.status == "answered" and named.citations[0].ref == "4.2"
    _, follow = ask_all(tutor_services, ["what is drift?", "how does it work?"])
    assert follow.status == "answered" and "(about:" in follow.resolved_question
    foreign = tutor.answer(tutor_services, "how does backpropagation work?")  # a subject the course lacks
    assert foreign.status == "out_of_scope"
    ahead = tutor.answer(tutor_services, "is it legal to drive a tractor on the motorway?")  # "it" points ahead
    assert ahead.status == "out_of_scope" and "isn't covered" in ahead.answer


def test_which_with_no_noun_follows_on_from_a_comparison(tutor_services):
    _, which = ask_all(tutor_services, ["what's the difference between triage and detection tools?", "which is riskier?"])
    assert which.status == "answered" and "(about:" in which.resolved_question


def test_an_example_from_the_course_follows_the_topic(tutor_services):
    # "from the course" counted as words of the turn's own: read alone, it was refused as not covered
    _, example = ask_all(tutor_services, ["what is shortcut learning", "give me an example from the course"])
    assert example.status == "answered" and example.citations[0].ref == "5.3" and "(about:" in example.resolved_question


def test_thanks_is_small_talk_and_leaves_the_topic_alone(tutor_services):
    first, thanks, follow = ask_all(tutor_services, ["what is drift?", "ok thanks!", "how do you monitor for it?"])
    assert thanks.status == "small_talk" and not thanks.citations and "[" not in thanks.answer
    assert follow.status == "answered" and follow.citations[0].ref in {"5.4", "5.6", "6.5"}


def test_i_dont_get_it_explains_the_last_topic_again(tutor_services):
    first, again = ask_all(tutor_services, ["what is automation bias?", "I don't get it"])
    assert again.status == "answered" and again.citations[0].ref == first.citations[0].ref == "5.5"
    alone = tutor.answer(tutor_services, "I don't get it", session_id=tutor.new_session(tutor_services))
    assert alone.status in ("small_talk", "out_of_scope") and not alone.citations  # nothing to explain yet


@pytest.mark.parametrize("first, clarification, gold", [
    ("what is automation bias?", "sorry, what do you mean by leakage?", "2.4"),
    ("what is drift?", "wait, what is clinical governance exactly", "6.4"),
    # read as a request to re-explain by the acts model; it names a term the course defines, so it is about that
    ("what is drift?", "explain ppv like im 5", "4.3"),
])
def test_a_clarification_that_names_its_subject_is_answered_about_that_subject(tutor_services, first, clarification,
                                                                               gold):
    # "I don't get it" re-explains the last topic; "what do you mean by leakage?" asks about leakage (both were read
    # as the former, and answered from the previous topic, before the acts relabel of 2026-12-01).
    _, again = ask_all(tutor_services, [first, clarification])
    assert again.status == "answered" and again.citations[0].ref == gold
    assert "(about:" not in again.resolved_question


def test_a_request_to_explain_a_named_term_simply_is_answered_as_the_first_message_too(tutor_services):
    # It was "Which part should I explain?": the re-explain reply, with nothing to re-explain.
    a = tutor.answer(tutor_services, "explain ppv like im 5", session_id=tutor.new_session(tutor_services))
    assert a.status == "answered" and a.citations[0].ref == "4.3"


def test_a_bare_term_the_course_defines_is_looked_up_not_taken_for_small_talk(tutor_services):
    # "tat" alone was read as small talk by the acts model ("Glad to help …"); it names turnaround time (TAT)
    a = tutor.answer(tutor_services, "tat")
    assert a.status == "answered" and a.citations[0].ref == "3.6"
    thanks = tutor.answer(tutor_services, "thanks a lot")
    assert thanks.status == "small_talk"


def test_a_search_box_query_with_typos_is_answered_and_says_what_it_searched(tutor_services):
    a = tutor.answer(tutor_services, "whats the diffrence betwen sensitivty and specifity??")
    assert a.status == "answered" and a.citations[0].ref in {"4.2", "1.4"}
    assert "sensitivity" in a.corrected_question and "specificity" in a.corrected_question


def test_a_workplace_question_about_patients_is_answered_not_refused_as_medical_advice(tutor_services):
    a = tutor.answer(tutor_services, "I'm a radiographer. Last night a 70-year-old patient's CT head was flagged by "
                                     "the triage tool and bumped up the worklist. Does the flag mean the scan is "
                                     "definitely a bleed, or what does triage actually do?")
    assert a.status == "answered" and a.citations[0].ref == "3.1"


def test_a_personal_situation_around_a_general_question_gets_a_clinician_note(tutor_services):
    a = tutor.answer(tutor_services, "my dad had a stroke CT and the nurse said an AI triaged it. not asking about "
                                     "his results - just what does triage AI actually do?")
    assert a.status == "answered" and a.care_note


def test_a_near_miss_is_refused_and_says_where_the_course_touches_it(tutor_services):
    a = tutor.answer(tutor_services, "How do I configure a DICOM router to forward head CTs to the AI server?")
    assert a.status == "out_of_scope" and not a.citations
    assert a.suggestions and a.suggestions[0].ref in a.answer


@pytest.mark.parametrize("question", ["What is a confusion matrix?", "what is shortcut learning?"])
def test_the_chapter_filter_says_where_the_answer_is_instead_of_answering_from_the_wrong_chapter(tutor_services,
                                                                                                 question):
    a = tutor.answer(tutor_services, question, chapter=6)
    assert a.status == "out_of_scope" and not a.citations
    assert a.suggestions and a.suggestions[0].ref.split(".")[0] != "6"
    assert "Chapter 6 does not cover" in a.answer


class CountingEmbedder:
    """A spy around the real model: another worker's own vector cache, recording every text it embeds."""

    def __init__(self, real):
        from imaging_tutor.index.embedding import CachingEmbedder

        self.seen: list[str] = []
        self._cached = CachingEmbedder(real.inner)
        self.name, self.dim = real.name, real.dim

    def embed(self, texts):
        self.seen += [t for t in texts]
        return self._cached.embed(texts)

    def count_tokens(self, text):
        return self._cached.count_tokens(text)


def test_the_next_turn_on_another_worker_reads_the_previous_question_s_vector_instead_of_embedding_it(
        tutor_settings, make_services, embedder):
    first = make_services(tutor_settings)
    sid = tutor.new_session(first)
    opened = tutor.answer(first, "What is shortcut learning?", session_id=sid)
    other = CountingEmbedder(embedder)  # the same model, none of the first worker's cache
    follow = tutor.answer(make_services(tutor_settings, embedder=other), "can you give me an example?", session_id=sid)
    assert "What is shortcut learning?" not in other.seen, other.seen
    assert "shortcut" in follow.resolved_question.lower() and follow.citations[0].ref == opened.citations[0].ref
    # A question stored under another model's name is embedded again (its vector means nothing to this one).
    other.name, other.seen = "another-model", []
    tutor.answer(make_services(tutor_settings, embedder=other), "why does it happen?", session_id=sid)
    assert "can you give me an example?" in other.seen


def test_a_follow_up_that_names_no_one_is_read_with_what_it_follows_before_the_medical_check(tutor_services):
    # Alone, "is a radiology report good enough for that?" reads as someone asking about their own report (the medical
    # model refuses it); after a question on ground truth it asks about labels, and 4.5 answers it.
    *_, report = ask_all(tutor_services, ["what is ground truth", "is a radiology report good enough for that?"])
    assert report.status == "answered" and report.citations[0].ref == "4.5"
    # A follow-up inside a personal situation still asks for care, and one that names the person is decided alone.
    _, again = ask_all(tutor_services, ["My dad's chest X-ray was flagged by an AI for pneumothorax in the ER. How do "
                                        "these triage flags work?", "should we ask for another scan to be sure?"])
    assert again.status == "medical_advice"
    _, allergic = ask_all(tutor_services, ["what contrast agents are used in CT?", "ok thanks, but what if I'm allergic?"])
    assert allergic.status == "medical_advice"
    # One that names nothing of its own but the speaker is about what it follows too: "what do i do about it?" got
    # the clinician reply after "my compost smells bad" on home-composting, and here after shortcut learning.
    _, remedy = ask_all(tutor_services, ["what is shortcut learning?", "what do i do about it?"])
    assert remedy.status == "answered" and remedy.citations[0].ref == "5.3"


@pytest.mark.parametrize("turns", [["what is shortcut learning?", "??"], ["-_-"], ["what is drift?", "?!"]])
def test_a_message_with_no_word_asks_for_the_question_instead_of_calling_it_not_covered(tutor_services, turns):
    # It got "That isn't covered in this course", a claim about the course when nothing was asked.
    *_, last = ask_all(tutor_services, turns)
    assert last.status == "small_talk" and not last.citations
    assert "isn't covered" not in last.answer and "question" in last.answer
