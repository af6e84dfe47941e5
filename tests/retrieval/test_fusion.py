"""Fusion's array shortcuts must rank exactly as the plain per-section loops, and the Chroma query, they replace."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import ROOT
from imaging_tutor.retrieval.fusion import DENSE_CHUNKS, _dense_chunks, _first_per_section, _layout, retrieve


def plain_first_per_section(scores, codes, refs, keep):
    """The reference: walk the items best first and keep each section's first one."""
    seen, out = set(), []
    for i in np.argsort(-scores):
        if keep is not None and not keep[i]:
            continue
        if codes[i] not in seen:
            seen.add(codes[i])
            out.append((refs[codes[i]], float(scores[i])))
    return out


def test_first_place_per_section_matches_the_plain_walk_with_ties_and_filters():
    rng = np.random.default_rng(7)
    refs = [f"{c}.{s}" for c in range(1, 4) for s in range(5)]
    for _ in range(200):
        n = int(rng.integers(1, 60))
        scores = rng.choice([0.0, 0.5, 1.0, 2.0, 3.5], size=n) + rng.choice([0.0, 1e-3], size=n)  # many ties
        codes = rng.integers(0, len(refs), size=n)
        keep = rng.random(n) > 0.3 if rng.random() > 0.5 else None
        assert _first_per_section(scores, codes, refs, keep) == plain_first_per_section(scores, codes, refs, keep)


@pytest.mark.parametrize("chapter", [None, 4])
def test_section_sentence_scores_are_the_best_sentence_of_each_section(tutor_services, chapter):
    snap = tutor_services.index()
    got = retrieve("why does prevalence change PPV?", snap, tutor_services.embedder,
                   chapter=chapter, k=len(snap.sentences_by_ref))
    for section in got.sections:
        idx = snap.sentences_by_ref[section.ref]
        assert section.sentence == float(np.sort(got.sentence_scores[idx])[::-1][0])
        assert chapter is None or snap.sentences[idx[0]].chapter == chapter
    assert got.sections[0].ref == "4.3"


@pytest.mark.parametrize("chapter", [None, 2, 4])
def test_dense_chunks_from_memory_are_the_chroma_query(tutor_services, chapter):
    """The snapshot's copy of the vectors gives the store's own nearest chunks, in its order, for every question of
    the grounding set."""
    snap, store, embedder = tutor_services.index(), tutor_services.store, tutor_services.embedder
    where = {"kind": "chunk"} if chapter is None else {"$and": [{"kind": "chunk"}, {"chapter": chapter}]}
    ref_of = {c.id: c.ref for c in snap.chunks}
    questions = [json.loads(line)["question"] for line in (ROOT / "evals/sets/grounding.jsonl").read_text().splitlines()
                 if line.strip()]
    vectors = embedder.embed(questions)
    for qv in vectors:
        want = [(ref_of[i], s) for i, s in store.query(snap.collection, qv, DENSE_CHUNKS, where=where)]
        got = _dense_chunks(snap, _layout(snap), qv, chapter)
        assert [r for r, _ in got] == [r for r, _ in want]
        assert np.allclose([s for _, s in got], [s for _, s in want], atol=1e-5)
