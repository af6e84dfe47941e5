"""Sentence splitting with character offsets, so answers can quote the course's exact sentences."""
from __future__ import annotations

import re

# Abbreviations whose trailing period never ends a sentence in this kind of text.
_ABBREVIATIONS = ("e.g.", "i.e.", "vs.", "etc.", "Dr.", "Mr.", "Ms.", "U.S.", "approx.", "Fig.", "No.")
_BOUNDARY = re.compile(r"[.!?][”’\")\]]*\s+(?=[“‘\"(\[]?[A-Z0-9])")
# A list item's number ("2." in "2. Scrub the chain.", "To lube it: 1. Rinse …") opens its sentence; it never
# ends one.
_LIST_MARKER = re.compile(r"(?:^\s*|:\s+)\d{1,3}[.)]$")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of each sentence in text; paragraphs ("\\n\\n") always end a sentence."""
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        start = para.start()
        body = para.group(0)
        cut = 0
        for m in _BOUNDARY.finditer(body):
            end = m.start() + len(m.group(0).rstrip())
            candidate = body[cut:end]
            if any(candidate.endswith(a) or candidate.endswith(a + ")") for a in _ABBREVIATIONS):
                continue
            if _LIST_MARKER.search(candidate):
                continue
            spans.append((start + cut, start + end))
            cut = m.end()
        if body[cut:].strip():
            spans.append((start + cut, start + len(body.rstrip())))
    return spans


def sentences(text: str) -> list[str]:
    """The sentences of text, verbatim."""
    return [text[a:b] for a, b in split_sentences(text)]


# A learning objective ("Beginner outcome: you can explain …", "Goal: you will be able to …"): a short label, then
# what the learner can do. It restates what its section teaches; it states no fact of its own.
_OBJECTIVE = re.compile(r"^[A-Z][\w’'-]*(?: [\w’'-]+){0,3}:\s+you (?:can|will be able to|should be able to|"
                        r"now know|know|understand)\b", re.I)


def is_learning_objective(sentence: str) -> bool:
    """Whether a sentence tells the learner what they can now do, under a label, rather than saying something."""
    return bool(_OBJECTIVE.match(sentence.strip()))


# About the course, not its subject: navigation, its milestones, what the learner will do.
# Courses write "you’ll" with a typographic apostrophe as often as "you'll".
COURSE_META = re.compile(
    r"^(?:in )?this (?:chapter|section|course|lesson|module)\b|\beach (?:chapter|lesson|module)\b|"
    # the course's own milestones ("This section supports the milestone of …", "Milestone: …", "the next beginner
    # milestone"), not a milestone of the subject ("The first milestone is a starter fund of 1,000 …")
    r"\bthe (?:\w+ )?milestone of\b|\bmilestones?:|\b(?:beginner|learning|course|chapter) milestones?\b|"
    r"\byou(?:['’]ll| will)(?: also)? (?:learn|see|explore|study|practice)\b|"
    r"\bwe(?:['’]ll| will)(?: also)? (?:connect|anchor|look|see|explore|cover|discuss|walk|focus|learn|start|begin|"
    r"turn|return|revisit|examine|review)\b|"
    r"\bby the end of (?:this|the) (?:chapter|course|section)\b|"
    r"^(?:in the )?(?:next|previous|following) (?:chapter|section)\b|"
    r"\bthe (?:sections?|chapters?) (?:that follows?|below|ahead)\b", re.I)


def is_about_the_course(sentence: str) -> bool:
    """Whether a sentence talks about the course itself (its chapters, sections, what the learner will do), not its
    subject: never an answer's sentence, nor a quiz statement or cloze."""
    return bool(COURSE_META.search(sentence))
