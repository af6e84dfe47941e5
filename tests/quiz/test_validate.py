"""Validation rejects malformed items, unsupported answers, supported distractors and duplicates, with reasons."""
from __future__ import annotations

import pytest

from imaging_tutor.quiz import check_item, validate_quiz
from imaging_tutor.quiz.schema import ItemCitation, QuizItem

DRIFT = "Drift is the gradual or sudden change over time that causes performance to degrade."
SHIFT = "Distribution shift means the incoming cases differ from what the model saw before."


def _item(course, **kw) -> QuizItem:
    ref = kw.pop("ref", "5.4")
    quote = kw.pop("quote", DRIFT)
    base = dict(id=kw.pop("id", "itest"), type="mcq", prompt="Which description matches drift?",
                options=["The gradual or sudden change over time that causes performance to degrade",
                         "How common the condition is in the population being tested",
                         "A simple 2×2 table", "Accepting an incorrect AI suggestion"],
                answer="The gradual or sudden change over time that causes performance to degrade",
                explanation=quote, source_hash="x", kind="term_to_definition",
                citation=ItemCitation(ref=ref, section_title=course.section(ref).section_title, quote=quote))
    base.update(kw)
    return QuizItem(**base)


def reasons(item, course):
    return [r for r, _ in check_item(item, course)]


def test_a_good_item_passes(course):
    assert reasons(_item(course), course) == []


def test_repeated_options(course):
    it = _item(course)
    it.options[1] = it.options[0].upper() + "."
    assert "options_repeat" in reasons(it, course)


def test_answer_must_be_exactly_one_option(course):
    it = _item(course, answer="Something else entirely")
    assert "answer_not_one_option" in reasons(it, course)


def test_answer_not_supported_by_quote(course):
    it = _item(course, answer="A simple 2×2 table",
               options=["A simple 2×2 table", "Accepting an incorrect AI suggestion", "Staff start ignoring the AI"])
    assert "answer_unsupported" in reasons(it, course)


def test_distractor_supported_by_quote(course):
    quote = f"{SHIFT} {DRIFT}"
    it = _item(course, quote=quote, options=[
        "The gradual or sudden change over time that causes performance to degrade",
        "The incoming cases differ from what the model saw before",  # also in the quote: a second right answer
        "A simple 2×2 table", "Accepting an incorrect AI suggestion"])
    assert "distractor_supported" in reasons(it, course)


def test_term_distractor_named_by_the_quote(course):
    quote = ("Overreliance often appears in two forms: (1) commission—accepting an incorrect AI suggestion (e.g., "
             "copying an AI-generated sentence into a report without verifying), and (2) omission—failing to act "
             "because AI didn’t flag something (e.g., overlooking a subtle PE because the AI detection box is absent).")
    it = _item(course, ref="5.5", quote=quote, kind="scenario",
               prompt="Which term fits: copying an AI-generated sentence into a report without verifying?",
               options=["commission", "omission", "drift", "leakage"], answer="commission")
    assert "distractor_supported" in reasons(it, course)


def test_quote_must_be_verbatim_and_section_must_exist(course):
    assert "quote_not_verbatim" in reasons(_item(course, quote=DRIFT.replace("sudden", "abrupt")), course)
    it = _item(course)
    it.citation.ref = "9.9"
    assert reasons(it, course) == ["unknown_ref"]
    it = _item(course)
    it.explanation = "Drift is bad."
    assert "explanation_not_quote" in reasons(it, course)


def test_true_false_statements(course):
    true_ok = _item(course, type="tf", kind="true_statement", prompt="True or false? " + DRIFT,
                    options=["True", "False"], answer="True")
    assert reasons(true_ok, course) == []
    invented = true_ok.model_copy(update={"prompt": "True or false? Drift never happens in practice."})
    assert "answer_unsupported" in reasons(invented, course)
    actually_true = true_ok.model_copy(update={"answer": "False"})  # the 'false' statement is in the course
    assert "distractor_supported" in reasons(actually_true, course)


def test_cloze_must_hide_its_answer(course):
    it = _item(course, type="cloze", kind="cloze", options=[], answer="drift",
               prompt="Fill in the blank: “_____ is the gradual change; drift degrades performance.”")
    assert "answer_in_prompt" in reasons(it, course)


def test_duplicates_and_near_duplicates_are_rejected(course, embedder):
    a = _item(course, id="ia")
    same_prompt = _item(course, id="ib", source_hash="y")
    near = _item(course, id="ic", source_hash="z", prompt="Which of these describes drift?")
    other = _item(course, id="id", source_hash="w", ref="5.4", quote=SHIFT,
                  prompt="Which description matches distribution shift?",
                  options=["The incoming cases differ from what the model saw before", "A simple 2×2 table",
                           "How common the condition is in the population being tested",
                           "Accepting an incorrect AI suggestion"],
                  answer="The incoming cases differ from what the model saw before")
    got = {r.item_id: r.reason for r in validate_quiz([a, same_prompt, near, other], course, embedder)}
    assert got == {"ib": "duplicate", "ic": "near_duplicate"}


def test_same_passage_twice_is_a_duplicate(course, embedder):
    # True/false asks a passage once, whichever way round; an item that wants another answer from it is distinct.
    a = _item(course, id="ia")
    b = _item(course, id="ib", type="tf", kind="true_statement", prompt="True or false? " + DRIFT,
              options=["True", "False"], answer="True")
    c = _item(course, id="ic", type="tf", kind="negation", prompt="True or false? " + DRIFT.replace(" is ", " is not "),
              options=["True", "False"], answer="False")
    rej = validate_quiz([a, b, c], course, embedder)
    assert [(r.item_id, r.reason) for r in rej] == [("ic", "same_source")]
    twin = _item(course, id="id", prompt="Which description matches drift, as the course puts it?")
    assert [(r.item_id, r.reason) for r in validate_quiz([a, twin], course, embedder)] == [("id", "same_source")]


@pytest.mark.parametrize("field,value", [("prompt", "x" * 1300), ("options", ["a" * 500, "b", "c", "d"])])
def test_oversized_items(course, field, value):
    it = _item(course, **{field: value})
    assert "too_long" in reasons(it, course)
