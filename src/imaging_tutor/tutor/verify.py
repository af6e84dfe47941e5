"""Verify an LLM answer: keep only sentences whose cited section supports them; otherwise fall back to extractive."""
from __future__ import annotations

import logging
import re
from collections import Counter

from ..corpus.sentences import sentences as split_sentences
from ..corpus.sentences import split_sentences as sentence_spans
from ..errors import ServiceUnavailable
from ..retrieval.results import Retrieval
from .llm import Writer, format_passages
from .schemas import Answer, AnswerSentence, Citation
from .support import MARKER, SupportMeasure, strip_markers

MIN_KEPT = 1  # fewer surviving sentences than this and the extractive answer is returned instead
log = logging.getLogger(__name__)
# A sentence that leans on the one before it ("This is why ...", "However, ...") cannot stand once that one is dropped.
_LEANS_BACK = re.compile(r"^(?:this|these|that|those|it|its|they|their|such|however|but|also|so|therefore|thus|"
                         r"instead|otherwise|both|then|here|as a result|in turn|in that case|for (?:this|that) reason)\b",
                         re.IGNORECASE)
# The support measure's reasons, grouped into the kinds maintainers count.
_KINDS = (("swapped term", "swapped_term"), ("number", "changed_number"), ("quantifier", "changed_quantifier"),
          ("polarity", "polarity"), ("too far", "unsupported"), ("unknown ref", "unknown_ref"),
          ("no citation", "no_citation"), ("leans on", "dangling"), ("empty", "fragment"))


def drop_kind(reason: str) -> str:
    """The kind of a drop reason ('swapped_term', 'changed_number', ..., 'unsupported')."""
    return next((kind for prefix, kind in _KINDS if reason.startswith(prefix)), "unsupported")


def _normalise(text: str) -> str:
    """Markers belong to the sentence they follow: turn "text. [4.2]" into "text [4.2]." before splitting."""
    return re.sub(r"([.!?])\s*((?:\[\d+\.\d+\]\s*)+)", lambda m: " " + m.group(2).strip() + m.group(1) + " ",
                  text.replace("\n", " "))


class _Checked:
    """Kept and dropped sentences, in the model's order, with why each was dropped."""

    def __init__(self) -> None:
        self.kept: list[tuple[str, list[str], str]] = []  # (clean sentence, refs, supporting passage)
        self.dropped: list[str] = []
        self.reasons: list[str] = []
        self.last_dropped = False

    def drop(self, clean: str, reason: str) -> None:
        self.dropped.append(clean)
        self.reasons.append(reason)
        self.last_dropped = True

    def log(self) -> None:
        if self.dropped:
            kinds = Counter(drop_kind(r) for r in self.reasons)
            log.info("verify dropped %d of %d sentences: %s", len(self.dropped), len(self.dropped) + len(self.kept),
                     ", ".join(f"{k} {n}" for k, n in kinds.most_common()), extra={"drop_kinds": dict(kinds)})
            for clean, reason in zip(self.dropped, self.reasons):
                log.debug("dropped (%s): %s", reason, clean)


def _check(raw: str, allowed_refs: list[str], course, measure, state: _Checked) -> tuple | None:
    """Verify one sentence; keep or drop it (with its reason), and return the kept entry (or None)."""
    refs = [f"{a}.{b}" for a, b in MARKER.findall(raw)]
    clean = strip_markers(raw)
    if not clean or len(clean.split()) < 3:
        return None  # fragments ("[4.2]", "Answer:") carry no claim
    valid = [r for r in dict.fromkeys(refs) if r in allowed_refs and course.has_ref(r)]
    if not valid:
        state.drop(clean, "unknown ref" if refs else "no citation")
        return None
    if state.last_dropped and _LEANS_BACK.match(clean):
        state.drop(clean, "leans on a dropped sentence")
        return None
    support = measure.score_any(clean, valid)
    if not support.supported:
        state.drop(clean, support.reason)
        return None
    entry = (clean, [support.ref], support.passage)
    state.kept.append(entry)
    state.last_dropped = False
    return entry


def verify_text(text: str, allowed_refs: list[str], retrieval: Retrieval, measure: SupportMeasure):
    """Split the model's text into sentences; drop unknown refs and unsupported sentences. Returns (kept, dropped)."""
    state = _check_all(text, allowed_refs, retrieval, measure)
    return state.kept, state.dropped


def _check_all(text: str, allowed_refs: list[str], retrieval: Retrieval, measure: SupportMeasure) -> _Checked:
    course = retrieval.snapshot.course
    state = _Checked()
    for raw in split_sentences(_normalise(text)):
        _check(raw, allowed_refs, course, measure, state)
    return state


def verbatim_quote(section_text: str, passage: str) -> str:
    """A quote that occurs in the section exactly: the passage itself, else its first sentence found verbatim."""
    if passage and passage in section_text:
        return passage
    for sent in split_sentences(passage):
        if sent in section_text:
            return sent
    return split_sentences(section_text)[0]


def write_verified(writer: Writer, question: str, retrieval: Retrieval, extractive: Answer, measure: SupportMeasure,
                   on_sentence=None) -> Answer:
    """Ask the LLM, verify every sentence against its cited section, and fall back to the extractive answer.

    With on_sentence, the model is streamed and each sentence is verified once, as soon as it is complete, and
    passed on only if it is supported: nothing unsupported reaches the learner, even mid-stream.
    """
    passages, refs = format_passages(retrieval)
    try:
        if on_sentence is None:
            state = _check_all(writer.write(question, passages), refs, retrieval, measure)
        else:
            course = retrieval.snapshot.course
            state = _Checked()
            text, done = "", 0

            def check_upto(spans, stop) -> None:
                nonlocal done
                norm = _normalise(text)
                for a, b in spans[done:stop]:
                    entry = _check(norm[a:b], refs, course, measure, state)
                    if entry:
                        on_sentence(f"{entry[0]} [{entry[1][0]}]")
                done = max(done, stop)

            for token in writer.stream(question, passages):
                text += token
                spans = sentence_spans(_normalise(text))
                # The last span may still grow; one that starts with "[" is a marker still being written.
                complete = len(spans) - (2 if spans and _normalise(text)[spans[-1][0]] == "[" else 1)
                if complete > done:
                    check_upto(spans, complete)
            check_upto(sentence_spans(_normalise(text)), len(sentence_spans(_normalise(text))))
    except ServiceUnavailable:
        extractive.dropped_sentences = []
        return extractive
    state.log()
    kept, dropped = state.kept, state.dropped
    return assemble(kept, dropped, retrieval, extractive, writer.name)


def assemble(kept: list, dropped: list[str], retrieval: Retrieval, extractive: Answer, writer_name: str) -> Answer:
    """The verified sentences as an Answer, or the extractive answer when too little survived."""
    if len(kept) < MIN_KEPT:
        extractive.dropped_sentences = dropped
        return extractive
    course = retrieval.snapshot.course
    citations: list[Citation] = []
    for _, (ref,), passage in kept:
        if all(c.ref != ref for c in citations):
            s = course.section(ref)
            citations.append(Citation.of(s, verbatim_quote(s.text, passage)))
    # The most important section first: order citations by retrieval rank.
    rank = {r: i for i, r in enumerate(retrieval.refs)}
    citations.sort(key=lambda c: rank.get(c.ref, 99))
    body = " ".join(f"{sent} [{r[0]}]" for sent, r, _ in kept)
    main = citations[0]
    answer_text = f"{body}\n\nRead more: [{main.ref}] {main.section_title}"
    return Answer(status="answered", answer=answer_text, citations=citations, writer=writer_name,
                  sentences=[AnswerSentence(text=s, refs=r) for s, r, _ in kept], dropped_sentences=dropped,
                  suggestions=extractive.suggestions)
