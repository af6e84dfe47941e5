"""Quiz sessions: a full run with grading and progress, bad input, exactly-once attempts under concurrency,
and the review queue bringing missed items back after growing intervals."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from imaging_tutor.errors import Conflict, InvalidInput, NotFound
from imaging_tutor.storage.models import QuizAttempt
from imaging_tutor.quiz import (course_items, get_session, next_item, progress, review_queue, save_quiz,
                                start_session, submit)
from imaging_tutor.quiz.progress import next_review_at
from imaging_tutor.quiz.schema import ItemView


def _wrong(item):
    return next(o for o in item.options if o != item.answer)


def test_full_course_quiz_session_with_grading_and_progress(services, db, course_dir, current_course):
    view = start_session(services, "learner-1", mode="course", chapter=4)
    assert view.total == 5 and view.answered == 0
    first = next_item(db, view.id)
    assert isinstance(first, ItemView) and first.position == 1 and first.total == 5
    assert "answer" not in first.model_dump() and "explanation" not in first.model_dump()
    keys = {it.id: it for it in course_items(course_dir, current_course, chapter=4)}

    results = []
    item = first
    n = 0
    while item is not None:
        key = keys[item.id]
        response = key.answer if n % 2 == 0 else _wrong(key)
        res = submit(services, view.id, item.id, response)
        assert res.correct == (n % 2 == 0) and res.score in (0.0, 1.0)
        assert res.citation.ref == key.citation.ref and key.citation.quote in res.feedback
        assert res.answer == key.answer
        results.append(res)
        item = res.next
        n += 1
    assert [r.answered for r in results] == [1, 2, 3, 4, 5] and results[-1].next is None
    done = get_session(db, view.id)
    assert done.answered == 5 and done.correct == 3 and done.next is None

    rows = progress(db, current_course, "learner-1")
    assert sum(p.attempts for p in rows) == 5 and sum(p.correct for p in rows) == 3
    for p in rows:
        assert p.ref.startswith("4.") and 0 <= p.accuracy <= 1 and p.last_seen.tzinfo is not None
    assert progress(db, current_course, "someone-else") == []


def test_session_errors(services, db, course_dir, current_course):
    view = start_session(services, "learner-2", mode="course", chapter=1)
    item = view.next
    key = next(it for it in course_items(course_dir, current_course, chapter=1) if it.id == item.id)
    submit(services, view.id, item.id, key.answer)
    with pytest.raises(Conflict):
        submit(services, view.id, item.id, key.answer)
    with pytest.raises(NotFound):
        submit(services, view.id, "i-not-in-this-session", "A")
    with pytest.raises(NotFound):
        submit(services, "qs-missing", item.id, "A")
    nxt = next_item(db, view.id)
    with pytest.raises(NotFound):
        submit(services, view.id, nxt.id, "A", learner_id="intruder")
    with pytest.raises(NotFound):  # read through another course, the session does not exist
        submit(services, view.id, nxt.id, "A", learner_id="learner-2", course_id="another-course")
    with pytest.raises(InvalidInput):
        submit(services, view.id, nxt.id, "x" * 5000)
    with pytest.raises(InvalidInput):  # not one of the options: nothing recorded
        submit(services, view.id, nxt.id, "none of these")
    assert get_session(db, view.id).answered == 1
    with pytest.raises(InvalidInput):
        start_session(services, "bad id with spaces", mode="course", chapter=1)
    with pytest.raises(InvalidInput):
        start_session(services, "learner-2", mode="course")
    with pytest.raises(NotFound):
        start_session(services, "learner-2", mode="course", chapter=8)
    with pytest.raises(NotFound):
        start_session(services, "learner-2", mode="bank", quiz_id="qb-nope")


def test_concurrent_submissions_of_one_item_are_recorded_once(services, db, course_dir, current_course):
    view = start_session(services, "racer", mode="course", chapter=2)
    item = view.next
    key = next(it for it in course_items(course_dir, current_course, chapter=2) if it.id == item.id)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def go():
        barrier.wait()
        try:
            submit(services, view.id, item.id, key.answer)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["ok"]
    with db.scope() as s:
        n = s.scalar(select(func.count()).select_from(QuizAttempt).where(QuizAttempt.session_id == view.id))
    assert n == 1


def test_concurrent_submissions_of_different_items_are_all_kept(services, db, course_dir, current_course):
    view = start_session(services, "racer-2", mode="course", chapter=3)
    keys = course_items(course_dir, current_course, chapter=3)
    threads = [threading.Thread(target=submit, args=(services, view.id, k.id, k.answer))
               for k in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    s = get_session(db, view.id)
    assert s.answered == 5 and s.correct == 5 and s.next is None


def test_a_reply_counts_the_answers_other_requests_wrote_meanwhile(services, db, course_dir, current_course,
                                                                   monkeypatch):
    """submit reads the session's items before grading and what is answered after writing: an answer another tab
    sent in between is counted, and the next item skips it."""
    view = start_session(services, "two-tabs", mode="course", chapter=5)
    keys = {k.id: k for k in course_items(course_dir, current_course, chapter=5)}
    first, second = view.next, None
    import imaging_tutor.quiz.practice as practice

    real_grade = practice.grade

    def grade_while_another_tab_answers(item, response, **kw):  # a wrapper around the real grader
        nonlocal second
        if second is None:
            second = next(k for k in keys.values() if k.id != first.id)
            submit(services, view.id, second.id, second.answer)
        return real_grade(item, response, **kw)

    monkeypatch.setattr(practice, "grade", grade_while_another_tab_answers)
    res = submit(services, view.id, first.id, keys[first.id].answer, learner_id="two-tabs",
                 course_id=current_course.id)
    state = get_session(db, view.id)
    assert res.answered == state.answered == 2 and res.total == state.total == 5
    assert res.next is not None and res.next.id == state.next.id and res.next.id not in (first.id, second.id)


def test_practice_session_with_free_text(services):
    view = start_session(services, "learner-3", mode="practice", chapter=5, count=4, types=["short"], seed=2)
    assert view.total == 4 and view.next.type == "short" and view.next.options == []
    res = submit(services, view.id, view.next.id, "")
    assert res.verdict == "incorrect" and res.citation.ref.startswith("5.")
    free = start_session(services, "learner-3", mode="course", chapter=5, free_text=True)
    assert free.next.type == "short"


def test_session_from_a_saved_quiz_survives_bank_changes(services, db, quiz4):
    saved = save_quiz(db, quiz4, "Week 4")
    view = start_session(services, "learner-4", mode="bank", quiz_id=saved.id)
    assert view.total == len(quiz4.items) and view.quiz_id == saved.id
    from imaging_tutor.quiz import delete_quiz

    delete_quiz(db, saved.id)
    item = quiz4.item(view.next.id)
    res = submit(services, view.id, item.id, item.answer)
    assert res.correct


def test_review_queue_brings_missed_items_back_after_growing_intervals(services, db, course_dir, current_course):
    t0 = datetime(2030, 1, 1, 9, 0, tzinfo=timezone.utc)
    view = start_session(services, "learner-5", mode="course", chapter=6)
    key = {it.id: it for it in course_items(course_dir, current_course, chapter=6)}
    missed = key[view.next.id]
    submit(services, view.id, missed.id, _wrong(missed), now=t0)
    right = key[get_session(db, view.id).next.id]
    submit(services, view.id, right.id, right.answer, now=t0)
    assert review_queue(db, "learner-5", now=t0 - timedelta(seconds=1)) == []
    due = review_queue(db, "learner-5", now=t0 + timedelta(minutes=5))
    assert [r.item.id for r in due] == [missed.id]  # the right answer is not queued
    assert "answer" not in due[0].item.model_dump()

    gaps = []
    now = t0 + timedelta(minutes=5)
    for _ in range(4):
        rv = start_session(services, "learner-5", mode="review", count=5, now=now)
        assert rv.next.id == missed.id
        submit(services, rv.id, missed.id, missed.answer, now=now)
        due_at = next_review_at(db, "learner-5")
        assert review_queue(db, "learner-5", now=due_at - timedelta(seconds=1)) == []
        assert [r.item.id for r in review_queue(db, "learner-5", now=due_at)] == [missed.id]
        gaps.append(due_at - now)
        now = due_at
    assert gaps == sorted(gaps) and gaps[-1] > gaps[0] and gaps[-1] >= timedelta(days=2)
    with pytest.raises(InvalidInput):
        start_session(services, "learner-5", mode="review", now=t0 - timedelta(days=1))
