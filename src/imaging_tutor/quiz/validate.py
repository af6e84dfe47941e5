"""Item validation: well-formed options, an answer its quote supports, no distractor the quote supports, no duplicates."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ..corpus.course import Course
from .candidates import BLANK, TF_PREFIX
from .headings import heading_of, section_headings
from .terms import Term, Terms, course_terms
from .schema import QuizItem, Rejection
from .similarity import embed_texts
from .text import fold, normalize_answer, support

NEAR_DUPLICATE = 0.90  # cosine of "prompt + answer" embeddings; above it two items ask the same thing
ANSWER_SUPPORT = 0.75  # share of the answer's content words the quote must contain (free-text and definition keys)
DISTRACTOR_SUPPORT = 0.6  # a distractor with this much support from the quote could pass as right
KEY_DISTRACTOR_SUPPORT = 0.8
MAX_PROMPT_CHARS = 1200
MAX_OPTION_CHARS = 400


def _terms_named_by(text: str, terms: Terms) -> list[Term]:
    """Course terms a short answer text names (exactly: the text is that term, one of its spellings)."""
    return [t for t in terms.all if t.regex.fullmatch(text.strip()) or fold(t.label) == fold(text)]


def _named_in(answer: str, quote: str, terms: Terms) -> bool:
    named = _terms_named_by(answer, terms)
    if named:
        return any(t.regex.search(quote) for t in named)
    return normalize_answer(answer, terms.synonyms) in normalize_answer(quote, terms.synonyms)


def check_item(item: QuizItem, course: Course) -> list[tuple[str, str]]:
    """Intrinsic problems of one item as (reason, detail); empty when the item is valid."""
    terms = course_terms(course)
    syn = terms.synonyms
    problems: list[tuple[str, str]] = []
    if not course.has_ref(item.citation.ref):
        return [("unknown_ref", f"section {item.citation.ref} does not exist")]
    section = course.section(item.citation.ref)
    quote = item.citation.quote
    if not item.prompt.strip() or not item.answer.strip():
        problems.append(("empty", "prompt and answer must not be empty"))
    if len(item.prompt) > MAX_PROMPT_CHARS or any(len(o) > MAX_OPTION_CHARS for o in item.options):
        problems.append(("too_long", "prompt or option too long"))
    if item.explanation != quote:
        problems.append(("explanation_not_quote", "the explanation must be the cited quote"))
    if not quote or quote not in section.text:
        problems.append(("quote_not_verbatim", f"quote does not occur verbatim in section {section.ref}"))
    if item.citation.section_title != section.section_title:
        problems.append(("wrong_section_title", f"section {section.ref} is titled {section.section_title!r}"))

    if item.type == "numeric":
        return problems + _check_numeric(item)
    norm_opts = [normalize_answer(o, syn) for o in item.options]
    if item.type in ("mcq", "tf"):
        if item.type == "mcq" and len(item.options) < 3:
            problems.append(("too_few_options", f"{len(item.options)} options"))
        if any(not o for o in norm_opts):
            problems.append(("empty_option", "an option is empty"))
        if len(set(norm_opts)) != len(norm_opts):
            problems.append(("options_repeat", "two options are the same"))
        if norm_opts.count(normalize_answer(item.answer, syn)) != 1:
            problems.append(("answer_not_one_option", "the answer must be exactly one of the options"))
    elif item.options:
        problems.append(("unexpected_options", f"{item.type} items have no options"))
    if problems:
        return problems

    distractors = [o for o in item.options if normalize_answer(o, syn) != normalize_answer(item.answer, syn)]
    if item.type == "tf":
        statement = item.prompt[len(TF_PREFIX):] if item.prompt.startswith(TF_PREFIX) else item.prompt
        in_quote = fold(statement) in fold(quote)
        in_course = any(fold(statement) in fold(s.text) for s in course.sections)
        if item.answer == "True" and not in_quote:
            problems.append(("answer_unsupported", "a true statement must be quoted from its section"))
        if item.answer == "False":
            if in_course:
                problems.append(("distractor_supported", "the 'false' statement occurs in the course, so it is true"))
            elif support(statement, quote, syn) < DISTRACTOR_SUPPORT:
                problems.append(("answer_unsupported", "the quote does not address the statement it refutes"))
    elif item.kind == "list_case":
        # The quote is a list naming every option; it must attach the described case to the answer alone.
        prompt_desc = re.search(r"“([^”]+)”", item.prompt)
        desc = prompt_desc.group(1) if prompt_desc else ""
        attached = re.search(rf"{re.escape(item.answer)}\s*(?:\((?:e\.g\.,?\s*|for example,?\s*)?|—){re.escape(desc)}",
                             quote)
        if not desc or not attached:
            problems.append(("answer_unsupported", "the quote does not attach this description to the answer"))
        for d in distractors:
            if re.search(rf"{re.escape(d)}\s*(?:\(|—){re.escape(desc)}", quote):
                problems.append(("distractor_supported", f"the quote attaches the description to {d!r}"))
            if not re.search(re.escape(d), quote):
                problems.append(("distractor_not_sibling", f"{d!r} is not a member of the quoted list"))
    elif item.kind == "heading_case":
        # The quoted point sits in the paragraph the answer heads; every wrong option heads another paragraph there.
        if heading_of(section, quote) != item.answer:
            problems.append(("answer_unsupported", f"the quoted point is not under the heading {item.answer!r}"))
        headings = section_headings(section)
        for d in distractors:
            if d not in headings:
                problems.append(("distractor_not_sibling", f"{d!r} heads no paragraph of section {section.ref}"))
    elif item.kind == "example_section":
        # The quote lists the example in the answer's own section; every wrong option titles another section of the
        # chapter, none of which gives the same example.
        asked = re.search(r"example: “(.+)”\?$", item.prompt)
        example = asked.group(1) if asked else ""
        if item.answer != section.section_title or not example or example not in quote:
            problems.append(("answer_unsupported", "the quote does not list this example in the answer's section"))
        others = {s.section_title: s for s in course.sections if s.chapter == section.chapter and s.ref != section.ref}
        for d in distractors:
            if d not in others:
                problems.append(("distractor_not_sibling", f"{d!r} titles no other section of chapter {section.chapter}"))
            elif example and fold(example) in fold(others[d].text):
                problems.append(("distractor_supported", f"section {others[d].ref} gives the same example"))
    elif item.kind in ("definition_to_term", "scenario", "question_to_term") or item.type == "cloze":
        if not _named_in(item.answer, quote, terms):
            problems.append(("answer_unsupported", f"the quote does not name {item.answer!r}"))
        for d in distractors:
            if _named_in(d, quote, terms):
                problems.append(("distractor_supported", f"the quote also names {d!r}"))
        if item.type == "cloze" and BLANK not in item.prompt:
            problems.append(("no_blank", "a cloze prompt needs a blank"))
        if item.type == "cloze":
            visible = item.prompt.replace(BLANK, " ")
            if any(t.regex.search(visible) for t in _terms_named_by(item.answer, terms)):
                problems.append(("answer_in_prompt", "the prompt still shows the answer"))
    else:  # term_to_definition, course keys, short answers, staff and LLM items: judged by content words
        s_answer = support(item.answer, quote, syn)
        if item.origin != "course" and s_answer < ANSWER_SUPPORT:
            problems.append(("answer_unsupported", f"only {s_answer:.0%} of the answer's content words are in the quote"))
        # Hand-written keys paraphrase, and their misconceptions may reuse the course's words to say the opposite;
        # word overlap cannot tell those apart, so for them only a near-verbatim distractor counts as supported.
        limit = (KEY_DISTRACTOR_SUPPORT if item.origin == "course" else DISTRACTOR_SUPPORT
                 if item.kind in ("situation_action", "consequence", "cause") else max(DISTRACTOR_SUPPORT, s_answer))
        for d in distractors:
            s_d = support(d, quote, syn)
            if s_d >= limit or fold(d) in fold(quote):
                problems.append(("distractor_supported", f"the quote supports {d!r} ({s_d:.0%})"))
        missing = [k for k in item.key_terms if support(k, quote, syn) < 1.0]
        if item.type == "short" and item.origin != "course" and missing:
            problems.append(("key_terms_unsupported", f"key terms not in the quote: {missing}"))
    return problems


def _check_numeric(item: QuizItem) -> list[tuple[str, str]]:
    """A computed item: a known method, an answer that re-computes from the stated numbers, a quote that names it."""
    import re

    from .computed import METHODS, answer_text, recompute, stated_numbers

    key = item.numeric
    if key is None or key.method not in METHODS:
        return [("no_method", "a numeric item needs a known computation method")]
    if item.options:
        return [("unexpected_options", "numeric items have no options")]
    try:
        value = recompute(key)
    except (KeyError, ZeroDivisionError) as exc:
        return [("does_not_compute", f"the stated numbers do not compute: {exc}")]
    problems = []
    if abs(value - key.value) > 1e-6:
        problems.append(("wrong_answer", f"the numbers give {value}, the key says {key.value}"))
    if item.answer != answer_text(key):
        problems.append(("answer_not_key", f"the answer {item.answer!r} is not the computed value"))
    missing = [n for n in stated_numbers(item) if not re.search(rf"(?<![\d.]){re.escape(n)}(?![\d])", item.prompt)]
    if missing:
        problems.append(("numbers_not_stated", f"the prompt does not state {missing}"))
    if not re.search(METHODS[key.method].quote_cue, item.citation.quote, re.IGNORECASE):
        problems.append(("answer_unsupported", "the quote does not name the method it cites"))
    if not item.solution:
        problems.append(("no_solution", "a computed item needs its worked solution"))
    return problems


@dataclass
class Checked:
    valid: list[QuizItem] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _reject(item: QuizItem, reason: str, detail: str) -> Rejection:
    return Rejection(item_id=item.id, type=item.type, ref=item.citation.ref, reason=reason, detail=detail,
                     prompt=item.prompt[:200])


def check_items(items: Iterable[QuizItem], course: Course) -> Checked:
    """Split items into valid ones and rejections (first reason per item)."""
    out = Checked()
    for it in items:
        problems = check_item(it, course)
        if problems:
            out.rejections.append(_reject(it, *problems[0]))
        else:
            out.valid.append(it)
    return out


def dedup_text(item: QuizItem) -> str:
    return f"{item.prompt} {item.answer}"


def source_key(item: QuizItem) -> tuple:
    """What makes two items on one passage the same question: true/false asks a passage once; other items ask once
    for each thing they want named (a cloze and its multiple-choice twin want the same term)."""
    if item.type == "tf":
        return (item.citation.ref, item.source_hash, "tf")
    return (item.citation.ref, item.source_hash, item.concept or item.kind, fold(item.answer) if not item.concept else "")


class DuplicateFilter:
    """Accepts items one by one, refusing exact duplicates, a second item on the same passage or the same key term,
    and near-duplicates by embedding similarity."""

    def __init__(self, embedder, threshold: float = NEAR_DUPLICATE, kept: Iterable[QuizItem] = (),
                 same_passage: bool = True, one_per_concept: bool = False):
        self.embedder = embedder
        self.threshold = threshold
        self.same_passage = same_passage  # False: only wording decides (staff may ask twice about one passage)
        self.one_per_concept = one_per_concept  # True: a concept is asked once (computed methods always are)
        self.items: list[QuizItem] = []
        self._vectors: list[np.ndarray] = []
        self._vector_items: list[QuizItem] = []
        self._prompts: dict[str, str] = {}
        self._sources: dict[tuple[str, str], str] = {}
        self._concepts: dict[str, str] = {}
        kept = list(kept)
        if kept:
            for it, v in zip(kept, embed_texts([dedup_text(it) for it in kept], embedder)):
                self._register(it, v)

    def cheap_check(self, item: QuizItem) -> tuple[str, str] | None:
        """The checks that need no embedding."""
        p = fold(item.prompt)
        if p in self._prompts:
            return ("duplicate", f"same prompt as {self._prompts[p]}")
        if not self.same_passage:
            return None
        src = source_key(item)
        if src in self._sources:
            return ("same_source", f"same passage and answer as {self._sources[src]}")
        if item.concept and item.concept in self._concepts and (self.one_per_concept or item.type == "numeric"):
            return ("same_concept", f"{item.concept!r} is already asked by {self._concepts[item.concept]}")
        return None

    def _register(self, item: QuizItem, vector: np.ndarray | None) -> None:
        self.items.append(item)
        if vector is not None and item.type != "numeric":
            self._vectors.append(vector)
            self._vector_items.append(item)
        self._prompts[fold(item.prompt)] = item.id
        self._sources[source_key(item)] = item.id
        if item.concept:
            self._concepts[item.concept] = item.id

    def check(self, item: QuizItem, vector: np.ndarray | None = None) -> tuple[str, str] | None:
        cheap = self.cheap_check(item)
        if cheap:
            return cheap
        if item.type == "numeric":
            return None  # same skill, other numbers: the concept rule decides, wording always looks alike
        if vector is None:
            vector = embed_texts([dedup_text(item)], self.embedder)[0]
        if self._vectors:
            sims = np.stack(self._vectors) @ vector
            j = int(np.argmax(sims))
            if sims[j] >= self.threshold:
                return ("near_duplicate", f"cosine {sims[j]:.2f} with {self._vector_items[j].id}")
        return None

    def add(self, item: QuizItem, vector: np.ndarray | None = None) -> tuple[str, str] | None:
        """Add item unless it duplicates one already accepted; returns the reason it was refused."""
        cheap = self.cheap_check(item)
        if cheap:
            return cheap
        if vector is None and item.type != "numeric":
            vector = embed_texts([dedup_text(item)], self.embedder)[0]
        reason = self.check(item, vector)
        if reason is None:
            self._register(item, vector)
        return reason


def validate_quiz(items: list[QuizItem], course: Course, embedder) -> list[Rejection]:
    """Every problem in a finished list of items (intrinsic and duplicates); empty when the quiz is valid."""
    rejections = check_items(items, course).rejections
    bad = {r.item_id for r in rejections}
    good = [it for it in items if it.id not in bad]
    rejections.extend(accept_in_order(good, embedder)[1])
    return rejections


def accept_in_order(ordered: list[QuizItem], embedder,
                    kept: Iterable[QuizItem] = ()) -> tuple[list[QuizItem], list[Rejection]]:
    """Accept items in the given order, refusing duplicates of those already accepted (or kept)."""
    # Only items that survive the cheap checks can need a vector; embed those in one batch up front.
    probe = DuplicateFilter(embedder=embedder, kept=kept) if kept else DuplicateFilter(embedder=embedder)
    likely: list[QuizItem] = []
    for it in ordered:
        if probe.cheap_check(it) is None:
            likely.append(it)
            probe._prompts[fold(it.prompt)] = it.id
            probe._sources[source_key(it)] = it.id
            if it.concept:
                probe._concepts[it.concept] = it.id
    embed_texts([dedup_text(it) for it in likely if it.type != "numeric"], embedder)  # fills the cache
    dup = DuplicateFilter(embedder=embedder, kept=kept)
    n_kept = len(dup.items)
    rejections: list[Rejection] = []
    for it in ordered:
        reason = dup.add(it)
        if reason:
            rejections.append(_reject(it, *reason))
    return dup.items[n_kept:], rejections
