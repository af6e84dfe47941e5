"""The staff insight report of one course: per section, what learners ask and how they do in quizzes; content gaps;
the most missed quiz items with their answer distribution; and a CSV of each table.

Everything is computed from stored rows (chat turns, ratings, quiz attempts), filtered by chapter and date.
Learners appear only as pseudonyms (a hash of course and learner id): staff see how many learners, never who, and
no conversation text except the questions that were refused or rated not helpful (grouped, without who asked).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter, defaultdict
from datetime import date, datetime, time, timezone

from sqlalchemy import select

from ..corpus.course import Course
from ..errors import InvalidInput
from ..index.embedding import Embedder
from ..storage.db import Database
from ..storage.models import ChatSession, ChatTurn, Feedback, QuizAttempt, QuizSession
from .gaps import DEFAULT_THRESHOLD, MAX_QUESTIONS, GapQuestion, group_gaps

MASTERY = 0.8  # a learner masters a section with at least this share correct …
MASTERY_MIN_ATTEMPTS = 2  # … over at least this many answers on it
MISSED_MIN_ANSWERS = 2  # an item needs this many answers before it can be "most missed"
TABLES = ("sections", "gaps", "items")


def pseudonym(course_id: str, learner_id: str | None) -> str:
    """A stable pseudonymous id for a learner within one course (the same learner reads differently in another)."""
    if not learner_id:
        return "anonymous"
    return "L-" + hashlib.sha256(f"{course_id}\x1f{learner_id}".encode()).hexdigest()[:10]


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    if since and until and since > until:
        raise InvalidInput("since must be on or before until")
    start = datetime.combine(since, time.min, tzinfo=timezone.utc) if since else None
    end = datetime.combine(until, time.max, tzinfo=timezone.utc) if until else None
    return start, end


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _in_chapter(ref: str | None, chapter: int | None) -> bool:
    return chapter is None or (ref is not None and ref.split(".")[0] == str(chapter))


def _turn_ref(answer: dict) -> str | None:
    """The section a turn was about: its first citation, else the first section suggested with a refusal."""
    for key in ("citations", "suggestions"):
        for entry in answer.get(key) or []:
            if entry.get("ref"):
                return entry["ref"]
    return None


def _section_rows(course: Course, chapter: int | None) -> dict[str, dict]:
    rows = {}
    for s in course.sections:
        if chapter is None or s.chapter == chapter:
            rows[s.ref] = {"ref": s.ref, "chapter": s.chapter, "section_title": s.section_title,
                           "chapter_title": s.chapter_title, "questions": 0, "answered": 0, "refused": 0,
                           "share_answered": None, "thumbs_up": 0, "thumbs_down": 0, "quiz_answers": 0,
                           "quiz_accuracy": None, "learners_quizzed": 0, "learners_mastered": 0, "mastery": None}
    return rows


def build_report(db: Database, course: Course, embedder: Embedder, *, chapter: int | None = None,
                 since: date | None = None, until: date | None = None,
                 threshold: float = DEFAULT_THRESHOLD, top_items: int = 20) -> dict:
    """The insight report of `course` (see the module docstring); `chapter`, `since` and `until` filter every table."""
    if chapter is not None:
        course.chapter(chapter)  # NotFound for a chapter the course does not have
    start, end = _bounds(since, until)
    sections = _section_rows(course, chapter)
    gap_questions: list[GapQuestion] = []
    learners: set[str] = set()
    asked = 0  # every question in the selection, also those no section can be tied to

    with db.scope() as s:
        turns = s.execute(
            select(ChatTurn.id, ChatTurn.question, ChatTurn.status, ChatTurn.answer_json, ChatTurn.created_at,
                   ChatSession.learner_id)
            .join(ChatSession, ChatSession.id == ChatTurn.session_id)
            .where(ChatSession.course_id == course.id)).all()
        ratings = {r.turn_id: r for r in s.execute(
            select(Feedback.turn_id, Feedback.rating, Feedback.comment).where(Feedback.course_id == course.id))}
        attempts = s.execute(
            select(QuizAttempt.learner_id, QuizAttempt.item_id, QuizAttempt.ref, QuizAttempt.response,
                   QuizAttempt.correct, QuizAttempt.created_at, QuizAttempt.session_id)
            .where(QuizAttempt.course_id == course.id)).all()
        session_ids = {a.session_id for a in attempts}
        snapshots = {q.id: q.items_json for q in s.execute(
            select(QuizSession.id, QuizSession.items_json).where(QuizSession.id.in_(session_ids)))} if session_ids else {}

    def in_range(when: datetime) -> bool:
        when = _aware(when)
        return (start is None or when >= start) and (end is None or when <= end)

    for turn in turns:
        if not in_range(turn.created_at):
            continue
        try:
            answer = json.loads(turn.answer_json or "{}")
        except ValueError:
            answer = {}
        if answer.get("quiz"):  # a "quiz me" turn is not a question about the course
            continue
        ref = _turn_ref(answer)
        if not _in_chapter(ref, chapter) and not (ref is None and chapter is None):
            continue
        who = pseudonym(course.id, turn.learner_id)
        learners.add(who)
        asked += 1
        row = sections.get(ref) if ref else None
        rating = ratings.get(turn.id)
        if turn.status in ("answered", "out_of_scope") and row is not None:
            row["questions"] += 1
            row["answered" if turn.status == "answered" else "refused"] += 1
            if rating is not None:
                row["thumbs_up" if rating.rating > 0 else "thumbs_down"] += 1
        when = _aware(turn.created_at).isoformat()
        if turn.status == "out_of_scope":
            gap_questions.append(GapQuestion(turn.question, "refused", who, when, ref))
        elif turn.status == "answered" and rating is not None and rating.rating < 0:
            gap_questions.append(GapQuestion(turn.question, "thumbs_down", who, when, ref))

    per_learner_ref: dict[tuple[str, str], list[bool]] = defaultdict(list)
    per_item: dict[str, list] = defaultdict(list)
    for a in attempts:
        if not in_range(a.created_at) or not _in_chapter(a.ref, chapter):
            continue
        who = pseudonym(course.id, a.learner_id)
        learners.add(who)
        per_learner_ref[(who, a.ref)].append(bool(a.correct))
        per_item[a.item_id].append(a)
        row = sections.get(a.ref)
        if row is not None:
            row["quiz_answers"] += 1
            row["quiz_accuracy"] = (row["quiz_accuracy"] or 0) + (1 if a.correct else 0)  # a count until below
    for row in sections.values():
        if row["quiz_answers"]:
            row["quiz_accuracy"] = round(row["quiz_accuracy"] / row["quiz_answers"], 3)
        if row["questions"]:
            row["share_answered"] = round(row["answered"] / row["questions"], 3)
    for (who, ref), results in per_learner_ref.items():
        row = sections.get(ref)
        if row is None:
            continue
        row["learners_quizzed"] += 1
        if len(results) >= MASTERY_MIN_ATTEMPTS and sum(results) / len(results) >= MASTERY:
            row["learners_mastered"] += 1
    for row in sections.values():
        if row["learners_quizzed"]:
            row["mastery"] = round(row["learners_mastered"] / row["learners_quizzed"], 3)

    gap_questions = sorted(gap_questions, key=lambda q: q.when)[-MAX_QUESTIONS:]
    vectors = embedder.embed([q.text for q in gap_questions]) if gap_questions else []
    clusters = [c.public() for c in group_gaps(gap_questions, vectors, threshold)]

    items = _missed_items(per_item, snapshots, top_items)
    return {"course_id": course.id, "course_title": course.title,
            "filters": {"chapter": chapter, "since": since.isoformat() if since else None,
                        "until": until.isoformat() if until else None},
            "totals": {"learners": len(learners),
                       "questions": asked,
                       "refused": sum(q.kind == "refused" for q in gap_questions),
                       "thumbs_down": sum(r["thumbs_down"] for r in sections.values()),
                       "quiz_answers": sum(r["quiz_answers"] for r in sections.values())},
            "sections": list(sections.values()), "gaps": clusters, "missed_items": items}


def _item_prompt(snapshot: str | None, item_id: str) -> dict:
    try:
        for item in json.loads(snapshot or "[]"):
            if isinstance(item, dict) and item.get("id") == item_id:
                return item
    except ValueError:
        pass
    return {}


def _missed_items(per_item: dict[str, list], snapshots: dict[str, str], top: int) -> list[dict]:
    out = []
    for item_id, rows in per_item.items():
        if len(rows) < MISSED_MIN_ANSWERS:
            continue
        wrong = sum(not r.correct for r in rows)
        if not wrong:
            continue
        item = _item_prompt(snapshots.get(rows[-1].session_id), item_id)
        counts: Counter[str] = Counter()
        correct_of: dict[str, bool] = {}
        for r in rows:
            key = " ".join((r.response or "").split())[:200] or "(blank)"
            counts[key.casefold()] += 1
            correct_of.setdefault(key.casefold(), bool(r.correct))
        out.append({"item_id": item_id, "ref": rows[0].ref, "prompt": item.get("prompt", ""),
                    "answer": item.get("answer", ""), "type": item.get("type", ""), "answers": len(rows),
                    "wrong": wrong, "share_wrong": round(wrong / len(rows), 3),
                    "distribution": [{"response": k, "count": n, "correct": correct_of[k]}
                                     for k, n in counts.most_common(8)]})
    out.sort(key=lambda i: (-i["share_wrong"], -i["answers"], i["item_id"]))
    return out[:top]


def report_csv(report: dict, table: str = "sections") -> str:
    """One table of the report as CSV (sections, gaps or items), with a header row."""
    if table not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}")
    buf = io.StringIO()
    writer = csv.writer(buf)
    if table == "sections":
        cols = ["ref", "chapter", "section_title", "questions", "answered", "refused", "share_answered",
                "thumbs_up", "thumbs_down", "quiz_answers", "quiz_accuracy", "learners_quizzed",
                "learners_mastered", "mastery"]
        writer.writerow(cols)
        for row in report["sections"]:
            writer.writerow(["" if row[c] is None else row[c] for c in cols])
    elif table == "gaps":
        writer.writerow(["label", "count", "refused", "thumbs_down", "learners", "near_refs", "examples",
                         "last_asked"])
        for g in report["gaps"]:
            writer.writerow([_cell(g["label"]), g["count"], g["refused"], g["thumbs_down"], g["learners"],
                             " ".join(g["near_refs"]), _cell(" | ".join(g["examples"])), g["last_asked"]])
    else:
        writer.writerow(["item_id", "ref", "prompt", "answer", "answers", "wrong", "share_wrong", "distribution"])
        for i in report["missed_items"]:
            dist = "; ".join(f"{d['response']} ×{d['count']}" + (" (correct)" if d["correct"] else "")
                             for d in i["distribution"])
            writer.writerow([i["item_id"], i["ref"], _cell(i["prompt"]), _cell(i["answer"]), i["answers"],
                             i["wrong"], i["share_wrong"], _cell(dist)])
    return buf.getvalue()


def _cell(text: str) -> str:
    """Learner-typed text made safe for spreadsheets: a leading =, +, - or @ would run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
