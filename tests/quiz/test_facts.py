"""Key-term facts are found in the course text at runtime, never hard-coded."""
from __future__ import annotations

from dataclasses import replace

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course, parse_course
from imaging_tutor.quiz.facts import definitions, mine_course, standalone
from imaging_tutor.quiz.terms import course_terms


def _with_glossary(text: str):
    """A course parsed from text, with the real course's glossary.json (the terms mining looks for)."""
    return replace(parse_course(text), glossary=load_course(CORPUS).glossary)

MUST_DEFINE = ["sensitivity", "specificity", "positive predictive value", "negative predictive value", "prevalence",
               "drift", "distribution shift", "shortcut learning", "automation bias", "DICOM", "hanging protocol",
               "voxel", "label", "inference", "training", "leakage", "confusion matrix", "ROC curve", "AUC",
               "threshold", "de-identification", "triage", "commission", "omission", "false positive",
               "false negative"]


def test_curated_terms_map_to_defining_sentences_in_the_course(course):
    found = {}
    for f in definitions(course):
        found.setdefault(f.term, f)
    missing = [t for t in MUST_DEFINE if t not in found]
    assert not missing
    for term in MUST_DEFINE:
        f = found[term]
        assert f.quote in course.section(f.ref).text
        assert course_terms(course).by_name[term].regex.search(f.quote)


def test_examples_of_definitions(course):
    by_term = {}
    for f in definitions(course):
        by_term.setdefault(f.term, []).append(f)
    assert any(f.gloss and "over-trust" in f.gloss for f in by_term["automation bias"])
    assert by_term["commission"][0].example.startswith("copying an AI-generated sentence")
    assert by_term["positive predictive value"][0].pattern == "that-is"  # two sentences: question, then "That is PPV"


COURSE = """---
id: tiny
title: Tiny
version: 1
---

# Chapter 1: Basics

## 1.1 Terms

Drift is the slow decay of a model after the hospital buys new scanners. Sensitivity is about catching cases.

## 1.2 More

Automation bias happens when readers accept every flag without looking. You'll learn more later.
"""


def test_mining_follows_the_text_not_a_fixed_list():
    course = _with_glossary(COURSE)
    facts = {f.term: f for f in definitions(course)}
    assert facts["drift"].gloss == "the slow decay of a model after the hospital buys new scanners"
    assert facts["automation bias"].ref == "1.2"
    changed = _with_glossary(COURSE.replace("the slow decay of a model", "a gradual loss of accuracy"))
    assert {f.term: f for f in definitions(changed)}["drift"].gloss.startswith("a gradual loss of accuracy")
    assert "You'll learn more later." not in [f.quote for fs in mine_course(course).values() for f in fs]


def test_standalone_rejects_sentences_that_lean_on_context():
    assert standalone("High specificity reduces false alarms but risks misses.")
    assert not standalone("Time pressure and alert fatigue amplify both.")
    assert not standalone("This is why a single model can have many operating points.")
    assert not standalone("You will learn how to read performance claims the way a careful buyer would.")
    assert not standalone("Require version control and ensure the displayed model version matches the validated one.")
    # a learning objective says what the learner can do, not what is true; a claim under a label is a statement
    assert not standalone("Beginner outcome: you can point to a responsible owner for performance and security.")
    assert standalone("Practical outcome: a safer workflow makes it easy to disagree with the AI.")
    # an instruction whose verb no list names is no statement either (a beekeeping course's "True or false? Remove
    # the covers …"); a sentence opening with a preposition, a subordinator or a gerund is
    assert not standalone("Remove the covers and smoke gently across the top of the frames.")
    assert not standalone("Hook a tyre lever under one bead opposite the valve and clip it to a spoke.")
    assert standalone("Because the microbes release heat as they feed, a large pile warms itself up.")
    assert standalone("Changing the threshold changes the confusion matrix and every metric built on it.")
    assert standalone("Inside the home, the router gives each device its own private IP address.")
    # one heuristic with the scenario items' (facts.opens_with_bare_verb): a particle starts an object too ("Write
    # down what you find …"), a relative "that" after a noun does not ("Brood that includes eggs …")
    assert not standalone("Write down what you find after each inspection, such as the frames of brood.")
    assert standalone("Brood that includes eggs, larvae and capped cells is a sign of a laying queen.")
    # "this" standing for a sentence before ("should map this to local law"), not for a clause of its own sentence
    # ("…—this is bias in practice") nor for what a colon announces ("works like this: …")
    assert not standalone("Your compliance team should map this to local law and institutional policy.")
    assert not standalone("Over many weeks, this can improve the yield of a small garden bed.")
    assert standalone("The colony stores the surplus as honey, and this is the honey a beekeeper can harvest.")
    assert standalone("A patch repair works like this: roughen the area round the hole and spread the glue.")


def test_an_edited_copy_of_the_course_is_mined_from_its_own_text(course):
    """Facts and candidates are kept with the parsed course; a `dataclasses.replace` copy must not reuse them."""
    from dataclasses import replace

    from imaging_tutor.quiz.candidates import section_candidates

    ref = "5.4"
    quote = mine_course(course)[ref][0].quote
    before = section_candidates(course, ref)
    assert any(it.citation.quote == quote for it in before)

    def edited(s):
        return s if s.ref != ref else replace(s, paragraphs=tuple(p.replace(quote, "Rewritten.") for p in s.paragraphs))

    changed = replace(course, chapters=tuple(replace(c, sections=tuple(edited(s) for s in c.sections))
                                             for c in course.chapters))
    assert quote not in changed.section(ref).text
    assert quote not in [f.quote for f in mine_course(changed)[ref]]
    assert all(it.citation.quote in changed.section(ref).text for it in section_candidates(changed, ref))
    assert mine_course(course)[ref][0].quote == quote  # the original keeps its own facts
