"""How items behave with learners: share answered correctly, discrimination, an observed difficulty; and retiring
items that misbehave so they are never drawn again.

Discrimination is the point-biserial correlation between getting this item right and the learner's share correct on
every *other* item they answered: a good item is answered right more often by learners who do well elsewhere. Near
zero or negative (with enough answers) flags an item that is ambiguous, miskeyed or guessable — staff should read it.
"""
from __future__ import annotations

import math
from collections import defaultdict

from pydantic import BaseModel
from sqlalchemy import select

from ..errors import InvalidInput
from ..storage.db import Database
from ..storage.models import QuizAttempt, QuizItemStatus, utcnow

MIN_ANSWERS = 5  # below this, share correct and discrimination are shown but no difficulty is inferred
EASY, HARD = 0.8, 0.4  # share correct at or above EASY reads easy, at or below HARD reads hard
LOW_DISCRIMINATION = 0.1


class ItemStats(BaseModel):
    item_id: str
    ref: str
    answers: int
    learners: int
    share_correct: float
    discrimination: float | None  # None until two learners with other answers exist
    observed_difficulty: str | None  # easy | medium | hard once MIN_ANSWERS answers exist
    flag: str = ""  # why staff may want to look: "low discrimination", "nobody gets it right", …
    retired: bool = False
    reason: str = ""


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    vx = sum((x - mx) ** 2 for x in xs)
    vy = sum((y - my) ** 2 for y in ys)
    if vx == 0 or vy == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / math.sqrt(vx * vy)


def item_stats(db: Database, course_id: str, item_ids: list[str] | None = None) -> list[ItemStats]:
    """Statistics per item from every stored answer (all learners, all sessions), most answered first."""
    with db.scope() as s:
        rows = s.execute(select(QuizAttempt.learner_id, QuizAttempt.item_id, QuizAttempt.ref,
                                QuizAttempt.correct)).all()
        status = {r.item_id: r for r in s.scalars(select(QuizItemStatus).where(QuizItemStatus.course_id == course_id))}
    per_learner: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    per_item: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    refs: dict[str, str] = {}
    for learner, item, ref, correct in rows:
        per_learner[learner].append((item, bool(correct)))
        per_item[item].append((learner, bool(correct)))
        refs[item] = ref
    wanted = item_ids if item_ids is not None else list(per_item)
    out = []
    for item in wanted:
        answers = per_item.get(item, [])
        n = len(answers)
        share = sum(c for _, c in answers) / n if n else 0.0
        xs, ys = [], []
        for learner, correct in answers:
            others = [c for i, c in per_learner[learner] if i != item]
            if others:
                xs.append(1.0 if correct else 0.0)
                ys.append(sum(others) / len(others))
        disc = _pearson(xs, ys)
        observed = None
        flag = ""
        if n >= MIN_ANSWERS:
            observed = "easy" if share >= EASY else "hard" if share <= HARD else "medium"
            if share == 0:
                flag = "nobody answers it correctly"
            elif disc is not None and disc < LOW_DISCRIMINATION:
                flag = "low discrimination: strong learners miss it as often as others"
        st = status.get(item)
        out.append(ItemStats(item_id=item, ref=refs.get(item, ""), answers=n, learners=len({l for l, _ in answers}),
                             share_correct=round(share, 3), discrimination=None if disc is None else round(disc, 3),
                             observed_difficulty=observed, flag=flag, retired=bool(st and st.retired),
                             reason=st.reason if st else ""))
    return sorted(out, key=lambda r: (-r.answers, r.item_id))


def observed_difficulty(db: Database, course_id: str, items) -> list:
    """Items with `difficulty` replaced by what learners' answers show, once an item has enough answers."""
    stats = {s.item_id: s for s in item_stats(db, course_id, [it.id for it in items])}
    return [it.model_copy(update={"difficulty": stats[it.id].observed_difficulty})
            if it.id in stats and stats[it.id].observed_difficulty else it for it in items]


def retire_item(db: Database, course_id: str, item_id: str, reason: str = "", retired: bool = True) -> ItemStats:
    """Retire (or bring back) one item; a retired item is never drawn into a quiz again."""
    if not item_id or len(item_id) > 64:
        raise InvalidInput("an item id is 1–64 characters")
    if len(reason) > 500:
        raise InvalidInput("the reason is at most 500 characters")
    with db.scope() as s:
        row = s.get(QuizItemStatus, (course_id, item_id))
        if row is None:
            s.add(QuizItemStatus(course_id=course_id, item_id=item_id, retired=retired, reason=reason,
                                 updated_at=utcnow()))
        else:
            row.retired, row.reason, row.updated_at = retired, reason, utcnow()
    return item_stats(db, course_id, [item_id])[0]


def retired_ids(db: Database, course_id: str) -> set[str]:
    with db.scope() as s:
        return set(s.scalars(select(QuizItemStatus.item_id).where(QuizItemStatus.course_id == course_id,
                                                                  QuizItemStatus.retired.is_(True))))
