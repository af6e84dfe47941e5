"""Quiz banks: save, list, fetch, edit, delete, regenerate; stale marking after the course text changes."""
from __future__ import annotations

from dataclasses import replace

import pytest

from imaging_tutor.corpus.course import Section
from imaging_tutor.errors import InvalidInput, NotFound
from imaging_tutor.quiz import (ItemEdit, delete_item, delete_quiz, get_quiz, list_quizzes, mark_stale_items,
                                regenerate_item, save_quiz, update_item)


def test_save_list_fetch_delete(settings, quiz4):
    saved = save_quiz(quiz4, "Week 4: reading the numbers", settings)
    assert saved.id.startswith("qb-") and saved.items == len(quiz4.items) and saved.stale_items == 0
    other = save_quiz(quiz4, "Another copy", settings)
    assert {q.id for q in list_quizzes(settings)} == {saved.id, other.id}
    back = get_quiz(saved.id, settings)
    assert back.title == "Week 4: reading the numbers"
    assert [it.model_dump() for it in back.items] == [it.model_dump() for it in quiz4.items]
    assert back.spec == quiz4.spec
    delete_quiz(saved.id, settings)
    assert [q.id for q in list_quizzes(settings)] == [other.id]
    with pytest.raises(NotFound):
        get_quiz(saved.id, settings)
    with pytest.raises(NotFound):
        delete_quiz(saved.id, settings)


def test_bad_titles_and_empty_quizzes(settings, quiz4):
    for title in ("", "   ", "x" * 201):
        with pytest.raises(InvalidInput):
            save_quiz(quiz4, title, settings)
    with pytest.raises(InvalidInput):
        save_quiz(quiz4.model_copy(update={"items": []}), "Empty", settings)
    assert list_quizzes(settings) == []  # nothing half-written


def test_edit_an_item(settings, quiz4, current_course, embedder):
    saved = save_quiz(quiz4, "Editable", settings)
    mcq = next(it for it in quiz4.items if it.type == "mcq")
    edited = update_item(saved.id, mcq.id, {"prompt": mcq.prompt + " (choose one)", "difficulty": "hard"}, settings,
                         embedder=embedder)
    assert edited.prompt.endswith("(choose one)") and edited.difficulty == "hard" and edited.origin == "staff"
    assert get_quiz(saved.id, settings).item(mcq.id).prompt.endswith("(choose one)")

    before = get_quiz(saved.id, settings)
    bad = [ItemEdit(explanation="Not a sentence of the course."),
           ItemEdit(options=[mcq.options[0]] * 4),
           ItemEdit(answer="An answer that is not an option")]
    for change in bad:
        with pytest.raises(InvalidInput):
            update_item(saved.id, mcq.id, change, settings, embedder=embedder)
    with pytest.raises(NotFound):
        update_item(saved.id, mcq.id, ItemEdit(ref="9.1"), settings, embedder=embedder)
    with pytest.raises(NotFound):
        update_item(saved.id, "i-unknown", ItemEdit(prompt="x"), settings, embedder=embedder)
    with pytest.raises(NotFound):
        update_item("qb-unknown", mcq.id, ItemEdit(prompt="x"), settings, embedder=embedder)
    assert get_quiz(saved.id, settings).model_dump() == before.model_dump()  # refused edits change nothing


def test_edit_cannot_copy_another_item(settings, quiz4, embedder):
    saved = save_quiz(quiz4, "No copies", settings)
    a, b = quiz4.items[0], quiz4.items[1]
    with pytest.raises(InvalidInput, match="duplicate"):
        update_item(saved.id, b.id, ItemEdit(prompt=a.prompt, options=a.options, answer=a.answer,
                                             explanation=a.explanation, ref=a.citation.ref), settings,
                    embedder=embedder)


def test_delete_and_regenerate_one_item(settings, quiz4, embedder):
    saved = save_quiz(quiz4, "Review me", settings)
    target = quiz4.items[2]
    new = regenerate_item(saved.id, target.id, seed=1, settings=settings, embedder=embedder)
    assert new.id != target.id and new.citation.ref == target.citation.ref
    after = get_quiz(saved.id, settings)
    assert [it.id for it in after.items].index(new.id) == 2 and len(after.items) == len(quiz4.items)
    assert new.source_hash not in {it.source_hash for it in after.items if it.id != new.id}

    left = delete_item(saved.id, quiz4.items[0].id, settings)
    assert len(left.items) == len(quiz4.items) - 1
    assert quiz4.items[0].id not in [it.id for it in get_quiz(saved.id, settings).items]
    with pytest.raises(NotFound):
        delete_item(saved.id, quiz4.items[0].id, settings)


def test_mark_stale_items_when_a_quote_leaves_the_course(settings, quiz4, current_course):
    saved = save_quiz(quiz4, "Will go stale", settings)
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
    result = mark_stale_items(changed, settings)
    assert result["stale"] >= 1 and result["changed"] >= 1
    quiz = get_quiz(saved.id, settings)
    assert quiz.item(victim.id).stale
    assert quiz.item(victim.id).citation.quote == victim.citation.quote  # the item keeps its ref and quote
    assert [s for s in list_quizzes(settings) if s.id == saved.id][0].stale_items >= 1
    assert mark_stale_items(current_course, settings)["stale"] == 0  # text restored: flag cleared
    assert not get_quiz(saved.id, settings).item(victim.id).stale
