"""Chunking: whole sentences, never across sections, within the model's real token window, deterministic ids."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import CORPUS
from imaging_tutor.corpus.chunking import CHUNK_TOKEN_BUDGET, chunk_course, chunk_id, chunk_section, section_sentences
from imaging_tutor.corpus.course import load_course, parse_course
from imaging_tutor.index.embedding import MAX_TOKENS
from imaging_tutor.corpus.sentences import split_sentences


class FakeWordCounter:
    """Counts words instead of model tokens: enough to test the packing logic alone."""

    def __call__(self, text: str) -> int:
        return len(text.split())


TINY = """---
id: tiny
title: Tiny
version: 2
---

# Chapter 1: One

## 1.0 Intro

Alpha beta gamma. Delta epsilon zeta. Eta theta iota. Kappa lambda mu.

A second paragraph. And its end.

## 1.1 Next

One sentence only, but a rather long one that overflows any tiny budget on its own.
"""


@pytest.fixture(scope="module")
def course():
    return load_course(CORPUS)


@pytest.fixture(scope="module")
def chunks(course, embedder):
    return chunk_course(course, embedder.count_tokens)


def test_packing_respects_the_budget_with_fake_counter():
    course = parse_course(TINY)
    sec = course.section("1.0")
    count = FakeWordCounter()
    prefix_words = count("One — Intro. ")
    got = chunk_section(course, sec, count, budget=prefix_words + 6)
    assert [c.text for c in got] == [
        "Alpha beta gamma. Delta epsilon zeta.",
        "Eta theta iota. Kappa lambda mu.",
        "A second paragraph. And its end.",
    ]
    assert all(count(c.embed_text) <= prefix_words + 6 for c in got)
    assert [c.position for c in got] == [0, 1, 2]
    # A single sentence over budget is cut at word boundaries (nothing lost, nothing silently truncated).
    long = chunk_section(course, course.section("1.1"), count, budget=count("One — Next. ") + 2)
    assert len(long) > 1 and " ".join(c.text for c in long) == course.section("1.1").text
    assert all(count(c.embed_text) <= count("One — Next. ") + 2 for c in long)


def test_chunks_are_whole_sentences_within_one_section(course, chunks):
    by_ref: dict[str, list] = {}
    for c in chunks:
        by_ref.setdefault(c.ref, []).append(c)
    assert set(by_ref) == {s.ref for s in course.sections}
    for ref, group in by_ref.items():
        sec = course.section(ref)
        spans = split_sentences(sec.text)
        starts, ends = {a for a, _ in spans}, {b for _, b in spans}
        assert [c.position for c in group] == list(range(len(group)))
        for c in group:
            assert c.chapter == sec.chapter and c.section_hash == sec.content_hash
            assert sec.text[c.start:c.end] == c.text  # the chunk lies inside its own section
            assert c.start in starts and c.end in ends  # and starts and ends on sentence edges
            assert c.embed_text.endswith(c.text) and sec.section_title in c.embed_text
        # Consecutive chunks tile the section: every sentence in exactly one chunk, in order.
        covered = [s for c in group for s in spans if c.start <= s[0] and s[1] <= c.end]
        assert covered == spans


def test_every_embedded_text_fits_the_real_token_window(course, chunks, embedder):
    assert embedder.inner.max_tokens == MAX_TOKENS == 256  # the real model behind the services' vector cache
    assert max(embedder.count_tokens(c.embed_text) for c in chunks) <= CHUNK_TOKEN_BUDGET < MAX_TOKENS
    sentence_tokens = [embedder.count_tokens(s.text) for sec in course.sections for s in section_sentences(course, sec)]
    assert max(sentence_tokens) <= MAX_TOKENS


def test_text_over_the_window_would_be_truncated(course, embedder):
    """Why the budget matters: the model silently ignores everything after token 256."""
    long = " ".join(s.text for s in course.chapters[3].sections)
    assert embedder.count_tokens(long) > MAX_TOKENS
    tail = " Completely unrelated closing words about penguins, volcanoes and jazz."
    short = course.section("4.3").paragraphs[0]
    assert embedder.count_tokens(short + tail) <= MAX_TOKENS
    v_long, v_long_tail, v_short, v_short_tail = embedder.embed([long, long + tail, short, short + tail])
    assert float(np.dot(v_long, v_long_tail)) > 0.9999  # the tail past the window changed nothing
    assert float(np.dot(v_short, v_short_tail)) < 0.99  # inside the window the same tail matters


def test_ids_are_deterministic_and_name_course_version_ref_position(course, chunks, embedder):
    again = chunk_course(load_course(CORPUS), embedder.count_tokens)
    assert [c.id for c in again] == [c.id for c in chunks]
    assert len({c.id for c in chunks}) == len(chunks)
    for c in chunks:
        assert c.id == f"{course.id}@{course.version}:{c.ref}:c{c.position}" == chunk_id(course, c.ref, c.position)
    sec = course.section("2.2")
    assert [s.id for s in section_sentences(course, sec)][:2] == [
        f"{course.id}@{course.version}:2.2:s0", f"{course.id}@{course.version}:2.2:s1"]
    # A new version of the same text gets new ids: old citations never silently point at new text.
    bumped = parse_course((CORPUS / "course.md").read_text(encoding="utf-8").replace("version: 1.0.0", "version: 1.1.0"))
    new_ids = [c.id for c in chunk_course(bumped, embedder.count_tokens)]
    assert new_ids == [i.replace("@1.0.0:", "@1.1.0:") for i in (c.id for c in chunks)]


def test_a_sentence_longer_than_the_window_is_cut_not_truncated(embedder):
    """One 600-word sentence: every chunk stays within the window and together they cover the whole sentence."""
    from imaging_tutor.corpus.chunking import chunk_section
    from imaging_tutor.corpus.course import parse_course

    long_sentence = " ".join(f"word{i}" for i in range(600)) + "."
    course = parse_course(f"---\nid: t\ntitle: T\nversion: 1\n---\n# Chapter 1: C\n## 1.1 S\n{long_sentence}\n")
    chunks = chunk_section(course, course.sections[0], embedder.count_tokens)
    assert len(chunks) > 1
    assert all(embedder.count_tokens(c.embed_text) <= 256 for c in chunks)
    assert " ".join(c.text for c in chunks) == long_sentence
