"""The resolver's cue for a turn that brings a subject of its own: rare words no section of the course uses."""
from __future__ import annotations

from imaging_tutor.text import stem
from imaging_tutor.tutor.resolve import FEATURES, MAX_FOREIGN, foreign_words, turn_features, PastTurn
from imaging_tutor.tutor.pipeline import rare_word_test

# A tiny course vocabulary (stem -> share of sections using it), enough for the logic under test.
SHARES = {stem(w): 0.1 for w in "sensitivity specificity example model scan training data".split()}


def fake_rare(word: str) -> bool:
    """A fake rarity test for this unit test: long words are rare."""
    return len(word) >= 12


def test_words_the_course_never_uses_are_foreign_and_course_words_are_not():
    assert foreign_words("what is backpropagation?", SHARES) == ["backpropagation"]
    assert foreign_words("and specificity?", SHARES) == []
    assert foreign_words("can you give me an example?", SHARES) == []


def test_contractions_and_numbers_are_never_a_subject():
    assert foreign_words("why isn't it 3T? what's that", SHARES) == []


def test_with_a_rarity_test_only_rare_words_count():
    assert foreign_words("whichever backpropagation", SHARES, fake_rare) == ["backpropagation"]
    assert foreign_words("whichever backpropagation", SHARES) == ["whichever", "backpropagation"]


def test_the_feature_is_capped_and_part_of_the_model_inputs():
    past = PastTurn("what is sensitivity?", "sensitivity", "4.2")
    feats = turn_features("x", "", past, [], 0.5, 0.1, n_foreign=9)
    assert "n_foreign" in FEATURES and feats["n_foreign"] == MAX_FOREIGN


class _CountingEmbedder:
    """A fake embedder whose tokenizer splits words into 4-letter pieces (for the rarity rule only)."""

    def count_tokens(self, text: str) -> int:
        return 2 + -(-len(text) // 4)


def test_the_pipeline_calls_a_word_rare_when_the_model_needs_two_or_more_pieces_for_it():
    rare = rare_word_test(_CountingEmbedder())
    assert not rare("scan") and rare("scanner")
