"""Starter questions: from the question bank when there is one, else quiz stems, else section titles; one per
chapter in order; rotation changes them; a typo'd or meta bank question is never shown."""
from __future__ import annotations

from pathlib import Path

from imaging_tutor.corpus.course import load_course
from imaging_tutor.corpus.starters import starter_questions

ROOT = Path(__file__).resolve().parents[2]


def test_bank_questions_one_per_chapter_and_rotating():
    course = load_course(ROOT / "corpus" / "ai-in-medical-imaging")
    first = starter_questions(course, count=8, rotation=0)
    assert len(first) == 8 and [s["chapter"] for s in first[:6]] == [1, 2, 3, 4, 5, 6]
    assert all(s["question"][0].isupper() and s["question"].endswith("?") for s in first)
    assert all("hospitla" not in s["question"] and "chapter" not in s["question"].lower() for s in first)
    assert [s["question"] for s in starter_questions(course, 8, rotation=1)] != [s["question"] for s in first]
    assert starter_questions(course, 8, rotation=3) == starter_questions(course, 8, rotation=3)


def test_without_a_bank_quiz_stems_then_section_titles(tmp_path):
    course = load_course(ROOT / "tests" / "fixtures" / "second-course")
    stems = starter_questions(course, count=6)
    assert [s["chapter"] for s in stems[:2]] == [1, 2]
    assert {s["question"] for s in stems} <= {" ".join(q.text.split()) for c in course.chapters for q in c.quiz}

    (tmp_path / "course.md").write_text(
        "---\nid: bare\ntitle: Bare\nversion: 1.0.0\n---\n\n# Chapter 1: Soil\n\n## 1.1 Worms at work\n\n"
        "Worms mix the soil and leave it richer than before.\n")
    [only] = starter_questions(load_course(tmp_path), count=6)
    assert only == {"question": "What does the course say about worms at work?", "ref": "1.1", "chapter": 1,
                    "chapter_title": "Soil"}
