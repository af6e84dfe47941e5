"""Hints that scaffold: a ladder climbed one step per request — which section; which idea to look for (a key term);
the key sentence with the answer blanked out; then the answer with its citation. Each step says where on the ladder
the learner is ("hint 2 of 4"). Built from the item alone (its citation, concept, key terms and quote)."""
from __future__ import annotations

import re

from pydantic import BaseModel

from ..corpus.course import Course
from .schema import QuizItem
from .terms import Terms, common_terms
from .text import STOPWORDS, stem, words

STEPS = ("section", "idea", "cloze", "answer")
BLANK = "_____"
MAX_CUED_WORDS = 4  # an answer of a term's length gets a letter cue; a sentence-long one would read as a puzzle


class HintStep(BaseModel):
    step: int  # 1-based
    of: int
    kind: str  # section | idea | cloze | answer
    text: str
    ref: str
    section_title: str
    last: bool


def key_idea(item: QuizItem, terms: Terms, common: frozenset[str]) -> str | None:
    """The term to look for: the item's concept, a key term, or the longest course term the quote names and the
    prompt does not (longest_named_term), never one a wrong option names (it would point at that option)."""
    by_name = terms.by_name
    if item.concept and item.concept in by_name:
        return by_name[item.concept].name
    if item.key_terms:
        return item.key_terms[0]
    wrong = [o for o in item.options if o != item.answer]
    return longest_named_term(item.citation.quote, item.prompt, terms, common, wrong)


def longest_named_term(text: str, shown: str, terms: Terms, common: frozenset[str],
                       wrong: list[str] | tuple[str, ...] = ()) -> str | None:
    """The longest course term `text` names and `shown` does not (what is shown already points there), else the
    longest it names; never a term in `common` (half the course's sections name it: terms.common_terms, it points
    nowhere) nor one a `wrong` text names."""
    named = [t for t in terms.all if t.name not in common and t.regex.search(text)
             and not any(t.regex.search(o) for o in wrong)]
    pool = [t for t in named if not t.regex.search(shown)] or named
    return max(pool, key=lambda t: len(t.name)).name if pool else None


def gives_away(idea: str, item: QuizItem, terms: Terms) -> bool:
    """Whether naming the idea names the answer: a cloze's missing term, or the term a "which term ...?" asks for."""
    answer = item.answer.strip().lower()
    term = terms.by_name.get(idea)
    return bool(answer) and (idea.lower() in answer or answer in idea.lower()
                             or (term is not None and term.regex.search(item.answer) is not None))


def letter_cue(answer: str) -> str:
    """How long the answer is and how it starts, without giving it: 'the answer is one word of 10 letters, starting
    with “p”.'"""
    parts = answer.split()
    if len(parts) == 1:
        letters = sum(ch.isalpha() for ch in answer)
        return f"the answer is one word of {letters} letters, starting with “{answer[0]}”."
    return f"the answer is {len(parts)} words, starting with “{' '.join(p[0] for p in parts)}”."


def opening_letters(answer: str) -> str:
    """Each word of the answer with its first third shown: 'prevalence' -> 'prev______'."""
    def part(w: str) -> str:
        shown = max(1, -(-len(w) // 3))
        return w[:shown] + "_" * (len(w) - shown)

    return " ".join(part(w) for w in answer.split())


def cloze_of_quote(item: QuizItem, terms: Terms, common: frozenset[str]) -> str:
    """The key sentence with what answers the question blanked: the answer's words where the quote has them, else
    the key idea (key_idea, with the same `common`), else its two longest content words the prompt does not show."""
    quote = item.citation.quote
    answer_words = [w for w in re.findall(r"[A-Za-z][A-Za-z-]{3,}", item.answer) if w.lower() not in STOPWORDS]
    targets = []
    if item.type not in ("tf", "numeric"):
        targets = [w for w in answer_words if re.search(rf"\b{re.escape(w)}\b", quote, re.IGNORECASE)]
    if not targets:
        return blank_idea(quote, key_idea(item, terms, common), item.prompt, terms)
    return _blank_words(quote, targets)


def blank_idea(sentence: str, idea: str | None, shown: str, terms: Terms) -> str:
    """The sentence with the key idea (a course term) blanked where it stands, else its two longest content words
    that `shown` (what the learner already sees) does not contain."""
    term = terms.by_name.get(idea) if idea else None
    if term is not None and term.regex.search(sentence):
        return term.regex.sub(BLANK, sentence)
    seen = {stem(w) for w in words(shown)}
    # Longest first, ties in the sentence's order (a set's order would change with the process's hash seed)
    candidates = dict.fromkeys(w for w in re.findall(r"[A-Za-z][A-Za-z-]{4,}", sentence)
                               if w.lower() not in STOPWORDS and stem(w.lower()) not in seen)
    content = sorted(candidates, key=len, reverse=True)
    return _blank_words(sentence, content[:2])


def _blank_words(sentence: str, targets: list[str]) -> str:
    out = sentence
    for w in sorted(dict.fromkeys(targets), key=len, reverse=True)[:4]:  # ties in the given order
        out = re.sub(rf"\b{re.escape(w)}\b", BLANK, out, flags=re.IGNORECASE)
    return out


def hint(item: QuizItem, step: int, course: Course, terms: Terms) -> HintStep:
    """Hint number `step` (1–4) for an item."""
    step = max(1, min(len(STEPS), int(step)))
    c = item.citation
    kind = STEPS[step - 1]
    if kind == "section":
        chapter = f" (chapter {c.chapter}: {c.chapter_title})" if c.chapter and c.chapter_title else ""
        text = f"Look in section [{c.ref}] {c.section_title}{chapter}."
    elif kind == "idea":
        idea = key_idea(item, terms, common_terms(course))
        wrong = [o for o in item.options if o != item.answer]
        if idea and not gives_away(idea, item, terms):
            text = f"In [{c.ref}], look for what the course says about “{idea}”."
        elif wrong and len(item.options) > 2:
            # The term to look for is the answer itself ("which term ...?"), or the key sentence names no course term
            # ("which situation can lead to this: the colony is treated?"): rule an option out
            text = f"In [{c.ref}], the answer is not “{wrong[0]}”."
        elif idea and len(item.answer.split()) <= MAX_CUED_WORDS:  # a cloze's missing term
            text = f"In [{c.ref}], {letter_cue(item.answer)}"
        else:
            text = f"In [{c.ref}], look for the sentence that answers the question directly."
    elif kind == "cloze":
        gapped = cloze_of_quote(item, terms, common_terms(course))
        if item.type == "cloze" and gapped.count(BLANK) == 1:
            # The item is itself the quote with a gap: the same gap again would add nothing, so show its first letters
            gapped = gapped.replace(BLANK, opening_letters(item.answer))
        text = f"The key sentence, with a gap: “{gapped}” [{c.ref}]"
    else:
        solution = f" Worked solution: {' '.join(item.solution)}" if item.solution else ""
        text = f"The answer: {item.answer}.{solution} The course says: “{c.quote}” [{c.ref}]"
    return HintStep(step=step, of=len(STEPS), kind=kind, text=text, ref=c.ref, section_title=c.section_title,
                    last=step == len(STEPS))
