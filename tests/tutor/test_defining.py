"""Which words a sentence defines (tutor/defining.py): general English, sentences from several subjects."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor.defining import asked_stems, defined_stems


def defines(sentence: str, question: str) -> bool:
    return bool(defined_stems(sentence) & asked_stems(question))


@pytest.mark.parametrize("sentence, question", [
    ("Drones are the male bees.", "what is a drone?"),
    ("A hazard is anything in food that can cause harm to the person who eats it.", "what is a hazard"),
    ("A food handler is anyone who works with unpackaged food.", "what is a food handler"),
    ("A cold front is the leading edge of a mass of colder air.", "what is a cold front?"),
    ("Humidity is how much water vapour the air holds.", "whats humidity"),
    ("In patient terms, sensitivity is about misses.", "what is sensitivity"),
    ("Compost means decomposed organic matter used to enrich soil.", "what does compost mean?"),
    ("The PoP (probability of precipitation) gives the chance of rain at any point.", "what is PoP?"),
    ("The PoP (probability of precipitation) gives the chance of rain at any point.", "probability of precipitation"),
    ("The ROC-AUC (area under the curve) summarizes how well a model ranks cases.", "what is AUC?"),
    ("This is why cross-contamination—moving germs from raw food to ready food—is dangerous.",
     "what is cross-contamination"),
    ("Pathogens that survive cooking are a hazard known as spore formers.", "spore formers"),
    ("The rear derailleur hangs from a small bracket called the derailleur hanger.", "what is a derailleur hanger"),
    ("Run a local validation (often called a silent or shadow mode trial) where the AI produces outputs.",
     "what is a silent trial?"),
    ("In a compost heap, each layer of brown material is a carbon source.", "what is a carbon source"),
    ("That is the dew point.", "what is the dew point"),
    # a name with slashes is one word: "what is the 50/30/20 rule?" was led by "The rule is a starting point, not a law."
    ("The 50/30/20 rule is a simple guideline for dividing net income into three broad groups.",
     "what is the 50/30/20 rule?"),
])
def test_a_sentence_that_says_what_a_term_is_defines_it(sentence, question):
    assert defines(sentence, question), sorted(defined_stems(sentence))


@pytest.mark.parametrize("sentence, question", [
    # something said about the term, not what it is
    ("AUC is useful for comparing models in a general sense.", "what is AUC?"),
    ("Humidity is important for how warm the air feels.", "what is humidity"),
    ("Most imaging data arrives in DICOM format.", "what is DICOM"),
    ("A cold front often brings a sharp drop in temperature.", "what is a cold front?"),
    # "are a" only as whole words: not "are also", "are then", "is almost", "is always", "is therefore"
    ("Guest networks are also useful for smart home devices.", "what is a guest network"),
    ("The frames are then spun in an extractor.", "what are frames"),
    ("A smelly compost pile is almost always wet.", "what is a compost pile"),
    ("Wind direction is always named for where the wind comes from.", "what is wind direction"),
    # a definition of another word of the sentence
    ("Pathogens that survive cooking are a hazard known as spore formers.", "what is cooking"),
    ("A cold front is the leading edge of a mass of colder air.", "what is a mass"),
])
def test_a_sentence_that_uses_a_term_without_saying_what_it_is_does_not_define_it(sentence, question):
    assert not defines(sentence, question), sorted(defined_stems(sentence))


def test_a_compound_names_its_head_not_the_words_before_it():
    sentence = "A foodborne-illness outbreak is when two or more people get the same illness from one food."
    assert defines(sentence, "what is an outbreak?")
    assert not defines(sentence, "what is foodborne illness?")


def test_the_defined_subject_keeps_every_word_siblings_differ_in():
    """Heads alone ("foulbrood") cannot tell American from European foulbrood; the whole subject can."""
    from imaging_tutor.tutor.defining import defined_subject

    assert defined_subject("European foulbrood is a different bacterial disease that kills larvae.") == {
        "european", "foulbrood"}
    assert defined_subject("Infected larvae look twisted, yellowish and melted in their cells.") == frozenset()


def test_a_subject_the_course_puts_in_quotes_is_defined_unless_hedged():
    """'"Browns" are materials rich in carbon …' has no article after "are", yet the quotes introduce the term;
    '“ground truth” is often not a simple yes/no' says something about it."""
    assert defined_stems('"Browns" are materials rich in carbon, such as dry leaves and straw.') == {"brown"}
    assert defined_stems("In medical imaging, “ground truth” is often not a simple yes/no.") == frozenset()


def test_the_defined_subject_of_a_quoted_term():
    from imaging_tutor.tutor.defining import defined_subject

    assert defined_subject('"Browns" are materials rich in carbon.') == {"brown"}
