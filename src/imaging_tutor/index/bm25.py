"""BM25 scores from postings: rank_bm25's Okapi scores, bit for bit, without a Python loop over every document.

`BM25Okapi.get_scores` builds, for each query word, a list over all documents of that word's count (a few thousand
dictionary lookups per word, per query). Here each word's postings (the documents that use it, and how often) are
built once, and a query touches only those documents; every other document would have added exactly 0.0.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from rank_bm25 import BM25Okapi


class PostingsBM25:
    """Okapi BM25 over tokenised documents (rank_bm25's idf, k1, b and epsilon), scored from postings."""

    def __init__(self, corpus: Sequence[Sequence[str]]):
        okapi = BM25Okapi(corpus)
        self.idf: dict[str, float] = okapi.idf
        self.corpus_size = okapi.corpus_size
        self._k1 = okapi.k1
        doc_len = np.array(okapi.doc_len)
        # The same expression rank_bm25 evaluates per query, evaluated once.
        self._norm = okapi.k1 * (1 - okapi.b + okapi.b * doc_len / okapi.avgdl)
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for i, freqs in enumerate(okapi.doc_freqs):
            for word, n in freqs.items():
                docs, counts = postings.setdefault(word, ([], []))
                docs.append(i)
                counts.append(n)
        self._postings = {w: (np.array(d), np.array(c)) for w, (d, c) in postings.items()}

    def get_scores(self, query: Sequence[str]) -> np.ndarray:
        """One score per document, equal to BM25Okapi(corpus).get_scores(query)."""
        score = np.zeros(self.corpus_size)
        for q in query:
            hit = self._postings.get(q)
            if hit is None:
                continue  # a word no document uses adds 0.0 everywhere
            docs, freq = hit
            score[docs] += (self.idf.get(q) or 0) * (freq * (self._k1 + 1) / (freq + self._norm[docs]))
        return score
