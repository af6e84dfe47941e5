"""The scope guard on the real index: a question the course's authors labelled answerable is never refused."""
from __future__ import annotations

from imaging_tutor.tutor import pipeline as tutor
from imaging_tutor.tutor.guard import _ASKS_VALUE, ask_of, decide_scope, looks_like_words
from imaging_tutor.retrieval.fusion import retrieve


def ranked(services, question: str):
    """The retrieval the tutor does for a question: fused, then reordered by the packaged ranker."""
    return retrieve(question, services.index(), services.embedder, ranker=services.models.ranker)


def test_every_labelled_bank_question_is_in_scope(tutor_services):
    """Asked again, a bank question is in scope by the same-question rule, whatever the model's probability
    (with a question left out of the bank, the model alone refuses about 8% of them)."""
    snap = tutor_services.index()
    guard = tutor_services.models.guard
    assert len(snap.question_texts) >= 600
    refused = [q for q in snap.question_texts if not decide_scope(q, ranked(tutor_services, q), guard).in_scope]
    assert refused == []


def test_out_of_scope_questions_are_not_let_in_by_the_bank(tutor_services):
    for q in ("what is the hounsfield unit value of water", "write a python function to resize DICOM images",
              "how much protein should i eat per day"):
        decision = decide_scope(q, ranked(tutor_services, q), tutor_services.models.guard)
        assert decision.features["bank_max"] < 0.92, q  # no bank question vouches for it
        # The exact-value near miss is still let in by the text's similarity (a known gap, measured by the gate's
        # near_miss set); the other two are refused.
        assert q.startswith("what is the hounsfield") or not decision.in_scope, q


def test_asking_for_an_amount_is_a_cue_but_mentioning_one_is_not():
    """On a budgeting course "budget", "costs" and "minimum" are the subject; the cue must not fire on the subject."""
    for q in ("how much does a licence cost", "whats the avg salary of a radiologist", "mri price",
              "roughly what do these contracts cost per year?", "the exact formula for the heat index",
              "what is the minimum sample size", "how often should I review it"):
        assert _ASKS_VALUE.search(q), q
    for q in ("irregular income budget", "fixed vs variable costs", "do minimum loan payments count as needs?",
              "what exactly is clinical governance", "what happens when a 0% intro deal runs out",
              "isn't a budget just a list of things I can't buy"):
        assert not _ASKS_VALUE.search(q), q


def test_the_ask_is_the_last_question_sentence():
    assert ask_of("what is drift") == "what is drift"
    assert ask_of("We run a triage tool. It flags too much. Why would PPV drop? Thanks.") == "Why would PPV drop?"
    assert ask_of("Context first. And then the request without a mark") == "And then the request without a mark"
    assert ask_of("long context about our hospital and its scanners. why?") == (
        "long context about our hospital and its scanners. why?")  # too short an ask to stand alone


def test_a_long_scenario_is_judged_by_what_it_asks(tutor_services):
    """Workplace context shares the course's words either way; the asking sentence decides."""
    context = ("Our radiology department is replacing its scanners next year and the purchasing team keeps "
               "asking me about AI. I'm the informatics lead. ")
    inside = tutor.answer(tutor_services,
                          context + "Why can a model that tested well fail after we switch to the new scanners?")
    outside = tutor.answer(tutor_services, context + "How do I write a SQL query to count last year's CT exams?")
    assert inside.status == "answered" and outside.status == "out_of_scope"


def test_a_word_written_with_dots_is_a_word_and_symbols_are_none():
    for text in ("e.g.?", "i.e.?", "E.g.", "what?", "ppv", "42"):
        assert looks_like_words(text), text
    for text in ("?!", "🙂👍", "x", "a.", ". . .", "-_-"):
        assert not looks_like_words(text), text


def test_ok_in_capitals_is_a_word_not_a_name(tutor_services):
    """"Is it OK to …?" counted "OK" as a name the course lacks, and the guard refused what "is it ok to …?" got."""
    guard = tutor_services.models.guard
    caps, lower = "Is it OK to show the AI flag to the patient?", "is it ok to show the AI flag to the patient?"
    shouted, plain = (decide_scope(q, ranked(tutor_services, q), guard) for q in (caps, lower))
    assert shouted.features["names"] == 0 and shouted.probability == plain.probability
    named = "Is it OK to use MedGPTo on chest X-rays?"  # a product name the course never writes still counts
    assert decide_scope(named, ranked(tutor_services, named), guard).features["names"] == 1
