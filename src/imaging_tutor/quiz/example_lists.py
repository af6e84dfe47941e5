"""Example items: a section that lists its own examples ("Examples include A, B, and C.") asks the learner which
section of the chapter an example belongs to, the chapter's other sections being the wrong options.

Placing a concrete case under the idea it illustrates is applying the chapter, not recalling a sentence. The example,
the section titles and the quote are the course's own words; nothing here knows any course's subject.
"""
from __future__ import annotations

import re

from ..corpus.course import Course, Section
from ..corpus.sentences import split_sentences
from .ids import digest, item_id, rng_for
from .scenarios import COMMAS, top_level_split
from .schema import ItemCitation, QuizItem
from .text import content_stems

# "Examples include …", "Classic examples include …", "Common examples are …": the list the section gives.
_LIST = re.compile(r"^(?:[A-Z][a-z]+ )?(?:[Ee]xamples|[Ee]xamples of (?:this|these|such \w+)) (?:include|are)\s+"
                   r"(?P<list>.+?)\.?$")
_POINTS_BACK = re.compile(r"\b(?:it|its|they|them|their|this|that|these|those)\b", re.IGNORECASE)
MIN_WORDS, MAX_WORDS = 2, 14
MAX_OPTIONS = 4
# A wrong option's section may not use as many of the example's content words as this: it may give the same case.
MAX_SHARED = 0.5


def list_members(text: str) -> list[str]:
    """The members of a comma list ("A, B, or C"), cut at commas outside brackets and quotes. Without a comma there is
    no telling "A or B" from one member with an "or" inside ("reconstruction or denoising that improves image quality
    or reduces dose"): one member, which no item is built from."""
    return top_level_split(text, COMMAS)


def _usable(member: str) -> bool:
    n = len(member.split())
    return (MIN_WORDS <= n <= MAX_WORDS and not _POINTS_BACK.search(member) and member.count("(") == member.count(")")
            and member.count("“") == member.count("”") and not re.search(r"[;:]|\betc\b", member))


def example_section_items(course: Course, section: Section) -> list[QuizItem]:
    """'Which section of chapter N gives this as an example: …?' for each example the section lists."""
    if section.section == 0:
        return []  # a chapter's introduction previews every section's examples
    siblings = [(s.section_title, content_stems(s.text), content_stems(s.section_title)) for s in course.sections
                if s.chapter == section.chapter and s.section and s.ref != section.ref]
    out: list[QuizItem] = []
    for a, b in split_sentences(section.text):
        sentence = section.text[a:b].strip()
        m = _LIST.match(sentence)
        if not m:
            continue
        members = list_members(m.group("list"))
        if len(members) < 2:
            continue
        for member in filter(_usable, members):
            said = content_stems(member)
            if not said or said & content_stems(section.section_title):
                continue  # the example names its own section's title: no choice left
            wrong = [title for title, text_stems, title_stems in siblings
                     if len(said & text_stems) / len(said) < MAX_SHARED and not said & title_stems]
            if len(wrong) < MAX_OPTIONS - 1:
                continue
            iid = item_id(course.version, section.ref, "mcq", "example_section", member, sentence)
            rng = rng_for(iid, "options")
            rng.shuffle(wrong)
            options = [section.section_title, *wrong[:MAX_OPTIONS - 1]]
            rng.shuffle(options)
            prompt = (f"In chapter {section.chapter} (“{section.chapter_title}”), which section gives this as an "
                      f"example: “{member}”?")
            out.append(QuizItem(
                id=iid, type="mcq", prompt=prompt, options=options, answer=section.section_title,
                explanation=sentence,
                citation=ItemCitation(ref=section.ref, section_title=section.section_title, quote=sentence,
                                      chapter=section.chapter, chapter_title=section.chapter_title),
                difficulty="medium", source_hash=digest(section.ref, member, sentence), kind="example_section",
                origin="generated", concept=f"example:{section.ref}:{member.lower()}", level="apply"))
    return out
