"""Quiz banks: save, list, fetch, edit, delete, regenerate; stale marking after the course text changes."""
from __future__ import annotations

from dataclasses import replace

import pytest

from imaging_tutor.corpus.course import Section
from imaging_tutor.errors import InvalidInput, NotFound
from imaging_tutor.quiz import (ItemEdit, delete_item, delete_quiz, get_quiz, list_quizzes, mark_stale_items,
                                regenerate_item, save_quiz, update_item)


def test_save_list_fetch_delete(db, quiz4):
    saved = save_quiz(db, quiz4, "Week 4: reading the numbers")
    assert saved.id.startswith("qb-") and saved.items == len(quiz4.items) and saved.stale_items == 0
    other = save_quiz(db, quiz4, "Another copy")
    assert {q.id for q in list_quizzes(db)} == {saved.id, other.id}
    back = get_quiz(db, saved.id)
    assert back.title == "Week 4: reading the numbers"
    assert [it.model_dump() for it in back.items] == [it.model_dump() for it in quiz4.items]
    assert back.spec == quiz4.spec
    delete_quiz(db, saved.id)
    assert [q.id for q in list_quizzes(db)] == [other.id]
    with pytest.raises(NotFound):
        get_quiz(db, saved.id)
    with pytest.raises(NotFound):
        delete_quiz(db, saved.id)


def test_bad_titles_and_empty_quizzes(db, quiz4):
    for title in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInput):
            save_quiz(db, quiz4, title)
    with pytest.raises(InvalidInput):
        save_quiz(db, quiz4.model_copy(update={"items": []}), "Empty")
    assert list_quizzes(db) == []  # nothing half-written


def test_edit_an_item(db, quiz4, current_course, embedder):
    saved = save_quiz(db, quiz4, "Editable")
    mcq = next(it for it in quiz4.items if it.type == "mcq")
    edited = update_item(db, saved.id, mcq.id, {"prompt": mcq.prompt + " (choose one)", "difficulty": "hard"},
                         course=current_course, embedder=embedder)
    assert edited.prompt.endswith("(choose one)") and edited.difficulty == "hard" and edited.origin == "staff"
    assert get_quiz(db, saved.id).item(mcq.id).prompt.endswith("(choose one)")

    before = get_quiz(db, saved.id)
    bad = [ItemEdit(explanation="Not a sentence of the course."),
           ItemEdit(options=[mcq.options[0]] * 4),
           ItemEdit(answer="An answer that is not an option")]
    for change in bad:
        with pytest.raises(InvalidInput):
            update_item(db, saved.id, mcq.id, change, course=current_course, embedder=embedder)
    with pytest.raises(NotFound):
        update_item(db, saved.id, mcq.id, ItemEdit(ref="9.1"), course=current_course, embedder=embedder)
    with pytest.raises(NotFound):
        update_item(db, saved.id, "i-unknown", ItemEdit(prompt="x"), course=current_course, embedder=embedder)
    with pytest.raises(NotFound):
        update_item(db, "qb-unknown", mcq.id, ItemEdit(prompt="x"), course=current_course,
                    embedder=embedder)
    assert get_quiz(db, saved.id).model_dump() == before.model_dump()  # refused edits change nothing


def test_edit_cannot_copy_another_item(db, quiz4, current_course, embedder):
    saved = save_quiz(db, quiz4, "No copies")
    a, b = quiz4.items[0], quiz4.items[1]
    with pytest.raises(InvalidInput, match="duplicate"):
        update_item(db, saved.id, b.id, ItemEdit(prompt=a.prompt, options=a.options, answer=a.answer,
                                                 explanation=a.explanation, ref=a.citation.ref),
                    course=current_course, embedder=embedder)


def test_delete_and_regenerate_one_item(db, quiz4, current_course, embedder):
    saved = save_quiz(db, quiz4, "Review me")
    target = quiz4.items[2]
    new = regenerate_item(db, saved.id, target.id, seed=1, course=current_course, embedder=embedder)
    assert new.id != target.id and new.citation.ref == target.citation.ref
    after = get_quiz(db, saved.id)
    assert [it.id for it in after.items].index(new.id) == 2 and len(after.items) == len(quiz4.items)
    assert new.source_hash not in {it.source_hash for it in after.items if it.id != new.id}

    left = delete_item(db, saved.id, quiz4.items[0].id)
    assert len(left.items) == len(quiz4.items) - 1
    assert quiz4.items[0].id not in [it.id for it in get_quiz(db, saved.id).items]
    with pytest.raises(NotFound):
        delete_item(db, saved.id, quiz4.items[0].id)


def test_mark_stale_items_when_a_quote_leaves_the_course(db, quiz4, current_course):
    saved = save_quiz(db, quiz4, "Will go stale")
    victim = quiz4.items[0]
    ref = victim.citation.ref

    def edited_section(s: Section) -> Section:
        if s.ref != ref:
            return s
        paras = tuple(p.replace(victim.citation.quote, "This sentence was rewritten.") for p in s.paragraphs)
        return replace(s, paragraphs=paras)

    chapters = tuple(replace(c, sections=tuple(edited_section(s) for s in c.sections))
                     for c in current_course.chapters)
    changed = replace(current_course, chapters=chapters)
    result = mark_stale_items(db, changed)
    assert result["stale"] >= 1 and result["changed"] >= 1
    quiz = get_quiz(db, saved.id)
    assert quiz.item(victim.id).stale
    assert quiz.item(victim.id).citation.quote == victim.citation.quote  # the item keeps its ref and quote
    assert [s for s in list_quizzes(db) if s.id == saved.id][0].stale_items >= 1
    assert mark_stale_items(db, current_course)["stale"] == 0  # text restored: flag cleared
    assert not get_quiz(db, saved.id).item(victim.id).stale
