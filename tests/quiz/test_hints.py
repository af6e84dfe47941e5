"""The hint ladder's gaps (quiz/hints.py): which words a cloze hides."""
import re

import pytest

from imaging_tutor.quiz.generator import generate
from imaging_tutor.quiz.hints import BLANK, blank_idea, hint
from imaging_tutor.quiz.terms import NO_TERMS, common_terms, course_terms


def test_a_gap_without_a_key_term_hides_the_longest_words_ties_in_the_sentences_order():
    # Four candidates of the same length: the first two as they stand in the sentence, whatever the hash seed.
    gapped = blank_idea("Pilots watch charts, drifts, errors and trends.", None, "what do pilots watch?", NO_TERMS)
    assert gapped == f"Pilots watch {BLANK}, {BLANK}, errors and trends."


def test_a_gap_never_hides_what_the_learner_already_sees():
    gapped = blank_idea("Monitoring catches drift after deployment.", None, "why does monitoring matter?", NO_TERMS)
    assert "Monitoring" in gapped and gapped.count(BLANK) == 2


@pytest.mark.parametrize("chapter", [1, 4])
def test_no_step_before_the_last_names_the_answer_the_item_does_not_show(course, embedder, chapter):
    # Step 2 once said "look for what the course says about “prevalence”" for the cloze whose gap is "prevalence"
    # (every cloze item of the course, and "which term ...?" items). Step 1 names the section, whose title may hold
    # the term: finding the section is the step.
    terms = course_terms(course)
    quiz = generate(course, embedder, chapters=[chapter], count=30, seed=0)
    assert {"cloze", "mcq"} <= {it.type for it in quiz.items}
    for item in quiz.items:
        if item.type in ("tf", "numeric") or len(item.answer) < 3:
            continue  # "True" / a number: no word of a hint can name them
        named = re.compile(rf"(?<!\w){re.escape(item.answer)}(?!\w)", re.IGNORECASE)
        if named.search(item.prompt):
            continue
        for step in (2, 3):
            assert not named.search(hint(item, step, course, terms).text), (item.id, step)


def test_a_cloze_item_ladder_adds_something_at_every_step(course, embedder):
    terms = course_terms(course)
    item = next(it for it in generate(course, embedder, chapters=[1], count=30, seed=0).items if it.type == "cloze")
    idea, gap = hint(item, 2, course, terms).text, hint(item, 3, course, terms).text
    assert f"starting with “{item.answer.split()[0][0]}" in idea
    first = item.answer.split()[0]
    assert re.search(rf"(?<!\w){re.escape(first[0])}\w*_+", gap) and item.answer not in gap  # "prev______"


def test_the_idea_to_look_for_never_points_at_a_wrong_option_nor_a_word_half_the_course_uses(course, embedder):
    # "Which item from the course's list fits “for final, unbiased evaluation”?" once said to look for “training”,
    # one of its wrong options; other items said “model”, which half the sections name.
    terms = course_terms(course)
    common = common_terms(course)
    assert common  # this course has such a term ("model"), so the check below is not empty
    for chapter in (1, 2, 5):
        for item in generate(course, embedder, chapters=[chapter], count=30, seed=0).items:
            found = re.search(r"says about “(.+?)”", hint(item, 2, course, terms).text)
            term = terms.by_name.get(found.group(1)) if found else None
            if term is None or item.concept or item.key_terms:
                continue  # no course term named, or the item's own concept or key term
            assert found.group(1) not in common, item.id
            assert not any(term.regex.search(o) for o in item.options if o != item.answer), item.id


def test_a_multiple_choice_item_whose_sentence_names_no_term_rules_an_option_out(embedder):
    """"Which situation can lead to this: the colony is treated?" (beekeeping, 3.1) got "look for the sentence that
    answers the question directly" at step 2, which adds nothing to step 1; ruling out a wrong option does."""
    from pathlib import Path

    from imaging_tutor.corpus.course import load_course

    bees = load_course(Path(__file__).parents[1] / "fixtures" / "courses" / "beekeeping-basics")
    terms = course_terms(bees)
    mcqs = [it for it in generate(bees, embedder, count=6, seed=0, types=["mcq"]).items]
    assert mcqs
    for item in mcqs:
        text = hint(item, 2, bees, terms).text
        assert "answers the question directly" not in text, item.prompt
        ruled_out = re.search(r"the answer is not “(.+)”", text)
        assert ruled_out is None or ruled_out.group(1) in item.options and ruled_out.group(1) != item.answer
