"""Quiz sessions for a learner: start (course quiz, practice, saved quiz, review), next item, submit and grade."""
from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..ids import LEARNER_ID
from ..storage.db import Database
from ..errors import Conflict, InvalidInput, NotFound
from ..storage.models import QuizAttempt, QuizHintUse, QuizSession, utcnow
from .library import get_quiz
from .generator import generate
from .proposals import get_proposer
from .grading import MAX_RESPONSE_CHARS, grade
from .keys import course_items
from .progress import due_items, record_review
from .schema import ItemView, QuizItem, SessionView, SubmitResult
from .terms import course_terms

MODES = ("course", "practice", "bank", "review")  # "chat" sessions are made by quiz.chat, one item each


def check_learner(learner_id: str) -> str:
    learner_id = (learner_id or "").strip()
    if not LEARNER_ID.match(learner_id):
        raise InvalidInput("learner id must be 1–100 letters, digits or . @ - _")
    return learner_id


def start_session(services, learner_id: str, *, mode: str = "course", chapter: int | None = None,
                  quiz_id: str | None = None, count: int = 10, types=None, seed: int | None = None,
                  free_text: bool = False, now: datetime | None = None) -> SessionView:
    """Start a session; its items are snapshotted so later edits to a bank never change it mid-way."""
    learner_id = check_learner(learner_id)
    db = services.db
    course_id = services.course().id  # a quiz session belongs to the course it was started in
    if mode not in MODES:
        raise InvalidInput(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    if mode in ("course", "practice"):
        if chapter is None:
            raise InvalidInput(f"a {mode} session needs a chapter")
        try:
            chapter = int(chapter)
        except (TypeError, ValueError):
            raise InvalidInput(f"chapter must be a number, got {chapter!r}") from None
    items: list[QuizItem]
    if mode == "course":
        items = course_items(services.settings.corpus_dir, services.course(), chapter=int(chapter),
                             as_type="short" if free_text else "mcq")
    elif mode == "practice":
        from .generator import generate_for

        seed = secrets.randbelow(2**31) if seed is None else seed
        items = generate_for(services, chapters=[int(chapter)], count=count,
                             types=types or ("mcq", "tf", "cloze", "short", "numeric"), seed=seed).items
    elif mode == "bank":
        if not quiz_id:
            raise InvalidInput("a bank session needs a quiz id")
        items = [it for it in get_quiz(db, quiz_id, course_id=course_id).items if not it.stale]
        if not items:
            raise InvalidInput(f"quiz {quiz_id} has no current items (all are stale)")
    else:
        now = now or utcnow()
        with db.scope() as s:
            items = due_items(s, learner_id, now, max(1, int(count)), course_id=course_id)
        if not items:
            raise InvalidInput("no items are due for review")
    sid = create_session(db, learner_id, mode, items, course_id=course_id, chapter=chapter,
                         quiz_id=quiz_id if mode == "bank" else None)
    return get_session(db, sid)


def create_session(db: Database, learner_id: str, source: str, items: list[QuizItem], *, course_id: str,
                   chapter: int | None = None, quiz_id: str | None = None) -> str:
    """Store a session holding a snapshot of its items; returns its id."""
    sid = "qs-" + uuid.uuid4().hex[:20]
    with db.scope() as s:
        s.add(QuizSession(id=sid, course_id=course_id, learner_id=learner_id, source=source, chapter=chapter,
                          quiz_id=quiz_id,
                          items_json=json.dumps([it.model_dump(mode="json") for it in items]), total=len(items),
                          created_at=utcnow()))
    return sid


def take_hint(services, session_id: str, item_id: str, *, learner_id: str | None = None):
    """The next step of an unanswered item's hint ladder (one step per request, remembered in the database)."""
    from .hints import STEPS, hint

    db = services.db
    with db.scope() as s:
        row, items = _load(s, session_id, services.course().id)
        if learner_id is not None and check_learner(learner_id) != row.learner_id:
            raise NotFound(f"unknown quiz session {session_id!r} for learner {learner_id!r}")
        item = next((it for it in items if it.id == item_id), None)
        if item is None:
            raise NotFound(f"item {item_id!r} is not in session {session_id}")
        if s.scalar(select(func.count()).where(QuizAttempt.session_id == session_id, QuizAttempt.item_id == item_id)):
            raise Conflict(f"item {item_id} was already answered in session {session_id}")
        use = s.get(QuizHintUse, (session_id, item_id))
        if use is None:
            use = QuizHintUse(session_id=session_id, item_id=item_id, steps=0, updated_at=utcnow())
            s.add(use)
        use.steps = min(len(STEPS), use.steps + 1)
        use.updated_at = utcnow()
        step = use.steps
    course = services.course()
    return hint(item, step, course, course_terms(course))


def _hints_used(s, session_id: str, item_id: str) -> int:
    use = s.get(QuizHintUse, (session_id, item_id))
    return use.steps if use else 0


def _load(db, session_id: str, course_id: str | None = None) -> tuple[QuizSession, list[QuizItem]]:
    row = db.get(QuizSession, session_id)
    if row is None or (course_id is not None and row.course_id != course_id):
        raise NotFound(f"unknown quiz session {session_id!r}")
    return row, [QuizItem.model_validate(d) for d in json.loads(row.items_json)]


def _answered(db, session_id: str) -> dict[str, QuizAttempt]:
    return {a.item_id: a for a in db.scalars(select(QuizAttempt).where(QuizAttempt.session_id == session_id))}


def _view(item: QuizItem | None, items: list[QuizItem]) -> ItemView | None:
    if item is None:
        return None
    v = item.public()
    v.position = items.index(item) + 1
    v.total = len(items)
    return v


def _next(items: list[QuizItem], answered) -> QuizItem | None:
    return next((it for it in items if it.id not in answered), None)


def get_session(db: Database, session_id: str, course_id: str | None = None) -> SessionView:
    """A session's state (NotFound when unknown, or of another course when `course_id` is given)."""
    with db.scope() as s:
        row, items = _load(s, session_id, course_id)
        done = _answered(s, session_id)
        created = row.created_at.replace(tzinfo=timezone.utc) if row.created_at.tzinfo is None else row.created_at
        return SessionView(id=row.id, learner_id=row.learner_id, source=row.source, chapter=row.chapter,
                           quiz_id=row.quiz_id, total=row.total, answered=len(done),
                           correct=sum(a.correct for a in done.values()),
                           score=round(sum(a.score for a in done.values()), 3),
                           next=_view(_next(items, done), items), created_at=created)


def next_item(db: Database, session_id: str) -> ItemView | None:
    """The first unanswered item, without its answer (None when the session is complete)."""
    return get_session(db, session_id).next


def submit(services, session_id: str, item_id: str, response: str | None, *, learner_id: str | None = None,
           course_id: str | None = None, now: datetime | None = None, revealed: bool = False) -> SubmitResult:
    """Grade and record one answer exactly once; a second answer to the same item is a Conflict.

    `learner_id`/`course_id`: the session must be this learner's and this course's, else it is unknown. One read
    and one write: the items come from the read, what is answered (for `next`) from the write's own transaction."""
    db = services.db
    if response is not None and len(response) > MAX_RESPONSE_CHARS:
        raise InvalidInput(f"the response is too long ({len(response)} characters; at most {MAX_RESPONSE_CHARS})")
    with db.scope() as s:
        row, items = _load(s, session_id, course_id)
        if learner_id is not None and check_learner(learner_id) != row.learner_id:
            raise NotFound(f"unknown quiz session {session_id!r} for learner {learner_id!r}")
        item = next((it for it in items if it.id == item_id), None)
        if item is None:
            raise NotFound(f"item {item_id!r} is not in session {session_id}")
        if s.scalar(select(func.count()).where(QuizAttempt.session_id == session_id,
                                                QuizAttempt.item_id == item_id)):
            raise Conflict(f"item {item_id} was already answered in session {session_id}")
        learner, course_id, total = row.learner_id, row.course_id, row.total
        revealed = revealed or _hints_used(s, session_id, item_id) >= 4
    # Grading may embed text; it runs outside any transaction so writers never wait on the model.
    g = grade(item, response, embedder=services.embedder, terms=course_terms(services.course()))
    if revealed and g.correct:
        # The last hint showed the answer: right, but not yet known, so it counts as a miss and comes back for review.
        g = g.model_copy(update={"correct": False, "score": 0.0, "verdict": "partial",
                                 "feedback": "You had the answer from the last hint, so this item comes back for "
                                             "review. " + g.feedback})
    try:
        with db.scope() as s:
            # The insert comes first so the transaction takes the write lock before it reads anything.
            s.add(QuizAttempt(session_id=session_id, course_id=course_id, learner_id=learner, item_id=item.id,
                              ref=item.citation.ref,
                               response=response or "", correct=g.correct, score=g.score, verdict=g.verdict,
                               created_at=now or utcnow()))
            s.flush()
            record_review(s, learner, item, g.correct, g.score, now, course_id=course_id)
            answered = set(s.scalars(select(QuizAttempt.item_id).where(QuizAttempt.session_id == session_id)))
    except IntegrityError:
        raise Conflict(f"item {item_id} was already answered in session {session_id}") from None
    return SubmitResult(session_id=session_id, item_id=item.id, correct=g.correct, score=g.score, verdict=g.verdict,
                        feedback=g.feedback, answer=g.answer, citation=g.citation, solution=g.solution,
                        next=_view(_next(items, answered), items), answered=len(answered), total=total)
