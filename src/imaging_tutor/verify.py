"""Verify an LLM answer: keep only sentences whose cited section supports them; otherwise fall back to extractive."""
from __future__ import annotations

import re

from .config import Settings
from .embedding import get_embedder
from .errors import ServiceUnavailable
from .support import MARKER, SupportMeasure, strip_markers
from .retrieval import Retrieval
from .schemas import Answer, AnswerSentence, Citation
from .sentences import sentences as split_sentences
from .sentences import split_sentences as sentence_spans

MIN_KEPT = 1  # fewer surviving sentences than this and the extractive answer is returned instead
_measures: dict[int, SupportMeasure] = {}


def _measure(retrieval: Retrieval, settings: Settings) -> SupportMeasure:
    course = retrieval.snapshot.course
    key = id(course)
    if key not in _measures:
        _measures.clear()
        _measures[key] = SupportMeasure(course, get_embedder(settings.embedding_model_path))
    return _measures[key]


def verify_text(text: str, allowed_refs: list[str], retrieval: Retrieval, settings: Settings):
    """Split the model's text into sentences; drop unknown refs and unsupported sentences. Returns (kept, dropped)."""
    course = retrieval.snapshot.course
    measure = _measure(retrieval, settings)
    kept: list[tuple[str, list[str], str]] = []  # (clean sentence, refs, supporting passage)
    dropped: list[str] = []
    # Markers belong to the sentence they follow: move "text. [4.2]" markers before splitting.
    normalised = re.sub(r"([.!?])\s*((?:\[\d+\.\d+\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ",
                        text.replace("\n", " "))
    for raw in split_sentences(normalised):
        refs = [f"{a}.{b}" for a, b in MARKER.findall(raw)]
        clean = strip_markers(raw)
        if not clean or len(clean.split()) < 3:
            continue
        valid = [r for r in dict.fromkeys(refs) if r in allowed_refs and course.has_ref(r)]
        if not valid:
            dropped.append(clean)
            continue
        support = measure.score_any(clean, valid)
        if not support.supported:
            dropped.append(clean)
            continue
        kept.append((clean, [support.ref], support.passage))
    return kept, dropped


def verbatim_quote(section_text: str, passage: str) -> str:
    """A quote that occurs in the section exactly: the passage itself, else its first sentence found verbatim."""
    if passage and passage in section_text:
        return passage
    for sent in split_sentences(passage):
        if sent in section_text:
            return sent
    return split_sentences(section_text)[0]


def write_verified(writer, question: str, retrieval: Retrieval, extractive: Answer, settings: Settings,
                   on_sentence=None) -> Answer:
    """Ask the LLM, verify every sentence against its cited section, and fall back to the extractive answer.

    With on_sentence, the model is streamed and each sentence is passed on only once it is complete and verified,
    so nothing unsupported reaches the learner, even mid-stream.
    """
    from .llm import format_passages

    passages, refs = format_passages(retrieval)
    try:
        if on_sentence is None:
            text = writer.write(question, passages)
        else:
            text = ""
            complete, emitted = 0, 0
            for token in writer.stream(question, passages):
                text += token
                spans = sentence_spans(text.replace("\n", " "))
                if len(spans) - 1 > complete:  # a sentence (and its markers) has just been finished
                    complete = len(spans) - 1
                    kept, _ = verify_text(text.replace("\n", " ")[: spans[complete - 1][1]], refs, retrieval, settings)
                    for sent, r, _p in kept[emitted:]:
                        on_sentence(f"{sent} [{r[0]}]")
                    emitted = len(kept)
            kept, _ = verify_text(text, refs, retrieval, settings)
            for sent, r, _p in kept[emitted:]:
                on_sentence(f"{sent} [{r[0]}]")
    except ServiceUnavailable:
        extractive.dropped_sentences = []
        return extractive
    return assemble(text, refs, retrieval, extractive, settings, writer.name)


def assemble(text: str, refs: list[str], retrieval: Retrieval, extractive: Answer, settings: Settings,
             writer_name: str) -> Answer:
    kept, dropped = verify_text(text, refs, retrieval, settings)
    if len(kept) < MIN_KEPT:
        extractive.dropped_sentences = dropped
        return extractive
    course = retrieval.snapshot.course
    citations: list[Citation] = []
    for _, (ref,), passage in kept:
        if all(c.ref != ref for c in citations):
            s = course.section(ref)
            citations.append(Citation(ref=ref, chapter=s.chapter, section=s.section, chapter_title=s.chapter_title,
                                      section_title=s.section_title, quote=verbatim_quote(s.text, passage)))
    # The most important section first: order citations by retrieval rank.
    rank = {r: i for i, r in enumerate(retrieval.refs)}
    citations.sort(key=lambda c: rank.get(c.ref, 99))
    body = " ".join(f"{sent} [{r[0]}]" for sent, r, _ in kept)
    main = citations[0]
    answer_text = f"{body}\n\nRead more: [{main.ref}] {main.section_title}"
    return Answer(status="answered", answer=answer_text, citations=citations, writer=writer_name,
                  sentences=[AnswerSentence(text=s, refs=r) for s, r, _ in kept], dropped_sentences=dropped,
                  suggestions=extractive.suggestions)
