"""Quiz sessions: a full run with grading and progress, bad input, exactly-once attempts under concurrency,
and the review queue bringing missed items back after growing intervals."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from imaging_tutor.storage.db import session_scope
from imaging_tutor.errors import Conflict, InvalidInput, NotFound
from imaging_tutor.storage.models import QuizAttempt
from imaging_tutor.quiz import (course_items, get_session, next_item, progress, review_queue, save_quiz,
                                start_session, submit)
from imaging_tutor.quiz.progress import next_review_at
from imaging_tutor.quiz.schema import ItemView


def _wrong(item):
    return next(o for o in item.options if o != item.answer)


def test_full_course_quiz_session_with_grading_and_progress(settings):
    view = start_session("learner-1", mode="course", chapter=4, settings=settings)
    assert view.total == 5 and view.answered == 0
    first = next_item(view.id, settings)
    assert isinstance(first, ItemView) and first.position == 1 and first.total == 5
    assert "answer" not in first.model_dump() and "explanation" not in first.model_dump()
    keys = {it.id: it for it in course_items(settings, chapter=4)}

    results = []
    item = first
    n = 0
    while item is not None:
        key = keys[item.id]
        response = key.answer if n % 2 == 0 else _wrong(key)
        res = submit(view.id, item.id, response, settings=settings)
        assert res.correct == (n % 2 == 0) and res.score in (0.0, 1.0)
        assert res.citation.ref == key.citation.ref and key.citation.quote in res.feedback
        assert res.answer == key.answer
        results.append(res)
        item = res.next
        n += 1
    assert [r.answered for r in results] == [1, 2, 3, 4, 5] and results[-1].next is None
    done = get_session(view.id, settings)
    assert done.answered == 5 and done.correct == 3 and done.next is None

    rows = progress("learner-1", settings)
    assert sum(p.attempts for p in rows) == 5 and sum(p.correct for p in rows) == 3
    for p in rows:
        assert p.ref.startswith("4.") and 0 <= p.accuracy <= 1 and p.last_seen.tzinfo is not None
    assert progress("someone-else", settings) == []


def test_session_errors(settings):
    view = start_session("learner-2", mode="course", chapter=1, settings=settings)
    item = view.next
    key = next(it for it in course_items(settings, chapter=1) if it.id == item.id)
    submit(view.id, item.id, key.answer, settings=settings)
    with pytest.raises(Conflict):
        submit(view.id, item.id, key.answer, settings=settings)
    with pytest.raises(NotFound):
        submit(view.id, "i-not-in-this-session", "A", settings=settings)
    with pytest.raises(NotFound):
        submit("qs-missing", item.id, "A", settings=settings)
    nxt = next_item(view.id, settings)
    with pytest.raises(NotFound):
        submit(view.id, nxt.id, "A", learner_id="intruder", settings=settings)
    with pytest.raises(InvalidInput):
        submit(view.id, nxt.id, "x" * 5000, settings=settings)
    with pytest.raises(InvalidInput):  # not one of the options: nothing recorded
        submit(view.id, nxt.id, "none of these", settings=settings)
    assert get_session(view.id, settings).answered == 1
    with pytest.raises(InvalidInput):
        start_session("bad id with spaces", mode="course", chapter=1, settings=settings)
    with pytest.raises(InvalidInput):
        start_session("learner-2", mode="course", settings=settings)
    with pytest.raises(NotFound):
        start_session("learner-2", mode="course", chapter=8, settings=settings)
    with pytest.raises(NotFound):
        start_session("learner-2", mode="bank", quiz_id="qb-nope", settings=settings)


def test_concurrent_submissions_of_one_item_are_recorded_once(settings):
    view = start_session("racer", mode="course", chapter=2, settings=settings)
    item = view.next
    key = next(it for it in course_items(settings, chapter=2) if it.id == item.id)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def go():
        barrier.wait()
        try:
            submit(view.id, item.id, key.answer, settings=settings)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    with session_scope(settings) as db:
        n = db.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.session_id == view.id))
    assert n == 1


def test_concurrent_submissions_of_different_items_are_all_kept(settings):
    view = start_session("racer-2", mode="course", chapter=3, settings=settings)
    keys = course_items(settings, chapter=3)
    threads = [threading.Thread(target=submit, args=(view.id, k.id, k.answer), kwargs={"settings": settings})
               for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = get_session(view.id, settings)
    assert s.answered == 5 and s.correct == 5 and s.next is None


def test_practice_session_with_free_text(settings, embedder):
    view = start_session("learner-3", mode="practice", chapter=5, count=4, types=["short"], seed=2,
                         settings=settings, embedder=embedder)
    assert view.total == 4 and view.next.type == "short" and view.next.options == []
    res = submit(view.id, view.next.id, "", settings=settings, embedder=embedder)
    assert res.verdict == "incorrect" and res.citation.ref.startswith("5.")
    free = start_session("learner-3", mode="course", chapter=5, free_text=True, settings=settings)
    assert free.next.type == "short"


def test_session_from_a_saved_quiz_survives_bank_changes(settings, quiz4):
    saved = save_quiz(quiz4, "Week 4", settings)
    view = start_session("learner-4", mode="bank", quiz_id=saved.id, settings=settings)
    assert view.total == len(quiz4.items) and view.quiz_id == saved.id
    from imaging_tutor.quiz import delete_quiz

    delete_quiz(saved.id, settings)
    item = quiz4.item(view.next.id)
    res = submit(view.id, item.id, item.answer, settings=settings)
    assert res.correct


def test_review_queue_brings_missed_items_back_after_growing_intervals(settings):
    t0 = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    view = start_session("learner-5", mode="course", chapter=6, settings=settings)
    key = {it.id: it for it in course_items(settings, chapter=6)}
    missed = key[view.next.id]
    submit(view.id, missed.id, _wrong(missed), settings=settings, now=t0)
    right = key[get_session(view.id, settings).next.id]
    submit(view.id, right.id, right.answer, settings=settings, now=t0)
    assert review_queue("learner-5", settings, now=t0 - timedelta(seconds=1)) == []
    due = review_queue("learner-5", settings, now=t0 + timedelta(minutes=5))
    assert [r.item.id for r in due] == [missed.id]  # the right answer is not queued
    assert "answer" not in due[0].item.model_dump()

    gaps = []
    now = t0 + timedelta(minutes=5)
    for _ in range(4):
        rv = start_session("learner-5", mode="review", count=5, settings=settings, now=now)
        assert rv.next.id == missed.id
        submit(rv.id, missed.id, missed.answer, settings=settings, now=now)
        due_at = next_review_at("learner-5", settings)
        assert review_queue("learner-5", settings, now=due_at - timedelta(seconds=1)) == []
        assert [r.item.id for r in review_queue("learner-5", settings, now=due_at)] == [missed.id]
        gaps.append(due_at - now)
        now = due_at
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0] and gaps[-1] >= timedelta(days=2)
    with pytest.raises(InvalidInput):
        start_session("learner-5", mode="review", settings=settings, now=t0 - timedelta(days=1))
