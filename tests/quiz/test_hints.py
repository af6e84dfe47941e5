"""The hint ladder's gaps (quiz/hints.py): which words a cloze hides."""
from imaging_tutor.quiz.hints import BLANK, blank_idea
from imaging_tutor.quiz.terms import NO_TERMS


def test_a_gap_without_a_key_term_hides_the_longest_words_ties_in_the_sentences_order():
    # Four candidates of the same length: the first two as they stand in the sentence, whatever the hash seed.
    gapped = blank_idea("Pilots watch charts, drifts, errors and trends.", None, "what do pilots watch?", NO_TERMS)
    assert gapped == f"Pilots watch {BLANK}, {BLANK}, errors and trends."


def test_a_gap_never_hides_what_the_learner_already_sees():
    gapped = blank_idea("Monitoring catches drift after deployment.", None, "why does monitoring matter?", NO_TERMS)
    assert "Monitoring" in gapped and gapped.count(BLANK) == 2
