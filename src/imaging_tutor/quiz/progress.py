"""Learner progress per section, and the review queue: missed items come back after growing intervals (FSRS)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler
from sqlalchemy import Integer, cast, func, select
from sqlalchemy.orm import Session

from ..storage.db import Database
from ..corpus.course import Course
from ..storage.models import QuizAttempt, QuizReviewCard, utcnow
from .ids import digest
from .schema import QuizItem, ReviewItem, SectionProgress

# No fuzzing: the same history gives the same due dates, which keeps behaviour reproducible and testable.
SCHEDULER = Scheduler(enable_fuzzing=False)


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def _insert_ignore(db: Session, values: dict) -> None:
    """INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL, so concurrent first misses create one card."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    db.execute(insert(QuizReviewCard).values(**values).on_conflict_do_nothing())


def record_review(db: Session, learner_id: str, item: QuizItem, correct: bool, score: float,
                  now: datetime | None = None, course_id: str | None = None) -> QuizReviewCard | None:
    """Update (or start, on a miss) the item's review card inside the caller's transaction."""
    now = _aware(now) or utcnow()
    key = (learner_id, item.id)
    row = db.get(QuizReviewCard, key)
    if row is None:
        if correct:
            return None  # nothing to review: answered right the first time
        card = Card(card_id=int(digest(learner_id, item.id), 16) % (2**53))
        _insert_ignore(db, {"learner_id": learner_id, "item_id": item.id, "ref": item.citation.ref,
                            **({"course_id": course_id} if course_id else {}),
                            "item_json": item.model_dump_json(), "card_json": json.dumps(card.to_dict()),
                            "due_at": now, "lapses": 0, "reviews": 0, "updated_at": now})
        db.flush()
        row = db.get(QuizReviewCard, key, populate_existing=True, with_for_update=True)
    card = Card.from_dict(json.loads(row.card_json))
    rating = Rating.Again if not correct else (Rating.Easy if score >= 0.999 else Rating.Good)
    card, _log = SCHEDULER.review_card(card, rating, now)
    row.card_json = json.dumps(card.to_dict())
    row.due_at = card.due
    row.reviews += 1
    row.lapses += 0 if correct else 1
    row.updated_at = now
    return row


def _of_course(query, course_id: str | None):
    return query if course_id is None else query.where(QuizReviewCard.course_id == course_id)


def review_queue(db: Database, learner_id: str, now: datetime | None = None,
                 limit: int = 20, course_id: str | None = None) -> list[ReviewItem]:
    """Items due for review now (of one course, when given), most overdue first."""
    now = _aware(now) or utcnow()
    with db.scope() as s:
        rows = s.scalars(_of_course(select(QuizReviewCard).where(QuizReviewCard.learner_id == learner_id,
                                                                  QuizReviewCard.due_at <= now), course_id)
                          .order_by(QuizReviewCard.due_at, QuizReviewCard.item_id).limit(limit)).all()
        return [ReviewItem(item=QuizItem.model_validate_json(r.item_json).public(), due=_aware(r.due_at),
                           lapses=r.lapses, reviews=r.reviews) for r in rows]


def due_items(db: Session, learner_id: str, now: datetime, limit: int,
              course_id: str | None = None) -> list[QuizItem]:
    rows = db.scalars(_of_course(select(QuizReviewCard).where(QuizReviewCard.learner_id == learner_id,
                                                              QuizReviewCard.due_at <= now), course_id)
                      .order_by(QuizReviewCard.due_at, QuizReviewCard.item_id).limit(limit)).all()
    return [QuizItem.model_validate_json(r.item_json) for r in rows]


def next_review_at(db: Database, learner_id: str) -> datetime | None:
    with db.scope() as s:
        return _aware(s.scalar(select(func.min(QuizReviewCard.due_at))
                                .where(QuizReviewCard.learner_id == learner_id)))


def progress(db: Database, course: Course, learner_id: str, chapter: int | None = None) -> list[SectionProgress]:
    """Attempts, accuracy and last-seen time per section, computed from the stored attempts."""
    with db.scope() as s:
        rows = s.execute(
            select(QuizAttempt.ref, func.count(), func.sum(cast(QuizAttempt.correct, Integer)),
                   func.avg(QuizAttempt.score), func.max(QuizAttempt.created_at))
            .where(QuizAttempt.learner_id == learner_id, QuizAttempt.course_id == course.id)
            .group_by(QuizAttempt.ref)).all()
    out = []
    for ref, attempts, correct, mean, last in rows:
        if chapter is not None and not ref.startswith(f"{chapter}."):
            continue
        title = course.section(ref).section_title if course.has_ref(ref) else ""
        correct = int(correct or 0)
        out.append(SectionProgress(ref=ref, section_title=title, attempts=attempts, correct=correct,
                                   accuracy=round(correct / attempts, 3), mean_score=round(float(mean or 0), 3),
                                   last_seen=_aware(last)))
    return sorted(out, key=lambda p: tuple(int(x) for x in p.ref.split(".")))
