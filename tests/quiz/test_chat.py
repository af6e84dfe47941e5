"""The chat quiz's words to the learner (quiz/chat.py)."""
from __future__ import annotations

from imaging_tutor.quiz.chat import retry_text


def test_a_reply_in_the_wrong_form_is_told_as_a_sentence_with_the_ways_on():
    text = retry_text("answer with a number (for example 42 or 42%)")
    assert text == "Answer with a number (for example 42 or 42%). Or say “hint” for a step towards it, or “skip”."
    assert retry_text("answer true or false.").startswith("Answer true or false. Or say")
