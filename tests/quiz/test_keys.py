"""The course's own chapter quizzes: 30 keys, verbatim quotes, exactly one right option."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from imaging_tutor.quiz.keys import needs_options
from imaging_tutor.quiz.terms import course_terms
from imaging_tutor.errors import NotFound
from imaging_tutor.quiz import check_keys, course_items, grade, load_keys
from imaging_tutor.quiz.keys import NO_KEYS, UNREADABLE_KEYS, CourseKey, key_item, keyed_chapters
from imaging_tutor.quiz.text import normalize_answer


def test_thirty_keys_one_per_course_stem(course, course_dir):
    keys = load_keys(course_dir, course)
    assert len(keys) == 30
    stems = [(c.number, q.number) for c in course.chapters for q in c.quiz]
    assert sorted((k.chapter, k.number) for k in keys) == sorted(stems)
    assert check_keys(course, keys) == []


def test_every_quote_occurs_verbatim_in_its_cited_section(course, course_dir):
    for k in load_keys(course_dir, course):
        assert course.has_ref(k.ref), k.id
        assert k.ref.split(".")[0] == str(k.chapter), k.id
        assert k.explanation in course.section(k.ref).text, f"{k.id}: quote not verbatim in {k.ref}"


def test_every_item_has_exactly_one_correct_option(course, course_dir):
    items = course_items(course_dir, course)
    assert len(items) == 30
    for it in items:
        assert len(it.options) == 4
        assert len({normalize_answer(o) for o in it.options}) == 4, it.id
        assert [o for o in it.options if o == it.answer] == [it.answer]
        assert it.citation.quote == it.explanation
        assert it.citation.section_title == course.section(it.citation.ref).section_title


def test_options_are_shuffled_deterministically(course, course_dir):
    a = course_items(course_dir, course, chapter=2)
    b = course_items(course_dir, course, chapter=2)
    assert [x.options for x in a] == [y.options for y in b]
    assert [x.id for x in a] == [y.id for y in b]
    positions = {it.options.index(it.answer) for it in course_items(course_dir, course)}
    assert len(positions) > 1  # the right answer is not always in the same place


def test_course_items_as_free_text_keep_key_terms_and_distractors(course, course_dir, embedder):
    items = course_items(course_dir, course, chapter=5, as_type="short")
    # Stems that choose among options ("Which situation best matches …?") keep their options: without them the
    # question cannot be answered.
    assert all(it.type == "mcq" and len(it.options) == 4 for it in items if needs_options(it.prompt))
    free = [it for it in items if not needs_options(it.prompt)]
    assert free and all(it.type == "short" and not it.options and it.key_terms and len(it.distractors) == 3
                        for it in free)
    assert any(it.type == "mcq" for it in items)
    g = grade(items[3], "", embedder=embedder, terms=course_terms(course))  # drift stem, empty answer
    assert g.score == 0 and not g.correct and items[3].citation.ref in g.feedback


def test_unknown_chapter_is_not_found(course_dir, current_course):
    with pytest.raises(NotFound):
        course_items(course_dir, current_course, chapter=9)


def test_a_course_without_keys_says_its_chapter_quizzes_cannot_be_taken(course, course_dir, tmp_path):
    """A course drafted from raw text has quiz stems but no keys: no chapter is offered, and asking for one says
    what can be taken instead, without naming a server path."""
    import shutil

    from imaging_tutor.corpus.course import load_course

    assert keyed_chapters(course_dir, course) == [1, 2, 3, 4, 5, 6]
    folder = tmp_path / "no-keys"
    folder.mkdir()
    shutil.copy(Path(course_dir) / "course.md", folder / "course.md")
    bare = load_course(folder)
    assert keyed_chapters(folder, bare) == []
    with pytest.raises(NotFound) as exc:
        course_items(folder, bare, chapter=2)
    assert str(exc.value) == NO_KEYS and str(tmp_path) not in str(exc.value)
    (folder / "quiz_keys.json").write_text("{not json")  # malformed: nothing is offered either
    assert keyed_chapters(folder, bare) == []


def test_a_malformed_keys_file_is_a_not_found_for_the_learner_and_a_warning_for_staff(course, course_dir, tmp_path,
                                                                                         caplog):
    """Staff's broken file is not the learner's bad input: no 400 naming a server path, but a 404 that says what
    can be taken instead, and the file, line and defect in the log."""
    import shutil

    from imaging_tutor.corpus.course import load_course

    folder = tmp_path / "broken-keys"
    folder.mkdir()
    shutil.copy(Path(course_dir) / "course.md", folder / "course.md")
    bare = load_course(folder)
    for broken in ("{not json", "[]", json.dumps({"items": [{"id": "k1", "chapter": 1}]}), '{"items": [7]}'):
        (folder / "quiz_keys.json").write_text(broken)
        caplog.clear()
        with caplog.at_level("WARNING", logger="imaging_tutor.quiz.keys"), pytest.raises(NotFound) as exc:
            course_items(folder, bare, chapter=1)
        assert str(exc.value) == UNREADABLE_KEYS and str(tmp_path) not in str(exc.value)
        assert "practice quiz" in str(exc.value) and "course check" in str(exc.value)
        assert any(str(folder) in r.getMessage() for r in caplog.records)
    # Fixed, the file is taken again (a key for chapter 3 only: the other chapters stay practice-only).
    keys = json.loads((Path(course_dir) / "quiz_keys.json").read_text())
    keys["items"] = [k for k in keys["items"] if k["chapter"] == 3]
    (folder / "quiz_keys.json").write_text(json.dumps(keys))
    assert keyed_chapters(folder, bare) == [3]
    with pytest.raises(NotFound, match="practice quiz"):
        course_items(folder, bare, chapter=2)
    assert len(course_items(folder, bare, chapter=3)) == 5


def test_check_keys_reports_broken_keys(course, course_dir):
    good = load_keys(course_dir, course)[0]
    bad = [
        good.model_copy(update={"explanation": good.explanation + " Invented."}),
        good.model_copy(update={"distractors": [good.answer, *good.distractors[1:]]}),
        good.model_copy(update={"stem": "A different question?"}),
        good.model_copy(update={"ref": "9.9"}),
    ]
    problems = check_keys(course, bad)
    assert any("verbatim" in p for p in problems)
    assert any("options repeat" in p for p in problems)
    assert any("stem differs" in p for p in problems)
    assert any("unknown section ref 9.9" in p for p in problems)
    with pytest.raises(Exception):
        CourseKey(id="x", chapter=1, number=1, stem="s", answer="a", distractors=["b"], key_terms=["a"],
                  explanation="e", ref="1.0")


def test_key_item_ids_change_with_course_version(course, course_dir):
    k = load_keys(course_dir, course)[0]
    from dataclasses import replace

    newer = replace(course, version="9.9.9")
    assert key_item(course, k).id != key_item(newer, k).id
