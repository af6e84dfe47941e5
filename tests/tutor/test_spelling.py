"""Spelling correction against the course's own vocabulary: typos fixed, real words, names and meaning kept."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course
from imaging_tutor.tutor.spelling import Speller, speller_for

KITCHEN = Path(__file__).parents[1] / "fixtures" / "courses" / "kitchen-food-safety"


@pytest.fixture(scope="module")
def speller():
    return speller_for(load_course(CORPUS))


@pytest.mark.parametrize("typed, meant", [
    ("sensitivty", "sensitivity"), ("confussion matrix", "confusion matrix"), ("overeliance on ai", "overreliance on ai"),
    ("positive predicitve value", "positive predictive value"), ("distrbution shift", "distribution shift"),
    ("generalisation", "generalization"), ("report prefil", "report pre-fill"), ("burnedin text", "burned-in text"),
    ("deidentification", "de-identification"), ("whats the diffrence betwen sensitivty and specifity??",
                                                 "what's the difference between sensitivity and specificity??"),
])
def test_typos_become_the_courses_words(speller, typed, meant):
    fixed = speller.correct(typed)
    assert fixed.text == meant and fixed.changed


@pytest.mark.parametrize("text", [
    "how much does a licence cost per year",  # real English words the course never uses stay
    "Is Gleamer BoneView validated for children?",  # names are not typos
    "what are unlabeled scans good for",  # a correction never drops a leading "un"
    "¿Cuál es la mejor receta de paella valenciana?",  # another language is not a pile of typos
    "what is the price of an MRI",
])
def test_real_words_names_and_other_languages_stay(speller, text):
    assert speller.correct(text).text == text


def test_another_course_brings_its_own_vocabulary():
    kitchen = speller_for(load_course(KITCHEN))
    assert kitchen.correct("calibrate thermomter").text == "calibrate thermometer"
    assert speller_for(load_course(CORPUS)).correct("thermomter").text == "thermomter"  # not an imaging-course word


@pytest.mark.parametrize("course_dir", [CORPUS, *sorted(p for p in KITCHEN.parent.iterdir() if p.is_dir())],
                         ids=lambda p: Path(p).name)
def test_short_everyday_words_are_not_british_spellings(course_dir):
    # "our" -> "or" and "four" -> "for" by the -our/-or pattern, on every course: "our manager says it's fine"
    speller = speller_for(load_course(course_dir))
    message = "Our manager says four of our staff can work with a sore throat, is that right?"
    assert speller.correct(message).text == message


def test_british_spellings_still_become_the_courses(speller):
    assert speller.correct("tumour behaviour in the centre").text == "tumor behavior in the center"


def test_the_british_ae_becomes_the_courses_e(speller):
    # "paediatric" is an English word, so no typo fix reached it; the course writes "pediatric" (6.3)
    assert speller.correct("does it cover paediatric cases?").text == "does it cover pediatric cases?"


def test_a_number_typed_against_its_unit_is_split_as_the_course_writes_it():
    # "5ghz" read as one unknown word was a name the course lacks, and the guard refused the question
    wifi = speller_for(load_course(KITCHEN.parent / "home-wifi-basics"))
    assert wifi.correct("whats the difference between 2.4 and 5ghz").text == (
        "what's the difference between 2.4 and 5 ghz")
    assert wifi.correct("is 100Mbps enough? cat6 or not").text == "is 100 Mbps enough? cat 6 or not"
    # a course word as written, and letters the course never writes apart, stay
    for text in ("does wpa3 matter", "is 4k streaming ok", "cat5e cable", "510k clearance", "v2.4ghz"):
        assert wifi.correct(text).text == text, text


def test_a_temperature_typed_without_its_degree_sign_is_written_as_the_course_writes_it():
    kitchen = speller_for(load_course(KITCHEN))  # writes "41°F (5°C)"
    assert kitchen.correct("is 165f hot enough, fridge at 5c?").text == "is 165°F hot enough, fridge at 5°C?"
    # a letter the course never writes after a degree sign is no degree; nor is any letter in a course without them
    assert kitchen.correct("wifi 6e and 4k").text == "wifi 6e and 4k"
    assert speller_for(load_course(KITCHEN.parent / "home-wifi-basics")).correct("5c").text == "5c"


def test_an_american_spelling_becomes_a_british_courses():
    budgeting = speller_for(load_course(KITCHEN.parent / "personal-budgeting"))  # writes "utilisation"
    assert budgeting.correct("credit utilization meaning").text == "credit utilisation meaning"
    # and this course, written in American English, keeps its own
    assert speller_for(load_course(CORPUS)).correct("generalization").text == "generalization"


def test_a_word_cut_short_is_completed_from_the_word_the_course_writes_before_it(speller):
    assert speller.correct("wat is a false neg").text == "wat is a false negatives"  # the course's usual form
    assert speller.correct("true pos rate").text == "true positive rate"
    # with no course pair to complete it from, or a grammar word before it, it stays
    for text in ("what's the sens and spec", "the neg one", "silent trial stats"):
        assert speller.correct(text).text == text, text


def test_a_message_in_another_language_is_returned_as_typed_with_its_numbers():
    # it was returned with "5ghz" split but no change recorded: a correction the learner was never shown
    wifi = speller_for(load_course(KITCHEN.parent / "home-wifi-basics"))
    text = "¿Cuál es la diferencia entre 2.4 y 5ghz para mi casa?"
    fixed = wifi.correct(text)
    assert fixed.text == text and not fixed.changed



def test_shorthand_becomes_the_word_the_course_writes():
    kitchen = speller_for(load_course(KITCHEN))  # writes "hours", "temperature", "maximum", never the shorthand
    # "how many hrs can food sit out" was refused (scope guard 0.11; with "hours" 0.78)
    fixed = kitchen.correct("how many hrs can food sit out, max temp?")
    assert fixed.text == "how many hours can food sit out, maximum temperature?"
    assert ("hrs", "hours") in fixed.changes  # shown to the learner as a correction
    # a name in capitals is no shorthand ("HR": human resources), nor is "min" (minutes or minimum?)
    assert kitchen.correct("should I tell HR?").text == "should I tell HR?"
    assert kitchen.correct("min temp").text == "min temperature"
    # a course that writes the short form keeps it
    assert Speller({"temp": 2, "temperature": 5, "probe": 3}).correct("probe temp").text == "probe temp"


def test_a_correction_keeps_the_capital_typed_at_the_start_of_a_sentence():
    kitchen = speller_for(load_course(KITCHEN))
    assert kitchen.correct("Hrs for cooling?").text == "Hours for cooling?"  # it was shown as "hours for cooling?"
    assert kitchen.correct("cooling hrs?").text == "cooling hours?"


@pytest.mark.parametrize("typed, meant", [
    ("what is de identification", "what is de-identification"), ("report pre fill", "report pre-fill"),
    ("X ray vs CT", "X-ray vs CT"),
])
def test_a_compound_the_course_hyphenates_typed_apart_is_written_as_the_course_writes_it(speller, typed, meant):
    fixed = speller.correct(typed)
    assert fixed.text == meant and fixed.changed


def test_a_compound_the_course_also_writes_apart_is_left_as_typed(speller):
    # the course writes "real-world" and "real world" both, "false-positive" and "false positive" both
    for typed in ("real world performance", "a false positive rate"):
        assert speller.correct(typed).text == typed


def test_another_courses_compound_typed_apart_finds_its_definition(tmp_path, embedder):
    """"what's cross contamination" typed apart read as "contamination" and got a sentence on aprons (2.3); the
    course writes "cross-contamination" and defines it in 1.1."""
    from imaging_tutor.tutor import pipeline as tutor
    from imaging_tutor.config import Settings
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.services import Services

    services = Services(Settings(data_dir=tmp_path, corpus_dir=KITCHEN), embedder=embedder)
    try:
        ingest(services)
        answer = tutor.answer(services, "what's cross contamination")
        assert answer.status == "answered" and answer.citations[0].ref == "1.1"
        assert "Cross-contamination means" in answer.answer
        # typed without the apostrophe it was answered from 4.3 ("whats" read as a word of its own)
        assert tutor.answer(services, "whats cross contamination").answer == answer.answer
    finally:
        services.close()


@pytest.mark.parametrize("typed, read", [("whats PPV", "what's PPV"), ("Whats drift", "What's drift"),
                                         ("i dont get it", "i don't get it")])
def test_a_contraction_typed_without_its_apostrophe_is_read_with_it_and_not_shown_as_a_correction(speller, typed,
                                                                                                   read):
    fixed = speller.correct(typed)
    assert fixed.text == read and not fixed.changed


def test_a_bare_form_that_is_a_word_of_its_own_keeps_its_reading(speller):
    for typed in ("its accuracy", "we were told", "well calibrated", "cant angle"):
        assert speller.correct(typed).text == typed


def test_vs_is_a_word_so_a_comparison_gets_its_units_split():
    # "vs", missing from the English word list, counted as a word nobody could fix: one of the message's two words, so
    # the message read as another language and "5ghz" stayed glued (the scope guard refused it)
    wifi = speller_for(load_course(KITCHEN.parent / "home-wifi-basics"))
    assert wifi.correct("2.4 vs 5ghz").text == "2.4 vs 5 ghz"
