"""A false statement made by swapping a term reads as English: the partner as the course spells it, in the number
the sentence gives its subject, capitalised only where the sentence opens (or never swapped at all)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from imaging_tutor.corpus.course import load_course
from imaging_tutor.quiz.candidates import (TF_PREFIX, number_shown, partner_surface, section_candidates, swap_terms,
                                           term_forms)
from imaging_tutor.quiz.terms import Term, course_terms

FIXTURES = Path(__file__).parents[1] / "fixtures"
COURSES = [Path(__file__).parents[2] / "corpus" / "ai-in-medical-imaging",
           *sorted((FIXTURES / "courses").iterdir()), FIXTURES / "second-course"]


def _term(name: str, pattern: str | None = None) -> Term:
    return Term(name, pattern or f"{name}s?", "section:1.1")


@pytest.mark.parametrize("sentence, term, partner, forms, expected", [
    # an acronym keeps its capitals where it opens the sentence ("Mri is fast" before)
    ("X-ray is fast.", _term("X-ray"), _term("MRI", "MRIs?"), ["MRI"], "MRI is fast."),
    # mid-sentence the partner is spelled as the course spells it, not capitalised because the term was
    ("The ROC curve plots it.", _term("ROC curve"), _term("confusion matrix"), ["confusion matrix"],
     "The confusion matrix plots it."),
    # a plural subject takes the partner's plural as the course writes it
    ("Pathogens are living organisms.", _term("pathogens"), _term("spore"), ["spore", "spores"],
     "Spores are living organisms."),
    # the whole spelling goes, not the part of it the names share ("The ROC-Sensitivity" before)
    ("The ROC-AUC (area under the curve) ranks them.", _term("AUC", r"(?:ROC-)?AUC(?: \(area under the curve\))?"),
     _term("sensitivity"), ["sensitivity"], "The sensitivity ranks them."),
    # a two-word pair that differs in one word keeps the rest as written
    ("Hot composting kills seeds.", _term("hot composting"), _term("cold composting"), ["cold composting"],
     "Cold composting kills seeds."),
])
def test_the_partner_is_spelled_as_the_course_spells_it(sentence, term, partner, forms, expected):
    assert swap_terms(sentence, term, partner, forms) == expected


@pytest.mark.parametrize("sentence, term, partner, forms", [
    # no plural of the partner in the course: no "Regulatory statuss are …"
    ("Reader studies are a common way to evaluate AI.", _term("reader study", "reader stud(?:y|ies)"),
     _term("regulatory status", "regulatory status"), ["regulatory status"]),
    # a singular verb after the subject: no "Search errors happens …"
    ("Automation bias happens when people over-trust a tool.", _term("automation bias", "automation bias"),
     _term("search errors", "search errors?"), ["search errors"]),
    # "a"/"an" before the subject: no "A pathogens is …"
    ("A foodborne-illness outbreak is when two people get ill.", _term("foodborne-illness outbreak"),
     _term("pathogens"), ["pathogens"]),
    # the partner is the head of the term's own compound: "Axles are stiffer …" is what "Thru-axles are …" says
    ("Thru-axles are stiffer.", _term("thru-axle", "thru[ -]axles?"), _term("axles"), ["axle"]),
])
def test_a_partner_that_cannot_take_the_subjects_number_is_not_swapped_in(sentence, term, partner, forms):
    assert swap_terms(sentence, term, partner, forms) is None


def test_number_shows_in_the_verb_the_article_or_an_opening_subjects_verb_in_s():
    def shown(sentence: str, word: str) -> str | None:
        start = sentence.index(word)
        return number_shown(sentence, start, start + len(word))

    assert shown("Thru-axles are stiffer.", "Thru-axles") == "plural"
    assert shown("The AUC (area under the curve) is a summary.", "AUC") == "singular"
    assert shown("Automation bias happens when …", "Automation bias") == "singular"
    assert shown("An algorithm learns.", "algorithm") == "singular"
    assert shown("Hair can hide pathogens.", "Hair") is None  # a modal shows no number
    assert shown("It reduces search errors as well.", "search errors") is None  # not the subject


def test_a_bracketed_acronym_is_not_part_of_the_spelling_a_swap_uses():
    course = load_course(FIXTURES / "courses" / "home-composting")
    forms = term_forms(course)
    assert all("(" not in f for spellings in forms.values() for f in spellings)


def test_a_spelling_keeps_the_capitals_the_course_gives_it_inside_a_sentence():
    """Cloze keys and swaps read 'gHz', 'poP' and 'environmental Protection Agency': the first capital was taken for
    the sentence's. Only a capital at a sentence's start is; one inside a word ('GHz') never is."""
    wifi = term_forms(load_course(FIXTURES / "courses" / "home-wifi-basics"))
    assert "GHz" in wifi["gigahertz"] and "gHz" not in wifi["gigahertz"]
    weather = term_forms(load_course(FIXTURES / "courses" / "reading-weather-forecasts"))
    assert weather["national weather service"][0] == "National Weather Service"
    assert "PoP" in weather["probability of precipitation"]
    composting = term_forms(load_course(FIXTURES / "courses" / "home-composting"))
    assert all(f[:1].islower() for f in composting["compost"])  # "Compost is …" opens sentences


@pytest.mark.parametrize("path", COURSES, ids=lambda p: p.name)
def test_every_word_of_a_swapped_statement_is_one_the_course_writes(path):
    """Across seven courses of different subjects: no invented plural ("statuss", "axless") and no acronym
    re-cased ("Mri"): every word is in the course's text, titles or term names (a word that opens the statement
    may take a capital)."""
    course = load_course(path)
    text = "\n".join([s.text for s in course.sections] + [s.section_title for s in course.sections]
                     + [t.name for t in course_terms(course).all])
    words = set(re.findall(r"[\w’'-]+", text))
    written = words | {w[:1].lower() + w[1:] for w in words}  # a capital the sentence gave a word is not its own
    swaps = [it for s in course.sections for it in section_candidates(course, s.ref) if it.kind == "swap"]
    assert swaps
    for it in swaps:
        statement = it.prompt.removeprefix(TF_PREFIX)
        for k, word in enumerate(re.findall(r"[\w’'-]+", statement)):
            assert word in written or (k == 0 and word[:1].lower() + word[1:] in written), (word, statement)


def test_partner_surface_without_forms_falls_back_to_the_name():
    assert partner_surface("sensitivity", _term("sensitivity"), _term("specificity")) == "specificity"


@pytest.mark.parametrize("path", COURSES, ids=lambda p: p.name)
def test_a_cloze_key_is_the_words_its_blank_took_out(path):
    """'labels' for "… and _____ come from …", not the term's name 'label'; 'GHz', not 'gigahertz'."""
    course = load_course(path)
    clozes = [it for s in course.sections for it in section_candidates(course, s.ref) if it.kind == "cloze"]
    assert clozes
    for it in clozes:
        assert re.search(rf"(?<![\w-]){re.escape(it.answer)}(?![\w-])", it.explanation, re.IGNORECASE), (
            it.answer, it.explanation)
        assert it.answer in it.accepted or it.answer.lower() in (a.lower() for a in it.accepted)
