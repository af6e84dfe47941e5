"""The serving index: the active Chroma collection plus in-memory BM25 and sentence vectors, swapped atomically."""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from ..corpus.course import Course
from ..errors import IndexMissing
from ..text import find_acronyms, tokens
from .bm25 import PostingsBM25
from . import snapshot_cache
from .ingest import current_collection

POINTER_TTL_S = 2.0  # how often a process re-reads which collection is active


@dataclass(frozen=True)
class IndexedChunk:
    id: str
    ref: str
    chapter: int
    text: str


@dataclass(frozen=True)
class IndexedSentence:
    id: str
    ref: str
    chapter: int
    position: int
    text: str


@dataclass
class IndexSnapshot:
    """Everything retrieval needs, consistent with one collection."""

    course: Course
    collection: str
    chunks: list[IndexedChunk]
    bm25: PostingsBM25
    sentences: list[IndexedSentence]
    sentence_vectors: np.ndarray
    sentences_by_ref: dict[str, list[int]]
    sentence_bm25: PostingsBM25 | None = None
    stale_refs: set[str] = field(default_factory=set)
    vocabulary: set[str] = field(default_factory=set)
    acronyms: dict[str, str] = field(default_factory=dict)  # 'tat' -> 'turnaround time', as the course defines them
    question_texts: list[str] = field(default_factory=list)  # the course's labelled learner questions
    question_refs: list[str] = field(default_factory=list)
    question_vectors: np.ndarray | None = None  # one row per question_texts entry
    title_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # ref -> its section title's vector
    section_tokens: dict[str, set[str]] = field(default_factory=dict)  # ref -> content-word stems of its text
    chunk_vectors: np.ndarray | None = None  # one row per chunk, in `chunks` order
    background_vectors: np.ndarray | None = None  # everyday questions (the guard's background)
    pseudo_vectors: np.ndarray | None = None  # the course's objectives and quiz stems (questions it answers)
    derived: dict = field(default_factory=dict)  # data computed from this snapshot once (the guard's scale)
    sentence_token_sets: list[frozenset[str]] = field(default_factory=list)  # tokens() of each sentence, in order


def build_snapshot(course: Course, collection: str, data: dict) -> IndexSnapshot:
    """Build the in-memory parts from the whole collection's records (a few hundred, `VectorStore.get_all`)."""
    chunks: list[IndexedChunk] = []
    chunk_texts: list[str] = []
    sents: list[tuple[IndexedSentence, list[float]]] = []
    questions: list[tuple[int, str, str, list[float]]] = []
    titles: dict[str, np.ndarray] = {}
    hashes: dict[str, str] = {}
    chunk_embeddings: dict[str, np.ndarray] = {}
    reference: dict[str, list[tuple[int, np.ndarray]]] = {"probe": [], "pseudo": []}
    for cid, emb, doc, meta in zip(data["ids"], data["embeddings"], data["documents"], data["metadatas"]):
        ref = meta["ref"]
        if meta["kind"] in reference:
            reference[meta["kind"]].append((int(meta["position"]), np.asarray(emb, dtype=np.float32)))
            continue
        hashes[ref] = meta["section_hash"]
        if meta["kind"] == "chunk":
            chunks.append(IndexedChunk(cid, ref, int(meta["chapter"]), doc))
            chunk_embeddings[cid] = np.asarray(emb, dtype=np.float32)
        elif meta["kind"] == "question":
            questions.append((int(meta["position"]), ref, doc, emb))
        elif meta["kind"] == "title":
            titles[ref] = np.asarray(emb, dtype=np.float32)
        else:
            sents.append((IndexedSentence(cid, ref, int(meta["chapter"]), int(meta["position"]), doc), emb))
    if not chunks:
        raise IndexMissing(f"collection {collection} is empty; run `imaging-tutor ingest`")
    chunks.sort(key=lambda c: c.id)
    for c in chunks:
        sec = course.section(c.ref) if course.has_ref(c.ref) else None
        title = f"{sec.chapter_title} {sec.section_title} " if sec else ""
        chunk_texts.append(title + c.text)
    sents.sort(key=lambda p: (_ref_key(p[0].ref), p[0].position))
    sentences = [s for s, _ in sents]
    vectors = np.asarray([e for _, e in sents], dtype=np.float32)
    by_ref: dict[str, list[int]] = {}
    for i, s in enumerate(sentences):
        by_ref.setdefault(s.ref, []).append(i)
    stale = {ref for ref, h in hashes.items() if not course.has_ref(ref) or course.section(ref).content_hash != h}
    tokenized = [tokens(t) for t in chunk_texts]
    vocab = {t for toks in tokenized for t in toks}
    sentence_tokens = [tokens(s.text) for s in sentences]
    sentence_bm25 = PostingsBM25([toks or ["\0"] for toks in sentence_tokens])
    acronyms = find_acronyms("\n".join(sec.text for sec in course.sections))
    questions.sort(key=lambda q: q[0])
    q_vectors = (np.asarray([q[3] for q in questions], dtype=np.float32) if questions
                 else np.zeros((0, vectors.shape[1]), dtype=np.float32))
    def stacked(kind: str) -> np.ndarray | None:
        rows = [v for _, v in sorted(reference[kind], key=lambda p: p[0])]
        return np.asarray(rows, dtype=np.float32) if rows else None

    return IndexSnapshot(course, collection, chunks, PostingsBM25(tokenized), sentences, vectors, by_ref,
                         sentence_bm25, stale, vocab, acronyms, [q[2] for q in questions], [q[1] for q in questions],
                         q_vectors, titles, {ref: set(tokens(course.section(ref).text)) for ref in by_ref
                                             if course.has_ref(ref)},
                         np.asarray([chunk_embeddings[c.id] for c in chunks], dtype=np.float32),
                         stacked("probe"), stacked("pseudo"),
                         sentence_token_sets=[frozenset(toks) for toks in sentence_tokens])


def _ref_key(ref: str) -> tuple[int, int]:
    a, b = ref.split(".")
    return int(a), int(b)


class IndexProvider:
    """Hands out the current snapshot; re-reads the pointer (and checks the store is up) every few seconds so
    re-ingests switch over cleanly."""

    def __init__(self, services):
        self.services = services
        self._snapshot: IndexSnapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> IndexSnapshot:
        now = time.monotonic()
        snap = self._snapshot
        if snap is not None and now - self._checked < POINTER_TTL_S:
            return snap
        with self._lock:
            if self._snapshot is not None and time.monotonic() - self._checked < POINTER_TTL_S:
                return self._snapshot
            course = self.services.course()
            name = current_collection(self.services.db, course.id)
            if name is None:
                raise IndexMissing("the course has not been ingested yet; run `imaging-tutor ingest`")
            # Answers are read from this snapshot, not from the store; the heartbeat keeps every API worker in
            # step with /readyz: a worker whose vector store is unreachable answers 503 within POINTER_TTL_S, as
            # one that starts while it is down must. A one-shot command answers from the snapshot alone.
            if self.services.check_store:
                self.services.store.heartbeat()
            if self._snapshot is None or self._snapshot.collection != name:
                self._snapshot = build_snapshot(course, name, self._records(course, name))
            self._checked = time.monotonic()
            return self._snapshot

    def _records(self, course: Course, name: str) -> dict:
        """The collection's records from this host's copy, else from the store (then copied for the next process)."""
        folder = self.services.settings.snapshot_path
        data = snapshot_cache.read(folder, name)
        if data is None:
            data = self.services.store.get_all(name)
            snapshot_cache.write(folder, name, data, course.id)
        return data
