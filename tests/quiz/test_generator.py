"""generate(): valid, deterministic, type-balanced quizzes for every chapter; clear errors for bad input."""
from __future__ import annotations

import pytest

from imaging_tutor.errors import InvalidInput, NotFound
from imaging_tutor.quiz import generate, validate_quiz
from imaging_tutor.quiz.candidates import BLANK, section_candidates
from imaging_tutor.quiz.generator import balanced

FIELDS = ("id", "type", "prompt", "options", "answer", "explanation", "citation", "difficulty", "source_hash")


@pytest.mark.parametrize("chapter", [1, 2, 3, 4, 5, 6])
def test_every_chapter_yields_a_valid_quiz(chapter, course, embedder):
    quiz = generate(course, embedder, chapters=[chapter], count=10, seed=0)
    assert len(quiz.items) == 10 and quiz.possible >= 10
    assert validate_quiz(quiz.items, course, embedder) == []
    assert len({it.type for it in quiz.items}) >= 3  # types are mixed
    for it in quiz.items:
        data = it.model_dump()
        assert all(data[f] not in (None, "") for f in FIELDS if f != "options")
        assert it.citation.ref.startswith(f"{chapter}.")
        assert it.explanation == it.citation.quote
        assert it.citation.quote in course.section(it.citation.ref).text
        if it.type in ("mcq", "tf"):
            assert it.answer in it.options
        if it.type == "cloze":
            assert BLANK in it.prompt


def test_same_seed_same_quiz_and_other_seed_other_quiz(course, embedder):
    a = generate(course, embedder, chapters=[3], count=8, seed=7)
    b = generate(course, embedder, chapters=[3], count=8, seed=7)
    c = generate(course, embedder, chapters=[3], count=8, seed=8)
    assert a.model_dump() == b.model_dump()
    assert a.id == b.id and a.id != c.id
    assert [it.id for it in a.items] != [it.id for it in c.items]


def test_item_ids_are_stable_hashes(course, embedder):
    a = generate(course, embedder, refs=["4.3"], count=3, seed=0)
    b = generate(course, embedder, refs=["4.3"], count=3, seed=0)
    assert [it.id for it in a.items] == [it.id for it in b.items]
    assert all(it.id.startswith("i") and len(it.id) == 17 for it in a.items)


def test_types_and_refs_are_respected(course, embedder):
    quiz = generate(course, embedder, refs=["4.2", "4.3"], count=6, types="tf,cloze", seed=3)
    assert {it.type for it in quiz.items} <= {"tf", "cloze"}
    assert {it.citation.ref for it in quiz.items} <= {"4.2", "4.3"}
    tf = [it for it in quiz.items if it.type == "tf"]
    assert tf and all(it.options == ["True", "False"] for it in tf)


def test_false_statements_swap_a_contrasting_pair(course, embedder):
    quiz = generate(course, embedder, refs=["4.2"], count=8, types=["tf"], seed=1)
    false = [it for it in quiz.items if it.answer == "False"]
    assert false
    for it in false:
        statement = it.prompt.split("? ", 1)[1]
        assert statement not in course.section("4.2").text
        assert statement != it.citation.quote


def test_errors_for_bad_input(course, embedder):
    with pytest.raises(NotFound):
        generate(course, embedder, chapters=[7])
    with pytest.raises(NotFound):
        generate(course, embedder, refs=["4.9"])
    with pytest.raises(InvalidInput):
        generate(course, embedder, chapters=[4], count=0)
    with pytest.raises(InvalidInput):
        generate(course, embedder, chapters=[4], types="mcq,essay")
    with pytest.raises(InvalidInput) as exc:
        generate(course, embedder, refs=["4.1"], count=50)
    possible = generate(course, embedder, refs=["4.1"], count=1).possible
    assert f"only {possible} distinct valid items are possible for section 4.1" in str(exc.value)


def test_whole_course_by_default(course, embedder):
    quiz = generate(course, embedder, count=12, seed=5)
    assert len({it.citation.ref.split(".")[0] for it in quiz.items}) >= 3
    assert quiz.possible > 100


def test_the_apply_quarter_is_never_filled_by_asking_one_passage_twice(course, embedder):
    """Two apply items on one passage (a situation asked forward and back) count once: with only that passage at
    level apply, an 8-item quiz takes one of them and fills the rest from other passages, not both."""
    pool = [it for s in course.chapter(6).sections for it in section_candidates(course, s.ref, embedder)]
    forward = next(it for it in pool if it.kind == "consequence")
    back = forward.model_copy(update={"id": forward.id + "-back", "kind": "cause", "prompt": "Which situation …?",
                                      "answer": forward.options[1], "concept": ""})
    others, seen = [], {(forward.citation.ref, forward.source_hash)}
    for it in pool:  # non-apply items, each on a passage and a concept of its own
        key = (it.citation.ref, it.source_hash)
        if it.level != "apply" and it.type == "mcq" and key not in seen and it.concept not in {o.concept for o in others}:
            others.append(it)
            seen.add(key)
    assert len(others) >= 5
    quiz = balanced([forward, back, *others[:5]], 6, ["mcq"], seed=0)  # a quarter of 6 asks for 2 apply items
    applied = [it for it in quiz if it.level == "apply"]
    assert len(quiz) == 6 and len(applied) == 1
