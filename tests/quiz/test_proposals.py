"""LLM-proposed items go through the same validation. The proposer here is a FAKE (a fixed list standing in for a
model's parsed reply); the parsing of raw model text is tested separately on strings."""
from __future__ import annotations

from imaging_tutor.quiz import generate
from imaging_tutor.quiz.proposals import ItemProposal, parse_batch, proposed_items
from imaging_tutor.quiz.validate import check_items

DRIFT = "Drift is the gradual or sudden change over time that causes performance to degrade."


class FakeProposer:
    """Fake: returns canned proposals for section 5.4, one good and three that validation must refuse."""

    name = "fake"

    def propose(self, section, n):
        if section.ref != "5.4":
            return []
        return [
            ItemProposal(type="mcq", prompt="According to the course, what causes performance to degrade over time?",
                         options=["The gradual or sudden change over time that causes performance to degrade",
                                  "A simple 2×2 table", "Accepting an incorrect AI suggestion",
                                  "Stopping after finding one abnormality"],
                         answer="The gradual or sudden change over time that causes performance to degrade",
                         quote=DRIFT),
            ItemProposal(type="tf", prompt="Drift only happens suddenly.", answer="True",
                         quote="Drift only ever happens suddenly, never gradually."),  # invented quote
            ItemProposal(type="mcq", prompt="What is drift?", options=["Change over time that degrades performance",
                         "Change over time that causes performance to degrade", "A table", "A threshold"],
                         answer="Change over time that degrades performance", quote=DRIFT),  # two right options
            ItemProposal(type="short", prompt="What is drift?", answer="A kind of network outage.", quote=DRIFT),
        ]


def test_proposals_are_validated_like_generated_items(course):
    items = proposed_items(course, [course.section("5.4")], FakeProposer())
    assert all(it.origin == "llm" for it in items)
    checked = check_items(items, course)
    assert [it.citation.quote for it in checked.valid] == [DRIFT]
    assert sorted(r.reason for r in checked.rejections) == ["answer_unsupported", "distractor_supported",
                                                            "quote_not_verbatim"]


def test_generate_reports_refused_proposals(course, embedder):
    quiz = generate(course, embedder, refs=["5.4"], count=2, seed=0, proposer=FakeProposer())
    llm_ids = {it.id for it in proposed_items(course, [course.section("5.4")], FakeProposer())}
    reasons = {r.reason for r in quiz.rejections if r.item_id in llm_ids}
    assert {"answer_unsupported", "distractor_supported", "quote_not_verbatim"} <= reasons
    # the valid proposal is either used or refused only as a duplicate of a generated item on the same passage
    assert reasons - {"answer_unsupported", "distractor_supported", "quote_not_verbatim"} <= {"same_source", "near_duplicate"}


def test_parse_batch_keeps_only_well_formed_proposals():
    reply = """Sure! Here you go:
    {"items": [
      {"type": "tf", "prompt": "Drift degrades performance.", "answer": "True", "quote": "%s"},
      {"type": "essay", "prompt": "Discuss.", "answer": "x", "quote": "%s"},
      {"type": "mcq", "prompt": "Pick one", "answer": "a"}
    ]}""" % (DRIFT, DRIFT)
    got = parse_batch(reply)
    assert [p.type for p in got] == ["tf"]
    assert parse_batch("no json here") == [] and parse_batch("{not json}") == []
