"""Hint mode in chat: a ladder climbed one step per request, as a quiz item's hints are (quiz/hints.py) — which
section; which idea to look for (a course term); the key sentence with that idea blanked; then the answer with its
citations. Each step says where the learner is ("Hint 2 of 4"); asking the same question again, or "another hint",
climbs one step, and "just tell me" goes straight to the answer. Built from the extractive answer the question would
get, so every step points into the course."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from ..corpus.course import Course
from ..quiz.hints import STEPS, blank_idea, longest_named_term
from ..quiz.terms import Terms, common_terms
from ..text import tokens, words
from .schemas import Answer, AnswerSentence, Citation

# "hint", "another hint", "next clue please", "more", "still stuck": English, the same for every course.
_NEXT = re.compile(r"^\s*(?:(?:a|another|one more|next)\s+)?(?:hint|clue)s?(?:\s+please)?\s*[.!?]*\s*$|"
                   r"^\s*(?:more|next|(?:i'?m\s+)?(?:still\s+)?stuck)\s*[.!?]*\s*$", re.I)
# "just tell me", "what's the answer?", "I give up": the ladder's last step (the answer with its citations) at once.
# A learner who wants the answer and gets "Hint 1 of 4" again, for a question about the words "just tell me", is
# worse off than one who never asked for hints.
_REVEAL = re.compile(r"^\s*(?:(?:ok(?:ay)?|fine|please|come on)[,.!\s]+)*(?:(?:just|can you|could you|please)\s+)*"
                     r"(?:(?:tell|show|give)\s+me(?:\s+(?:the\s+)?(?:answer|it))?|"
                     r"(?:tell|show|give)\s+(?:the\s+)?answer)"
                     r"(?:\s+(?:already|now|please))*\s*[.!?]*\s*$|"
                     r"^\s*(?:so\s+)?(?:what'?s|what\s+is)\s+the\s+answer\s*[.!?]*\s*$|"
                     r"^\s*(?:(?:ok(?:ay)?|fine)[,.!\s]+)*i\s+give\s+up\s*[.!?]*\s*$|"
                     r"^\s*reveal(?:\s+(?:it|the\s+answer))?\s*[.!?]*\s*$", re.I)
_CUES = (
    (re.compile(r"\b(?:compute|calculate|work out|formula|how many|percent)\b", re.I),
     "Which numbers in the worked example would you compare, and which one goes on the bottom of the fraction?"),
    (re.compile(r"^\s*why\b", re.I), "What could go wrong, and for whom, if this were ignored?"),
    (re.compile(r"^\s*how\b", re.I), "What steps or checks does that section describe, and in what order would you use them?"),
    (re.compile(r"\b(?:difference|differ|vs|versus|compare)\b", re.I),
     "What question does each idea answer, and what kind of mistake does each one protect against?"),
)
# "give me a hint about PPV", "can I get a clue on drift?", "hint: what is AUC?", "hint please": a request for a hint,
# in answer mode too (a learner who asks for a hint must not get the answer). English, the same for every course.
_ASKS_HINT = re.compile(
    r"^\s*(?:(?:ok(?:ay)?|so|please|pls|hey|hi)[,.!\s]+)*"
    r"(?:(?:(?:can|could|may)\s+(?:i|you)\s+(?:get|have|give\s+me)|i'?d\s+like|i\s+would\s+like|i\s+want|i\s+need|"
    r"give\s+me|just|please)\s+)*"
    r"(?:(?:a|an|another|one\s+more|some|a\s+small|a\s+little|a\s+quick)\s+)?(?:hint|clue|nudge)s?\b"
    r"(?:\s+(?:please|pls|instead|first|only))*\s*"
    r"(?:(?:[:,-]|about|on|for|with|regarding|to)\s*(?P<rest>.*?))?\s*[.!?]*\s*$", re.I)
SHORT_CLOZE = 6  # words: a gapped sentence shorter than this is shown after the answer's sentence before it
NOTHING_TO_CLIMB = ("Ask me a question about the course first, and I will guide you to the answer one hint at a "
                    "time.")
_DEFAULT_CUE = "How would you put the key idea of that passage in your own words, with one example from the course?"


@dataclass(frozen=True)
class LastHint:
    """The ladder the conversation's last turn was on."""

    question: str  # what the learner asked
    focus: str     # what the tutor read it as (a follow-up carries its subject)
    step: int


def wants_next_hint(message: str) -> bool:
    return bool(_NEXT.match(message)) or wants_answer(message) or hint_request(message) == ""


def hint_request(message: str) -> str | None:
    """What a request for a hint is about ("give me a hint about PPV" -> "PPV"; "" for a bare "hint please"), or
    None when the message asks for no hint ("what is a hint?" asks about the word)."""
    m = _ASKS_HINT.match(message.replace("’", "'"))
    if m is None:
        return None
    rest = re.sub(r"(?:[\s,]+(?:please|pls|thanks|thank you))+$", "", (m.group("rest") or "").strip(), flags=re.I)
    return "" if rest.lower() in ("", "it", "this", "that", "this one", "that one", "the question") else rest


def wants_answer(message: str) -> bool:
    """The learner asks for the answer itself ("just tell me"): the ladder jumps to its last step."""
    return bool(_REVEAL.match(message.replace("’", "'")))


def next_step(message: str, last: LastHint) -> int:
    """The step a climbing message asks for: the answer for "just tell me", else one step up."""
    return len(STEPS) if wants_answer(message) else last.step + 1


def last_hint(rows) -> LastHint | None:
    """The hint the conversation's last stored turn gave, if it was one."""
    if not rows:
        return None
    try:
        data = json.loads(rows[-1].answer_json or "{}")
    except ValueError:
        return None
    h = data.get("hint") if isinstance(data, dict) else None
    if data.get("mode") != "hint" or not isinstance(h, dict):
        return None
    try:
        step = int(h.get("step", 1))
    except (TypeError, ValueError):
        step = 1
    return LastHint(str(h.get("question") or rows[-1].question), str(h.get("focus") or rows[-1].question), step)


def climbs(message: str, last: LastHint | None) -> bool:
    """The message asks for the next step of the last hint: "another hint", "just tell me", or the same question
    again."""
    return last is not None and (wants_next_hint(message) or words(message) == words(last.question))


def cue_for(question: str) -> str:
    return next((c for pattern, c in _CUES if pattern.search(question)), _DEFAULT_CUE)


def key_idea(sentence: str, question: str, terms: Terms, common: frozenset[str]) -> str | None:
    """The course term to look for: the longest one the key sentence names and the question does not, else the
    longest one it names, never one in `common` ("model" in a course about AI: it points nowhere)."""
    return longest_named_term(sentence, question, terms, common)


def key_sentence(question: str, full: Answer) -> AnswerSentence:
    """The answer's sentence that shares most of the question's words (the first, on a tie): the one to point at."""
    asked = set(tokens(question))
    return max(enumerate(full.sentences), key=lambda p: (len(asked & set(tokens(p[1].text))), -p[0]))[1]


def hint_answer(step: int, question: str, focus: str, full: Answer, course: Course, terms: Terms) -> Answer:
    """Step `step` (1-4) of the ladder for a question whose extractive answer is `full`."""
    step = max(1, min(len(STEPS), int(step)))
    kind = STEPS[step - 1]
    key = key_sentence(question, full)
    ref = key.refs[0]
    section = course.section(ref)
    prefix = f"Hint {step} of {len(STEPS)}"
    if kind == "answer":
        text = f"{prefix}, the answer: {full.answer}"
        citations, sentences = full.citations, full.sentences
    else:
        if kind == "section":
            line = (f"{prefix}: look in section [{ref}] {section.section_title} (chapter {section.chapter}: "
                    f"{section.chapter_title}).")
            cue = cue_for(question)
        elif kind == "idea":
            idea = key_idea(key.text, question, terms, common_terms(course))
            line = (f"{prefix}: in [{ref}], look for what the course says about “{idea}”." if idea
                    else f"{prefix}: in [{ref}], look for the sentence that answers the question directly.")
            # each step asks a little more of the learner: now an answer of their own, before the gap is shown
            cue = (f"Try answering in one sentence that uses “{idea}”, before the next hint." if idea
                   else f"Try answering in one sentence from what [{ref}] says, before the next hint.")
        else:
            gapped = blank_idea(key.text, key_idea(key.text, question, terms, common_terms(course)), question, terms)
            at = full.sentences.index(key)
            if len(words(gapped)) < SHORT_CLOZE and at > 0 and full.sentences[at - 1].refs[:1] == [ref]:
                # "That is _____." says nothing alone: the sentence it follows in the answer comes with it
                gapped = f"{full.sentences[at - 1].text} {gapped}"
            line = f"{prefix}: the key sentence, with a gap: “{gapped}” [{ref}]"
            cue = "What fills the gap? Say it before you ask for the last step, which is the answer."
        text = f"{line}\n\nGuiding question: {cue}\n\nAsk again, or say “another hint”, for the next step."
        opening = " ".join(key.text.split()[:4])
        citations = [Citation.of(section, opening)]
        sentences = [AnswerSentence(text=line, refs=[ref])]
    hint = {"step": step, "of": len(STEPS), "kind": kind, "ref": ref, "section_title": section.section_title,
            "last": step == len(STEPS), "question": question, "focus": focus}
    return Answer(status="answered", answer=text, citations=citations, sentences=sentences,
                  suggestions=full.suggestions, mode="hint", hint=hint)
