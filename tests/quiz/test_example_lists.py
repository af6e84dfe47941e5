"""Example items (quiz/example_lists.py): a section's own list of examples, placed back under the right section."""
from __future__ import annotations

from imaging_tutor.corpus.course import parse_course
from imaging_tutor.quiz.example_lists import example_section_items, list_members
from imaging_tutor.quiz.validate import check_item, check_items

# A course written for this test, in words no code lists.
GARDEN = """---
id: garden
title: Garden
version: 1
---

# Chapter 1: Pests and helpers

## 1.0 Introduction

This chapter covers pests, helpers, barriers and sprays. Examples include aphids on roses, ladybirds in June, and
copper tape round pots.

## 1.1 Sap-sucking pests

Some insects feed on the sap of young shoots. Classic examples include aphids on roses, whitefly in greenhouses,
scale insects on bay trees (flat brown bumps), and it on them.

## 1.2 Garden helpers

Many animals eat pests for free. Examples include ladybirds in June, hoverfly larvae on beans, and frogs in a pond.

## 1.3 Physical barriers

A barrier keeps a pest away without any chemical. Examples include copper tape round pots, fleece over carrots, and
netting against pigeons.

## 1.4 Sprays of last resort

A spray is the last step. Soapy water can knock back whitefly in greenhouses for a week.
"""


def _items():
    course = parse_course(GARDEN)
    return course, [it for s in course.sections for it in example_section_items(course, s)]


def test_each_listed_example_asks_which_section_gives_it():
    course, items = _items()
    asked = {it.prompt.split("example: “")[1].rstrip("”?"): it for it in items}
    assert asked["aphids on roses"].answer == "Sap-sucking pests"
    assert asked["fleece over carrots"].answer == "Physical barriers"
    assert asked["scale insects on bay trees (flat brown bumps)"].ref == "1.1"  # a comma list, brackets kept whole
    assert all(it.level == "apply" and it.kind == "example_section" and len(it.options) == 4 for it in items)
    assert check_items(items, course).rejections == []


def test_no_item_from_an_introduction_a_pointing_member_or_a_case_another_section_gives():
    course, items = _items()
    asked = {it.prompt.split("example: “")[1].rstrip("”?"): it for it in items}
    assert not any(it.ref == "1.0" for it in items)  # the introduction previews every section's examples
    assert "it on them" not in asked
    # 1.4 also gives "whitefly in greenhouses": two sections would be right, so no item asks it
    assert "whitefly in greenhouses" not in asked
    assert all("Sprays of last resort" not in it.options for it in items if "greenhouse" in it.prompt)


def test_a_list_without_commas_is_one_member_and_builds_nothing():
    assert list_members("reconstruction or denoising that improves image quality or reduces dose") == [
        "reconstruction or denoising that improves image quality or reduces dose"]
    assert list_members("a, b (c, d), and “e, f”") == ["a", "b (c, d)", "“e, f”"]


def test_validation_rejects_an_example_put_under_the_wrong_section_or_offered_twice():
    course, items = _items()
    item = next(it for it in items if "fleece" in it.prompt)
    wrong = item.model_copy(update={"answer": next(o for o in item.options if o != item.answer)})
    assert [r.reason for r in check_items([wrong], course).rejections] == ["answer_unsupported"]
    # a wrong option whose section gives the same case (1.4 also has "whitefly in greenhouses"), and one that titles
    # no section of the chapter
    aphids = next(it for it in items if "aphids" in it.prompt)
    twice = aphids.model_copy(update={
        "prompt": aphids.prompt.replace("aphids on roses", "whitefly in greenhouses"),
        "options": [aphids.answer, "Sprays of last resort", "Garden helpers", "Compost heaps"]})
    assert sorted(reason for reason, _ in check_item(twice, course)) == ["distractor_not_sibling",
                                                                         "distractor_supported"]
