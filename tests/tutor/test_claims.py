"""Word-level comparison of a claim with its passage (tutor/claims.py): no model, general English sentences."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor.claims import analyse, exchanged

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
