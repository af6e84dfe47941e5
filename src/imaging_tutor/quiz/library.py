"""Quiz banks in the database: save, list, fetch, edit, delete; and marking items whose quote left the course."""
from __future__ import annotations

import json
import re
import uuid
from datetime import timezone

from sqlalchemy import delete, func, select

from ..corpus.course import Course
from ..storage.db import Database
from ..errors import InvalidInput, NotFound
from ..storage.models import QuizBank, QuizBankItem, utcnow
from . import editing
from .editing import ItemEdit
from .keys import COURSE_QUIZ_ID, course_quiz
from .schema import Quiz, QuizItem, QuizSpec, QuizSummary

MAX_TITLE = 200
MAX_ITEMS = 200


def _title(title: str) -> str:
    title = (title or "").strip()
    if re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", title):
        raise InvalidInput("a quiz title is one line of text (no line breaks or control characters)")
    if not title:
        raise InvalidInput("a quiz needs a title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(f"title too long ({len(title)} characters; at most {MAX_TITLE})")
    return title


def _aware(dt):
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt


def _rows(quiz_id: str, items: list[QuizItem]) -> list[QuizBankItem]:
    now = utcnow()
    return [QuizBankItem(quiz_id=quiz_id, item_id=it.id, position=i, type=it.type, ref=it.citation.ref,
                         quote=it.citation.quote, item_json=it.model_dump_json(), stale=it.stale, updated_at=now)
            for i, it in enumerate(items)]


def save_quiz(db: Database, quiz: Quiz, title: str | None = None) -> QuizSummary:
    """Store a quiz under a title as a new bank entry (all rows in one transaction)."""
    title = _title(title if title is not None else quiz.title)
    if not quiz.items:
        raise InvalidInput("cannot save a quiz without items")
    if len(quiz.items) > MAX_ITEMS:
        raise InvalidInput(f"a saved quiz holds at most {MAX_ITEMS} items")
    if len({it.id for it in quiz.items}) != len(quiz.items):
        raise InvalidInput("a quiz cannot hold the same item twice")
    quiz_id = "qb-" + uuid.uuid4().hex[:16]
    now = utcnow()
    with db.scope() as s:
        s.add(QuizBank(id=quiz_id, title=title, course_id=quiz.course_id, course_version=quiz.course_version,
                       spec_json=quiz.spec.model_dump_json() if quiz.spec else "{}", created_at=now, updated_at=now))
        s.flush()
        s.add_all(_rows(quiz_id, quiz.items))
    return QuizSummary(id=quiz_id, title=title, course_id=quiz.course_id, course_version=quiz.course_version,
                       items=len(quiz.items), stale_items=sum(it.stale for it in quiz.items), created_at=now,
                       updated_at=now)


def save_reviewed(db: Database, quiz: Quiz, title: str, exclude: list[str]) -> QuizSummary:
    """Save a generated quiz without the items staff left out at review (each must be an item of the quiz)."""
    unknown = set(exclude) - {it.id for it in quiz.items}
    if unknown:
        raise NotFound(f"not items of this quiz: {', '.join(sorted(unknown))}")
    kept = quiz.model_copy(update={"items": [it for it in quiz.items if it.id not in set(exclude)]})
    return save_quiz(db, kept, title)


def list_quizzes(db: Database, course_id: str | None = None) -> list[QuizSummary]:
    """Saved quizzes (of one course, when given), newest first."""
    with db.scope() as s:
        counts = dict(s.execute(select(QuizBankItem.quiz_id, func.count()).group_by(QuizBankItem.quiz_id)).all())
        stale = dict(s.execute(select(QuizBankItem.quiz_id, func.count()).where(QuizBankItem.stale.is_(True))
                               .group_by(QuizBankItem.quiz_id)).all())
        query = select(QuizBank) if course_id is None else select(QuizBank).where(QuizBank.course_id == course_id)
        banks = s.scalars(query.order_by(QuizBank.created_at.desc(), QuizBank.id)).all()
        return [QuizSummary(id=b.id, title=b.title, course_id=b.course_id, course_version=b.course_version,
                            items=counts.get(b.id, 0), stale_items=stale.get(b.id, 0),
                            created_at=_aware(b.created_at), updated_at=_aware(b.updated_at)) for b in banks]


def _load(s, quiz_id: str, course_id: str | None = None) -> tuple[QuizBank, list[QuizBankItem]]:
    bank = s.get(QuizBank, quiz_id)
    if bank is None or (course_id is not None and bank.course_id != course_id):
        raise NotFound(f"unknown quiz {quiz_id!r}")
    rows = s.scalars(select(QuizBankItem).where(QuizBankItem.quiz_id == quiz_id)
                     .order_by(QuizBankItem.position)).all()
    return bank, list(rows)


def _to_quiz(bank: QuizBank, rows: list[QuizBankItem]) -> Quiz:
    items = []
    for r in rows:
        it = QuizItem.model_validate_json(r.item_json)
        it.stale = bool(r.stale)
        items.append(it)
    spec = json.loads(bank.spec_json or "{}")
    return Quiz(id=bank.id, title=bank.title, course_id=bank.course_id, course_version=bank.course_version,
                spec=QuizSpec.model_validate(spec) if spec else None, items=items,
                created_at=_aware(bank.created_at))


def get_quiz(db: Database, quiz_id: str, course_id: str | None = None) -> Quiz:
    """A saved quiz with its items (stale ones flagged); NotFound for another course's quiz when one is given."""
    with db.scope() as s:
        return _to_quiz(*_load(s, quiz_id, course_id))


def delete_quiz(db: Database, quiz_id: str) -> None:
    with db.scope() as s:
        bank = s.get(QuizBank, quiz_id)
        if bank is None:
            raise NotFound(f"unknown quiz {quiz_id!r}")
        s.execute(delete(QuizBankItem).where(QuizBankItem.quiz_id == quiz_id))
        s.delete(bank)


def _replace_items(db: Database, quiz_id: str, change) -> Quiz:
    """Load, transform (a function Quiz -> Quiz), and store a quiz's items in one transaction."""
    with db.scope() as s:
        bank, rows = _load(s, quiz_id)
        quiz = change(_to_quiz(bank, rows))
        s.execute(delete(QuizBankItem).where(QuizBankItem.quiz_id == quiz_id))
        s.flush()
        s.add_all(_rows(quiz_id, quiz.items))
        bank.updated_at = utcnow()
        return quiz


def update_item(db: Database, quiz_id: str, item_id: str, changes: ItemEdit | dict, *, course: Course,
                embedder) -> QuizItem:
    """Edit one saved item; the edit is validated like a generated item."""
    changes = changes if isinstance(changes, ItemEdit) else ItemEdit.model_validate(changes)
    quiz = _replace_items(db, quiz_id, lambda q: editing.edit_item(q, item_id, changes, course, embedder))
    return quiz.item(item_id)


def delete_item(db: Database, quiz_id: str, item_id: str) -> Quiz:
    def change(q: Quiz) -> Quiz:
        if len(q.items) == 1:
            raise InvalidInput("cannot delete the last item; delete the quiz instead")
        return editing.remove_item(q, item_id)

    return _replace_items(db, quiz_id, change)


def regenerate_item(db: Database, quiz_id: str, item_id: str, seed: int = 0, *, course: Course,
                    embedder) -> QuizItem:
    """Replace one saved item by another valid item from the same section; returns the new item."""
    holder: dict = {}

    def change(q: Quiz) -> Quiz:
        old_ids = [it.id for it in q.items]
        new = editing.regenerate_item(q, item_id, course, seed=seed, embedder=embedder)
        holder["item"] = new.items[old_ids.index(item_id)]
        return new

    _replace_items(db, quiz_id, change)
    return holder["item"]


def mark_stale_items(db: Database, course: Course) -> dict:
    """Flag bank items whose quote no longer occurs in their section (and clear the flag where it is back)."""
    changed = stale = 0
    with db.scope() as s:
        # Only this course's banks: another course in the same database has other refs and text.
        rows = s.scalars(select(QuizBankItem).join(QuizBank, QuizBank.id == QuizBankItem.quiz_id)
                         .where(QuizBank.course_id == course.id)).all()
        for r in rows:
            ok = course.has_ref(r.ref) and r.quote in course.section(r.ref).text
            if r.stale == ok:  # stale flag disagrees with the text
                r.stale = not ok
                r.updated_at = utcnow()
                changed += 1
            stale += not ok
    return {"checked": len(rows), "stale": stale, "changed": changed}


def load_any_quiz(services, quiz_id: str):
    """A saved quiz (qb-…) or the course's own chapter quizzes (course, course-N); a generated id (qz-…) that was
    never saved says how to keep it."""
    if COURSE_QUIZ_ID.match(quiz_id or ""):
        return course_quiz(services.settings.corpus_dir, services.course(), quiz_id)
    if (quiz_id or "").startswith("qz-"):
        raise NotFound(f"{quiz_id} is a generated quiz that was not saved: run `imaging-tutor quiz generate … --save "
                       "TITLE` (or save it on the Staff page) and export the qb-… id it prints")
    return get_quiz(services.db, quiz_id, course_id=services.course().id)  # another course's quiz is unknown here
