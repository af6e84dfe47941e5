"""Advice and consequences mined from a course's conditional sentences (quiz/scenarios.conditionals)."""
from __future__ import annotations

from imaging_tutor.corpus.course import parse_course
from imaging_tutor.quiz.scenarios import conditionals, list_members

# A small course written for this test, in words no code lists: imperatives with verbs outside the action list.
SMALL = """---
id: workshop
title: Workshop
version: 1
---

# Chapter 1: Care

## 1.0 Intro

If the hinge is stiff and gritty, scrub it with a soft brush and a little oil. Before fitting a new part, find the cause
of the wear. If the varnish is thin, the wood absorbs water and swells. When a joint squeaks, it is usually because
the glue has dried out. Keep the sheet that explains what to do if someone is exposed. Once a month, lift each door
and check the screws.

## 1.1 Finishing

If the room is damp, such as a cellar in winter, the paint dries slowly and stays soft. When a board comes from an old
barn, a skip, or a demolition site, it may hide nails. If the grain tears (e.g., on knots or end grain), the blade
needs sharpening. Sand the edge lightly if you can, because a sharp edge chips. Wipe the surface after each coat, and
wait a day before the next one.

## 1.2 Weather

A fresh coat of oil may turn sticky when the air is humid. Damp is the enemy of glue: a glued joint can fail early if
the boards are wet. A thin coat may look dry even when the wood beneath is soaked. It may warp when the air is very dry.
If the tin says “outdoor,” the stain can fade indoors. A varnish can help, and it dries quickly if the room is warm.
Once saucepans, jars and bottles are washed, they dry on a rack. Before first use, oil the blade (a thin or light
oil) where it meets the handle, allowing it to turn freely. Hairline cracks are small faults that can grow quickly if the wood moves, such as in a door or a drawer front.
"""


def _by_condition():
    return {a.cond: a for a in conditionals(parse_course(SMALL))}


def test_an_imperative_with_its_object_is_advice_whatever_its_verb():
    advice = _by_condition()
    assert advice["If the hinge is stiff and gritty"].action
    assert advice["Before fitting a new part"].action
    assert advice["Once a month"].action


def test_a_statement_about_what_follows_is_a_consequence_not_advice():
    advice = _by_condition()
    assert not advice["If the varnish is thin"].action


def test_a_reason_and_a_condition_inside_a_phrase_are_neither():
    advice = _by_condition()
    assert "When a joint squeaks" not in advice  # "it is usually because …" explains, it does not follow
    assert not any("exposed" in cond for cond in advice)  # "what to do if someone is exposed" is a noun phrase


def test_a_comma_inside_an_aside_or_a_list_does_not_end_the_condition():
    advice = _by_condition()
    assert advice["If the room is damp, such as a cellar in winter"].main == "the paint dries slowly and stays soft"
    assert advice["When a board comes from an old barn, a skip, or a demolition site"].main == "it may hide nails"
    assert advice["If the grain tears (e.g., on knots or end grain)"].main == "the blade needs sharpening"
    assert "Once saucepans" not in advice  # "Once saucepans, jars and bottles are washed, …": the first comma is the list's
    # …but an "or" inside an aside after a short situation is no list: the advice still ends the situation at its comma
    assert advice["Before first use"].action and advice["Before first use"].main.startswith("oil the blade")


def test_a_trailing_condition_followed_by_a_reason_or_a_second_instruction_is_no_item():
    conds = list(_by_condition())
    assert not any("you can" in c or "each coat" in c for c in conds)  # the split would cut the advice in two


def test_a_consequence_stated_before_its_condition_is_found_alone_or_after_a_colon():
    advice = _by_condition()
    assert advice["when the air is humid"].main == "A fresh coat of oil may turn sticky"
    assert advice["if the boards are wet"].main == "a glued joint can fail early"
    assert not advice["when the air is humid"].action and not advice["if the boards are wet"].action


def test_a_trailing_condition_that_concedes_points_back_or_follows_a_second_clause_is_no_consequence():
    conds = list(_by_condition())
    assert not any("soaked" in c or "very dry" in c or "room is warm" in c for c in conds)
    assert not any("wood moves" in c for c in conds)  # the modal is the relative clause's, the aside the main's


def test_a_comma_inside_closing_quotes_ends_the_condition():
    advice = _by_condition()
    assert advice["If the tin says “outdoor”"].main == "the stain can fade indoors"


def test_an_undescribed_last_member_after_described_ones_belongs_to_the_list():
    members = list_members("Common glue types include hide glue (animal collagen), PVA (white wood glue), and epoxy "
                           "such as the two-part kind sold in tubes.")
    assert members == [("hide glue", "animal collagen"), ("PVA", "white wood glue"), ("epoxy", "")]


def test_a_time_in_a_sequence_is_no_situation_that_leads_to_what_follows():
    """'After the larval stage, the workers cover the cell …' became "Which situation can lead to this: the workers
    cover the cell …? After the larval stage" on a course written by an author: a step of a sequence, not a cause."""
    text = SMALL.replace("## 1.2 Weather\n", "## 1.2 Weather\n\nAfter the glue sets, the clamps come off and the "
                         "joint is planed flat. Before the first coat, a beginner needs brushes, rags and a dust "
                         "sheet. While the oil soaks in, the room smells of linseed. After a hard frost, the paint "
                         "may crack along the grain.\n")
    advice = {a.cond: a for a in conditionals(parse_course(text))}
    assert "After the glue sets" not in advice and "Before the first coat" not in advice
    assert "While the oil soaks in" not in advice
    assert not advice["After a hard frost"].action  # "may": what can follow, so still a consequence


def test_a_gerund_subject_is_a_statement_not_advice():
    """'Keeping them separate stops you …' read as an instruction (a word then "them"): a gerund names a subject."""
    from imaging_tutor.quiz.scenarios import _imperative

    assert not _imperative("keeping them separate stops you from spending the emergency money")
    assert _imperative("scrub it with a soft brush")


def test_do_opening_a_main_clause_instructs():
    """"If you share finances with a partner, do the review together …" was asked as "what can happen if …?"."""
    from imaging_tutor.quiz.scenarios import _imperative

    assert _imperative("do the review together so that both of you agree on the plan")
    assert _imperative("do not refreeze it")
    assert not _imperative("do they agree on the plan")
    assert not _imperative("does the review take long")


def test_an_outcome_that_stands_for_its_situation_or_a_closing_stop_in_quotes_is_no_stem():
    """"If a tool is cleared for adult chest X-rays, that does not automatically cover …" asked "which situation can
    lead to this: that does not automatically cover …?"; "… even when the model “looks right.”" ended the stem in
    '.”?'. "it" names the situation's subject, which the options give, so it stays."""
    text = SMALL.replace("## 1.2 Weather\n", "## 1.2 Weather\n\nIf a stain is sold for pine, that does not "
                         "automatically cover oak or ash. If the lid is left off, the stain can thicken even when it "
                         "“looks fine.” If a brush is cleaned in water, it may shed bristles for weeks.\n")
    advice = {a.cond: a for a in conditionals(parse_course(text))}
    assert "If a stain is sold for pine" not in advice
    assert advice["If the lid is left off"].main == "the stain can thicken even when it “looks fine”"
    assert advice["If a brush is cleaned in water"].main.startswith("it may shed")


def test_an_example_that_gives_advice_is_no_instance_of_a_term():
    """"For example, include a one-click feedback option …" was offered as what a term names: advice, not an
    instance. "For example, suppose your car needs new tyres …" frames one and stays."""
    from imaging_tutor.quiz.scenarios import _FRAMING, _imperative

    assert _imperative(_FRAMING.sub("", "include a one-click feedback option and ensure it adds no burden"))
    assert not _imperative(_FRAMING.sub("", "suppose your car needs new tyres in about 10 months"))
