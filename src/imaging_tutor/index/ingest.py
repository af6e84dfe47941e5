"""Ingest a course: parse, chunk, embed (reusing unchanged embeddings), build a new collection aside, then switch."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from sqlalchemy import select

from ..corpus.check import check_course
from ..corpus.chunking import chunk_course, chunk_id, section_sentences
from ..corpus.course import Course, load_course
from ..corpus.questionbank import BankQuestion
from ..storage.db import Database
from ..storage.models import IndexState, utcnow
from . import snapshot_cache
from .embedding import Embedder

Progress = Callable[[str, int, int], None]


@dataclass
class IngestSummary:
    course_id: str
    version: str
    collection: str
    chapters: int
    sections: int
    chunks: int
    sentences: int
    embedded: int
    reused: int
    seconds: float
    changed: bool
    stale_quiz_items: int = 0  # saved quiz items whose quote is no longer in the course (kept, flagged)
    titles: int = 0  # one embedded section title per section
    questions: int = 0  # labelled learner questions from the course's question bank
    references: int = 0  # what the scope guard measures against: background probes, objectives and quiz stems
    stale_questions: list[str] = field(default_factory=list)  # bank rows set aside: their section or quote changed
    model_warnings: list[str] = field(default_factory=list)  # shipped models fitted on other data than is here now
    warnings: list[str] = field(default_factory=list)  # the author's check (corpus/check.py): reported, never fatal

    @property
    def records(self) -> int:
        """Everything embedded into the collection."""
        return self.chunks + self.sentences + self.titles + self.questions + self.references

    def as_dict(self) -> dict:
        return asdict(self)


def content_key(kind: str, text: str) -> str:
    """Embedding cache key: same kind and same text give the same vector, whatever the id."""
    return hashlib.sha256(f"{kind}\x1f{text}".encode("utf-8")).hexdigest()


def _records(course: Course, embedder: Embedder, bank: list[BankQuestion] = ()) -> list[dict]:
    records = []
    for ch in chunk_course(course, embedder.count_tokens):
        sec = course.section(ch.ref)
        records.append({
            "id": ch.id, "document": ch.text, "embed_text": ch.embed_text,
            "meta": {"kind": "chunk", "ref": ch.ref, "chapter": ch.chapter, "section": sec.section,
                     "position": ch.position, "start": ch.start, "end": ch.end, "section_hash": ch.section_hash,
                     "content_key": content_key("chunk", ch.embed_text)},
        })
    for sec in course.sections:
        for s in section_sentences(course, sec):
            records.append({
                "id": s.id, "document": s.text, "embed_text": s.text,
                "meta": {"kind": "sentence", "ref": s.ref, "chapter": sec.chapter, "section": sec.section,
                         "position": s.position, "start": s.start, "end": s.end, "section_hash": sec.content_hash,
                         "content_key": content_key("sentence", s.text)},
            })
    for sec in course.sections:  # the ranker compares questions with section titles
        records.append({
            "id": chunk_id(course, sec.ref, 0, "t"), "document": sec.section_title, "embed_text": sec.section_title,
            "meta": {"kind": "title", "ref": sec.ref, "chapter": sec.chapter, "section": sec.section, "position": 0,
                     "start": 0, "end": 0, "section_hash": sec.content_hash,
                     "content_key": content_key("title", sec.section_title)},
        })
    # What the scope guard measures questions against: questions about everyday things (the background) and the
    # course's own objectives and quiz stems (questions this course answers), each ranked against the sentences.
    for position, text in enumerate(background_questions()):
        records.append(_reference_record(course, "probe", position, text))
    pseudo = [o for c in course.chapters for o in c.objectives] + [q.text for c in course.chapters for q in c.quiz]
    for position, text in enumerate(pseudo or [s.section_title for s in course.sections]):
        records.append(_reference_record(course, "pseudo", position, text))
    for position, q in enumerate(bank):
        sec = course.section(q.ref)
        records.append({
            "id": chunk_id(course, q.ref, position, "q"), "document": q.question, "embed_text": q.question,
            "meta": {"kind": "question", "ref": q.ref, "chapter": sec.chapter, "section": sec.section,
                     "position": position, "start": 0, "end": 0, "section_hash": sec.content_hash,
                     "content_key": content_key("question", q.question)},
        })
    return records


def background_questions() -> list[str]:
    """Everyday questions no course is about (tutor/background_questions.txt)."""
    path = Path(__file__).resolve().parents[1] / "tutor" / "background_questions.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def _reference_record(course: Course, kind: str, position: int, text: str) -> dict:
    """A question embedded only to calibrate the scope guard for this course (no section of its own)."""
    return {"id": chunk_id(course, kind, position, kind[0]), "document": text, "embed_text": text,
            "meta": {"kind": kind, "ref": "", "chapter": 0, "section": 0, "position": position, "start": 0, "end": 0,
                     "section_hash": "", "content_key": content_key("question", text)}}


def fingerprint(course: Course, records: list[dict], model: str) -> str:
    h = hashlib.sha256(f"{course.id}\x1f{course.version}\x1f{model}".encode())
    for r in records:
        h.update(f"{r['id']}\x1f{r['meta']['content_key']}\x1e".encode())
    return h.hexdigest()


def active_state(db: Database, course_id: str) -> IndexState | None:
    with db.scope() as s:
        return s.get(IndexState, course_id)


def ingest(services, corpus: str | None = None, *, progress: Progress | None = None) -> IngestSummary:
    """Idempotent and atomic: the previous index keeps serving until the new collection is complete."""
    t0 = time.perf_counter()
    folder = corpus or services.settings.corpus_dir
    course = load_course(folder)  # a malformed course stops here, before any write
    # The author's check: its warnings are reported, never fatal. A malformed question bank is one of them: the
    # bank is then skipped as a whole (check.bank is None) and the ranker uses the text alone.
    check = check_course(folder)
    bank = check.bank.questions if check.bank is not None else []
    stale = check.bank.stale if check.bank is not None else []
    embedder, store, db = services.embedder, services.store, services.db
    records = _records(course, embedder, bank)
    fp = fingerprint(course, records, embedder.name)
    name = f"{course.id}-{fp[:16]}"
    kinds = [r["meta"]["kind"] for r in records]
    summary = IngestSummary(course.id, course.version, name, len(course.chapters), len(course.sections),
                            kinds.count("chunk"), kinds.count("sentence"), 0, 0, 0.0, False,
                            titles=kinds.count("title"), questions=kinds.count("question"),
                            references=kinds.count("probe") + kinds.count("pseudo"),
                            stale_questions=stale, warnings=[str(f) for f in check.warnings])

    summary.model_warnings = services.models.stale_reasons([course])
    state = active_state(db, course.id)
    if state and state.fingerprint == fp and store.exists(state.collection) and store.count(state.collection) == len(records):
        summary.reused = len(records)
        summary.stale_quiz_items = _mark_stale_quiz_items(course, db)
        summary.seconds = time.perf_counter() - t0
        return summary

    cache: dict[str, np.ndarray] = {}
    if state and store.exists(state.collection):
        old = store.get_all(state.collection)
        for meta, emb in zip(old["metadatas"], old["embeddings"]):
            cache[meta["content_key"]] = np.asarray(emb, dtype=np.float32)

    todo = [i for i, r in enumerate(records) if r["meta"]["content_key"] not in cache]
    vectors = np.zeros((len(records), embedder.dim), dtype=np.float32)
    for i, r in enumerate(records):
        if r["meta"]["content_key"] in cache:
            vectors[i] = cache[r["meta"]["content_key"]]
    step = 64
    for k in range(0, len(todo), step):
        batch = todo[k:k + step]
        vectors[batch] = embedder.embed([records[i]["embed_text"] for i in batch])
        if progress:
            progress("embed", min(k + step, len(todo)), len(todo))
    summary.embedded, summary.reused = len(todo), len(records) - len(todo)

    # The name is the content's fingerprint, so a complete collection under it holds exactly these records: the
    # previous version being switched back to (workers may still read it: never rebuild it under them), or one a
    # run wrote fully before being interrupted short of the switch. Anything less never served: rebuild it.
    if not (store.exists(name) and store.count(name) == len(records)):
        if store.exists(name):
            store.delete(name)
        store.create(name)
        store.add(name, [r["id"] for r in records], vectors, [r["document"] for r in records],
                  [r["meta"] for r in records])
        if store.count(name) != len(records):
            store.delete(name)
            raise RuntimeError(f"collection {name} is incomplete; the previous index keeps serving")

    # The switch: one row, one transaction. Readers see the old or the new collection, never a mix.
    with db.scope() as s:
        row = s.get(IndexState, course.id, with_for_update=True)
        if row is None:
            row = IndexState(course_id=course.id)
            s.add(row)
        elif row.collection != name:
            row.previous_collection = row.collection
        row.collection, row.fingerprint, row.course_version = name, fp, course.version
        row.model, row.chunks, row.sentences, row.updated_at = embedder.name, summary.chunks, summary.sentences, utcnow()
    # Keep the previous collection for readers still holding it; drop anything older.
    # Only this course's collections ("<course id>-<16 hex>"), never another course whose id shares a prefix.
    keep = {name, row.previous_collection}
    ours = re.compile(rf"{re.escape(course.id)}-[0-9a-f]{{16}}")
    for other in store.names():
        if other not in keep and ours.fullmatch(other):
            store.delete(other)
    # This host's copy of the new collection: the next process builds its snapshot without reading the store.
    snapshot_cache.write(services.settings.snapshot_path, name, store.get_all(name), course.id)
    summary.changed = True
    summary.stale_quiz_items = _mark_stale_quiz_items(course, db)
    summary.seconds = time.perf_counter() - t0
    return summary


def _mark_stale_quiz_items(course: Course, db: Database) -> int:
    """Flag saved quiz items whose quote left the course (never delete them); also run on an unchanged index,
    so an ingest interrupted after the switch still gets its items flagged by the next run."""
    from ..quiz.library import mark_stale_items  # the quiz package builds on ingest's modules, not the other way

    return mark_stale_items(db, course)["stale"]


def current_collection(db: Database, course_id: str) -> str | None:
    """The collection the course is served from (None before its first ingest)."""
    with db.scope() as s:
        return s.scalar(select(IndexState.collection).where(IndexState.course_id == course_id))
