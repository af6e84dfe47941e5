"""Test helpers around the real embedding model (not fakes): a memo so repeated ingests do not re-run the
model on identical text, and a way to make the model fail on a chosen call."""
from __future__ import annotations

from typing import Sequence

import numpy as np

# Vectors the real model produced in this test process, keyed by the exact text it embedded.
_MEMO: dict[str, np.ndarray] = {}


class MemoizingEmbedder:
    """The real model behind a per-process memo; records which texts ingest asked for, and can fail on call N."""

    def __init__(self, real, fail_on_call: int | None = None):
        self._real = real
        self.name = real.name
        self.dim = real.dim
        self.fail_on_call = fail_on_call
        self.calls = 0
        self.requested: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.fail_on_call is not None and self.calls >= self.fail_on_call:
            raise RuntimeError(f"embedding interrupted on call {self.calls}")
        self.requested.extend(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in _MEMO))
        if missing:
            for text, vec in zip(missing, self._real.embed(missing)):
                _MEMO[text] = vec
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([_MEMO[t] for t in texts])

    def count_tokens(self, text: str) -> int:
        return self._real.count_tokens(text)


def seed_memo_from_index(services, corpus) -> int:
    """Fill the memo with the vectors an earlier real ingest stored (e.g. the session's shared index),
    so tests that re-ingest the same text into fresh data dirs do not pay for the model again."""
    from imaging_tutor.corpus.chunking import chunk_course, section_sentences
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.corpus.questionbank import load_question_bank
    from imaging_tutor.index.ingest import content_key, current_collection

    course = load_course(corpus)
    texts = {content_key("chunk", c.embed_text): c.embed_text
             for c in chunk_course(course, services.embedder.count_tokens)}
    texts.update({content_key("sentence", s.text): s.text
                  for sec in course.sections for s in section_sentences(course, sec)})
    texts.update({content_key("title", sec.section_title): sec.section_title for sec in course.sections})
    texts.update({content_key("question", q.question): q.question for q in load_question_bank(corpus, course).questions})
    stored = services.store.get_all(current_collection(services.db, course.id))
    for meta, vec in zip(stored["metadatas"], stored["embeddings"]):
        if meta["content_key"] in texts:
            _MEMO[texts[meta["content_key"]]] = np.asarray(vec, dtype=np.float32)
    return len(stored["ids"])
