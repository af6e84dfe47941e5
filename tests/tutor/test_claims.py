"""Word-level comparison of a claim with its passage (tutor/claims.py): no model, general English sentences."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor.claims import analyse, exchanged, number_change, polarity_flipped, quantifier_change, stem

COSTLY = "A missed fracture on the night shift is far more costly than a few extra scans sent for a second read."
FLOODS = "The river floods the town in winter, while the snowmelt feeds the river in spring."


def stem_of(word: str) -> str:
    return analyse(word).content[0]


@pytest.mark.parametrize("claim, passage, runs", [
    # two runs trade places around a comparison: each now plays the other's part
    ("A few extra scans sent for a second read on the night shift is far more costly than a missed fracture.",
     COSTLY, ("extra", "missed")),
    ("The river floods the town in spring, while the snowmelt feeds the river in winter.", FLOODS,
     ("spring", "winter")),
    # the negation moves to the other run
    ("Forecasters trust one model run and never trust the ensemble mean.",
     "Forecasters trust the ensemble mean and never trust one model run.", ("model", "ensemble")),
    # two words traded around an "only" or a "not", side by side: no list
    ("Ask whether the bike was tested in the dry or only in the rain.",
     "Ask whether the bike was tested in the rain or only in the dry.", ("dry", "rain")),
    ("The pile may partly feed the flies, not the worms.",
     "The pile may partly feed the worms, not the flies.", ("flies", "worms")),
])
def test_runs_that_trade_places_are_an_exchange(claim, passage, runs):
    got = exchanged(analyse(claim), analyse(passage))
    assert got is not None and stem_of(runs[0]) in got[0].split() + got[1].split(), got
    assert stem_of(runs[1]) in got[0].split() + got[1].split(), got


@pytest.mark.parametrize("claim, passage", [
    # the same words in the same order
    (COSTLY, COSTLY),
    # a clause moved to the front trades runs too, but the claim is no near copy once they are put back
    ("Unless a written process and a risk review exist, de-identified records must still be kept private.",
     "Keep de-identified records private unless you have a written process and a risk review."),
    # neighbours in a list may come in any order
    ("Check the chain rings, the front brake pads and the tyres before each ride.",
     "Check the front brake pads, the chain rings and the tyres before each ride."),
    # the negation travels with its run: "not Y but X" restates "X rather than Y"
    ("Forecasters never trust one model run and trust the ensemble mean.",
     "Forecasters trust the ensemble mean and never trust one model run."),
    # turned around together with its comparative: the same statement
    ("A few extra scans sent for a second read are far less costly than a missed fracture on the night shift.",
     COSTLY),
])
def test_restatements_are_not_an_exchange(claim, passage):
    assert exchanged(analyse(claim), analyse(passage)) is None


@pytest.mark.parametrize("claim, passage", [
    ("A new cook lacks the habit of checking the probe thermometer.",
     "A new cook does not have the habit of checking the probe thermometer."),
    ("The app is unable to warn you about hail in the next hour.",
     "The app cannot warn you about hail in the next hour."),
    ("A single reading falls short of proving the fridge is cold enough.",
     "A single reading does not prove the fridge is cold enough."),
])
def test_a_negation_in_other_words_keeps_its_polarity(claim, passage):
    assert not polarity_flipped(analyse(claim), analyse(passage))
    # and the same claim without its negation is flipped
    assert polarity_flipped(analyse(passage.replace("does not have", "has").replace("cannot", "can")
                                    .replace("does not prove", "proves")), analyse(passage))


def test_a_stronger_modal_is_read_beside_the_other_quantifiers():
    passage = "If a bike mostly rides on gravel, its chain may wear out sooner, even if it looks clean."
    assert quantifier_change(analyse("If a bike mostly rides on gravel, its chain will wear out sooner."),
                             analyse(passage))
    assert not quantifier_change(analyse("A bike that mostly rides on gravel may wear its chain out sooner."),
                                 analyse(passage))
    assert not quantifier_change(analyse("A bike that mostly rides on gravel can wear its chain out sooner."),
                                 analyse(passage))


@pytest.mark.parametrize("noun, verb", [("classification", "classifying"), ("segmentation", "segmenting"),
                                        ("documentation", "documented"), ("identification", "identifies")])
def test_a_noun_made_from_a_verb_meets_the_verb(noun, verb):
    assert stem(noun) == stem(verb)


@pytest.mark.parametrize("claim, passage", [
    # a stronger or absolute word the passage does not use
    ("Composting turns kitchen scraps into a perfect soil in a few weeks.",
     "Composting turns kitchen scraps into a useful soil in a few weeks."),
])
def test_absolute_words_are_strength(claim, passage):
    assert quantifier_change(analyse(claim), analyse(passage))


@pytest.mark.parametrize("claim, passage", [
    # "any particular" is one, not every
    ("On days like this, any particular garden gets frost about 3 times in 10.",
     "On days like this, frost reaches a given garden about 3 times in 10."),
    # a negative universal restating a plain negation
    ("A green light says nothing about the tyre pressure.", "A green light does not mean the tyre pressure is right."),
    # "only" restating "just"
    ("Each step often takes only a few minutes.", "Each step often takes just a few minutes."),
    # an adverb restating its adjective: "generally" is "in a general sense", "usually" "as usual"
    ("The map is useful for planning generally but can mislead on the day.",
     "The map is useful for planning in a general sense, but it can mislead on the day."),
])
def test_restated_strength_is_no_change(claim, passage):
    assert not quantifier_change(analyse(claim), analyse(passage))


def test_numbers_in_words_and_dimensions_meet_digits():
    cube = analyse("The grid is 3D.")
    assert cube.numbers == analyse("The grid is three-dimensional.").numbers == {"3"}
    assert analyse("A 2D image.").numbers != analyse("A 3D image.").numbers
    # "once" opening a clause is no count; "once a day" is
    assert not analyse("Frost forms once the air cools to the dew point.").numbers
    assert analyse("Water the pile once a week.").numbers == {"1x"}


def test_a_superlative_keeps_its_direction():
    claim = analyse("Alerts cover the least dangerous storms.")
    passage = analyse("Alerts cover the most dangerous storms.")
    assert "least" in claim.content and "most" in passage.content


def test_every_number_of_a_fraction_belongs_to_the_word_after_it():
    """'72/90 normals': 72 is about the normals as much as 90 is (a restated fraction was read as a changed number)."""
    passage = analyse("The forecast was right on 80% of dry days (because 72/90 days stayed dry).")
    assert not number_change(analyse("The forecast was right on 80% of dry days, since 72 days stayed dry."), passage)
    assert number_change(analyse("The forecast was right on 80% of dry days, since 70 days stayed dry."),
                         passage) == {"70"}


def test_a_number_said_twice_is_read_at_each_place():
    """'30 of 50 members ... a 30 percent chance' for '... a 60 percent chance': the second 30 is the change."""
    passage = analyse("If 30 of 50 members bring rain, that suggests about a 60 percent chance.")
    assert number_change(analyse("If 30 of 50 members bring rain, that suggests about a 30 percent chance."),
                         passage) == {"30"}


def test_numbers_that_trade_places_are_changed():
    passage = analyse("Cool the stock to 20 degrees within two hours, then to 5 degrees in the next four hours.")
    assert number_change(analyse("Cool the stock to 20 degrees within four hours, then to 5 degrees in the next two "
                                 "hours."), passage)
    assert not number_change(analyse("Cool the stock to 20 degrees within two hours and to 5 degrees in the next "
                                     "four hours."), passage)
