"""Postings BM25 must score exactly as rank_bm25 does: retrieval, and so every eval number, depends on it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from rank_bm25 import BM25Okapi

from conftest import CORPUS
from imaging_tutor.corpus.chunking import section_sentences
from imaging_tutor.corpus.course import load_course
from imaging_tutor.index.bm25 import PostingsBM25
from imaging_tutor.text import tokens

ROOT = Path(__file__).resolve().parents[2]


def _queries() -> list[list[str]]:
    """Every question of the shipped eval sets, tokenised as retrieval does, plus words no document uses."""
    out = []
    for path in sorted((ROOT / "evals" / "sets").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                out.append(tokens(json.loads(line)["question"]))
    return out + [[], ["zzzunknown"], ["drift", "drift", "zzzunknown", "drift"]]


def test_scores_equal_rank_bm25_on_every_eval_question():
    course = load_course(CORPUS)
    documents = {
        "sections": [tokens(s.text) for s in course.sections],
        "sentences": [tokens(x.text) or ["\0"] for s in course.sections for x in section_sentences(course, s)],
    }
    queries = _queries()
    assert len(queries) > 500
    for name, corpus in documents.items():
        reference, postings = BM25Okapi(corpus), PostingsBM25(corpus)
        assert postings.idf == reference.idf
        for q in queries:
            assert np.array_equal(postings.get_scores(q), reference.get_scores(q)), (name, q)
