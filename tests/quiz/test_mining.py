"""Quiz terms come from the course text itself (definitions, "called X", inline acronyms, section titles); every
chapter of every test course, in other subjects and without any glossary, yields at least six valid items."""
from __future__ import annotations

from pathlib import Path

import pytest

from imaging_tutor.corpus.course import load_course
from imaging_tutor.quiz import generate, validate_quiz
from imaging_tutor.quiz.mining import _clean, mine_terms, partners, term_pattern
from imaging_tutor.quiz.terms import course_terms

FIXTURES = Path(__file__).parents[1] / "fixtures"
COURSES = sorted(p for p in (FIXTURES / "courses").iterdir() if (p / "course.md").is_file()) + [FIXTURES / "second-course"]


def test_definitions_called_acronyms_and_titles_are_mined():
    course = load_course(FIXTURES / "courses" / "home-composting")
    mined = {t.name: t for t in mine_terms(course)}
    assert mined["composting"].source == "definition"  # "Composting is the controlled decomposition of …"
    assert mined["aerobic decomposition"].source == "called"  # "… is called aerobic decomposition"
    assert mined["environmental protection agency"].abbr == "EPA"  # "… Agency (EPA)"
    assert mined["carbon-to-nitrogen ratio"].source == "title"  # "Greens and browns: the carbon-to-nitrogen ratio"
    # siblings that differ in one word are contrasting partners
    assert partners(list(mined.values()))["hot composting"] == "cold composting"


def test_a_subject_with_a_clause_in_it_is_no_term():
    """'A period when many plants are flowering and bees bring in more nectar than they use is called a nectar flow.'
    mined 'period when many plants' (and a cloze whose key it was); the name after 'is called' is the term."""
    from imaging_tutor.corpus.course import parse_course

    course = parse_course("---\nid: bees\ntitle: Bees\nversion: 1\n---\n\n# Chapter 1: Year\n\n## 1.1 Flows\n\n"
                          "A period when many plants are flowering and bees bring in more nectar than they use is "
                          "called a nectar flow. Between flows there may be a dearth.\n")
    names = {t.name for t in mine_terms(course)}
    assert "nectar flow" in names and not any("when" in n.split() for n in names)


def test_a_gloss_that_ranks_its_subject_is_no_definition():
    """"In real deployments, input handling is a major source of hidden risk." gave the short item "what does the
    course mean by 'input handling'?" keyed "A major source of hidden risk": how much a thing matters is not what it
    is. A gloss that describes ("a small white grub") still defines."""
    from imaging_tutor.corpus.course import parse_course

    course = parse_course("---\nid: bees\ntitle: Bees\nversion: 1\n---\n\n# Chapter 1: Year\n\n## 1.1 Brood\n\n"
                          "A larva is a small white grub that lies curled in its cell. Summer is the main season for "
                          "foraging. In a busy apiary, smoke handling is a major source of hidden risk. Feeding "
                          "syrup in autumn is the reliable choice.\n")
    names = {t.name.lower() for t in mine_terms(course)}
    assert "larva" in names
    assert "summer" not in names and "smoke handling" not in names
    # nor one that judges it: "Paying down balances is the reliable choice." was asked as "which description matches
    # 'paying down balances' as the course defines it?" keyed "The reliable choice"
    assert not any("syrup" in n for n in names)


def test_term_patterns_match_plurals_and_hyphens():
    import re

    rx = re.compile(term_pattern("carbon-to-nitrogen ratio"), re.IGNORECASE)
    assert rx.fullmatch("carbon to nitrogen ratios") and rx.fullmatch("Carbon-to-nitrogen ratio")
    assert re.fullmatch(term_pattern("pinch flats"), "pinch flat")
    assert re.fullmatch(term_pattern("TCS food", None), "TCS foods")


@pytest.mark.parametrize("folder", COURSES, ids=lambda p: p.name)
def test_every_chapter_of_another_course_yields_six_valid_items(folder, embedder):
    course = load_course(folder)
    assert course_terms(course).all  # mined, whether or not the folder has a glossary
    for chapter in course.chapters:
        quiz = generate(course, embedder, chapters=[chapter.number], count=6, seed=0)
        assert len(quiz.items) == 6 and validate_quiz(quiz.items, course, embedder) == [], chapter.number
        assert quiz.possible >= 6 and len({it.type for it in quiz.items}) >= 2


@pytest.mark.parametrize("raw, name", [
    ("Cold holding", "cold holding"),  # a capital the sentence gave it
    ("Internet Protocol", "Internet Protocol"),  # a name: a later word is capitalised
    ("Wi-Fi Protected Setup", "Wi-Fi Protected Setup"),
    ("Wi-Fi password", "Wi-Fi password"),  # a capital inside the first word
    ("PACS", "PACS"),
    ("X-ray", "x-ray"),
])
def test_a_term_keeps_the_capitals_of_a_name(raw, name):
    assert _clean(raw) == name


def test_forms_of_one_word_are_never_swapped_for_each_other():
    """Beekeeping mined 'swarming' ("Swarming is how a honey bee colony reproduces") and 'swarm' in one section, and
    "Swarm is triggered mainly by crowding, …" was a false statement keyed False: it says what the course says."""
    from imaging_tutor.quiz.candidates import section_candidates

    course = load_course(FIXTURES / "courses" / "beekeeping-basics")
    terms = course_terms(course)
    assert {"swarm", "swarming"} <= set(terms.by_name)
    assert terms.confusable("swarm", "swarming")
    assert not terms.confusable("american foulbrood", "european foulbrood")  # two diseases, not two forms
    from imaging_tutor.quiz.candidates import TF_PREFIX
    from imaging_tutor.quiz.text import stems

    swaps = [it for s in course.sections for it in section_candidates(course, s.ref) if it.kind == "swap"]
    assert swaps
    # a false statement must say something else, word for word, than the true sentence it is made from
    assert all(stems(it.prompt.removeprefix(TF_PREFIX)) != stems(it.explanation) for it in swaps)


@pytest.mark.parametrize("folder", [FIXTURES / "courses" / name for name in ("home-wifi-basics", "personal-budgeting",
                                                                             "kitchen-food-safety")],
                         ids=lambda p: p.name)
def test_no_item_is_made_of_a_sentence_that_points_to_another_section(folder):
    """"True or false? If that is not enough, Section 2.4 explains how extenders and mesh systems can help." and
    "what can happen if the wired result is good but …?" keyed "…, and Chapter 2 explains how to improve coverage"
    asked where the course says something, not what it says; "what does the course mean by 'temperature'?" was keyed
    "The danger zone described in section 3.2, …"."""
    import re

    from imaging_tutor.quiz.candidates import section_candidates

    course = load_course(folder)
    items = [it for s in course.sections for it in section_candidates(course, s.ref)]
    assert items
    pointer = re.compile(r"\b(?:sections?|chapters?) \d", re.I)
    assert not [it.prompt for it in items if pointer.search(it.explanation) or pointer.search(it.answer)]
