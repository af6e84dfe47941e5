"""Heading items: a point from a paragraph that a section heads with a short label is placed under the right label,
the section's other labels being the wrong options; labels the course repeats across sections are structure."""
from __future__ import annotations

from imaging_tutor.corpus.course import parse_course
from imaging_tutor.quiz import check_item
from imaging_tutor.quiz.headings import heading_items, heading_runs

# A course of another subject in the course format: one section sorts its advice under three headings; "Practical
# outcome" closes two sections, so it is the course's structure, not a heading of the section.
GARDEN = """---
id: garden
title: Garden
version: 1
---

# Chapter 1: Beds

## 1.1 Preparing a bed

Soil: Dig in two buckets of compost for every square metre before planting anything new. They also hold water.

Light: Place tomatoes where the plants see at least six hours of direct sun each day.

Water: Soak the roots early in the morning so the leaves dry before the evening cools.

Practical outcome: you can plan a bed that suits what you grow and where you grow it.

## 1.2 After planting

Mulch keeps moisture in and weeds down through the summer months.

Practical outcome: you can keep a bed healthy with ten minutes of care a week.
"""


def test_a_run_of_headed_paragraphs_gives_one_item_per_standalone_point():
    course = parse_course(GARDEN)
    section = course.section("1.1")
    assert [[label for label, _ in run] for run in heading_runs(course, section)] == [["Soil", "Light", "Water"]]
    items = heading_items(course, section)
    # "They also hold water." leans on its neighbour (and names the heading Water): no item
    assert {(it.answer, it.citation.quote.split(":")[0]) for it in items} == {
        ("Soil", "Soil"), ("Light", "Light"), ("Water", "Water")}
    for it in items:
        assert it.level == "apply" and it.type == "mcq" and it.kind == "heading_case"
        assert sorted(it.options) == ["Light", "Soil", "Water"]  # never the structural "Practical outcome"
        assert it.answer not in it.prompt.split("point:")[1]  # the point does not name its heading
        assert check_item(it, course) == []


def test_fewer_than_three_headings_make_no_item():
    course = parse_course(GARDEN.replace("Water: Soak", "Soak"))
    assert heading_items(course, course.section("1.1")) == []
    assert heading_items(course, course.section("1.2")) == []


def test_validation_rejects_a_wrong_heading_and_a_foreign_option():
    course = parse_course(GARDEN)
    item = next(it for it in heading_items(course, course.section("1.1")) if it.answer == "Light")
    wrong_key = item.model_copy(update={"answer": "Soil"})
    assert "answer_unsupported" in {reason for reason, _ in check_item(wrong_key, course)}
    foreign = item.model_copy(update={"options": [o if o != "Water" else "Compost" for o in item.options]})
    assert "distractor_not_sibling" in {reason for reason, _ in check_item(foreign, course)}


def test_the_course_s_vendor_questions_become_heading_items(course):
    items = heading_items(course, course.section("6.6"))
    assert {it.answer for it in items} == {"Evidence and fit", "Monitoring and drift", "Support and reliability",
                                           "Costs and contracts"}
    assert all(check_item(it, course) == [] for it in items)
    assert not any("Beginner outcome" in it.options for it in items)
