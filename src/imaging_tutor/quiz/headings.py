"""Heading items: a section that sorts its content under short headings ("Evidence and fit: …", "Support and
reliability: …") asks the learner to place one of its concrete points under the right heading, the other headings
being the wrong options. The point, the headings and the quote are the course's own words.
"""
from __future__ import annotations

import re
from collections import Counter

from ..corpus.course import Course, Section
from ..corpus.sentences import split_sentences
from .facts import leans_on_neighbours
from .ids import digest, item_id, rng_for
from .schema import ItemCitation, QuizItem
from .text import content_stems

# "Label: body" at the start of a paragraph; a label is a short noun phrase, not a sentence ("A useful mindset: …"
# is a lead-in, which the run rule below leaves out when it stands alone).
_LABELLED = re.compile(r"^(?P<label>[A-Z][\w/&-]*(?: [\w/&-]+){0,3}):\s+(?P<body>\S.+)$", re.DOTALL)
MIN_RUN = 3  # fewer headings than this make a guess, not a choice
MAX_OPTIONS = 4


def _label_of(paragraph: str) -> tuple[str, str] | None:
    m = _LABELLED.match(paragraph.strip())
    return (m.group("label"), m.group("body")) if m else None


def _structural_labels(course: Course) -> frozenset[str]:
    """Labels used in more than one section ("Beginner outcome", "Practical outcome") mark the course's own
    structure, not the section's subject, so they are never one of a section's headings."""
    seen: Counter[str] = Counter()
    for s in course.sections:
        seen.update({lab[0].lower() for p in s.paragraphs if (lab := _label_of(p))})
    return frozenset(label for label, n in seen.items() if n > 1)


def heading_of(section: Section, quote: str) -> str | None:
    """The heading of the paragraph that holds quote (None when that paragraph has none)."""
    for p in section.paragraphs:
        if quote in p:
            lab = _label_of(p)
            return lab[0] if lab else None
    return None


def section_headings(section: Section) -> set[str]:
    """Every heading that opens one of the section's paragraphs."""
    return {lab[0] for p in section.paragraphs if (lab := _label_of(p))}


def heading_runs(course: Course, section: Section) -> list[list[tuple[str, str]]]:
    """Runs of at least MIN_RUN consecutive paragraphs that each open with a heading of the section's own."""
    structural = _structural_labels(course)
    runs, run = [], []
    for p in section.paragraphs:
        lab = _label_of(p)
        if lab and lab[0].lower() not in structural:
            run.append(lab)
            continue
        if len(run) >= MIN_RUN:
            runs.append(run)
        run = []
    if len(run) >= MIN_RUN:
        runs.append(run)
    return runs


def _gives_away(sentence: str, labels: list[str]) -> bool:
    """A point that shares a content word with any heading names its answer (or rules one out)."""
    said = content_stems(sentence)
    return any(content_stems(label) & said for label in labels)


def heading_items(course: Course, section: Section) -> list[QuizItem]:
    """'Under which of the section's headings does this point belong?' for each self-contained point."""
    out: list[QuizItem] = []
    for run in heading_runs(course, section):
        labels = [label for label, _ in run]
        for label, body in run:
            for a, b in split_sentences(body):
                point = body[a:b].strip()
                if len(point.split()) < 6 or leans_on_neighbours(point) or _gives_away(point, labels):
                    continue
                wrong = [other for other in labels if other != label]
                iid = item_id(course.version, section.ref, "mcq", "heading_case", label, point)
                rng = rng_for(iid, "options")
                rng.shuffle(wrong)
                options = [label, *wrong[:MAX_OPTIONS - 1]]
                rng.shuffle(options)
                prompt = (f"“{section.section_title}” sorts its points under headings. Under which heading does "
                          f"the course put this point: “{point.rstrip('.?')}”?")
                quote = f"{label}: {point}" if body.startswith(point) else point
                out.append(QuizItem(
                    id=iid, type="mcq", prompt=prompt, options=options, answer=label,
                    explanation=quote,
                    citation=ItemCitation(ref=section.ref, section_title=section.section_title, quote=quote),
                    difficulty="medium", source_hash=digest(section.ref, label, point), kind="heading_case",
                    origin="generated", concept=f"heading:{section.ref}:{label.lower()}", level="apply"))
    return out
