"""A question set generated from a course's own text: every term the course defines, asked the ways people ask for
a definition. The terms and their defining sentences are mined (quiz/facts.py), so the set exists for any course
without anyone writing questions, and no model is fitted on it: it checks that a course term, asked plainly or
typed alone, is answered from the section that defines it and never taken for small talk.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..corpus.course import Course
from ..errors import InvalidInput

# How people ask what a term means: a question, the bare term (a search box), "what does X mean", "explain X".
FORMS = (("what_is", "what is {t}?"), ("term", "{t}"), ("means", "what does {t} mean?"), ("explain", "explain {t}"))
PREFIX = "definitions-"


def set_name_for(course: Course) -> str:
    """The generated set's name (its thresholds table and baseline are named after it)."""
    return f"{PREFIX}{course.id}"


def definition_rows(course: Course) -> list[dict]:
    """One row per defined term and form; gold = the sections whose sentences define the term (as evidence)."""
    from ..quiz.facts import definitions

    quotes: dict[str, dict[str, str]] = {}
    for fact in definitions(course):
        quotes.setdefault(fact.term, {}).setdefault(fact.ref, fact.quote)
    rows, slugs = [], set()
    for term in sorted(quotes, key=str.lower):
        slug = re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")
        if not slug or slug in slugs:
            continue  # "AI" and "ai", or a term of symbols only: asked once
        slugs.add(slug)
        for form, pattern in FORMS:
            rows.append({"id": f"def-{slug}-{form}", "question": pattern.format(t=term.lower()),
                         "kind": "answerable", "category": "definition", "subtype": form,
                         "evidence": list(quotes[term].values())})
    return rows


def write_definition_set(course: Course, folder: Path) -> Path:
    """Write the course's generated set to <folder>/<set name>.jsonl (replaced whole) and return its path."""
    rows = definition_rows(course)
    if not rows:
        raise InvalidInput(f"course {course.id!r} defines no term the miner recognises ('X is ...', 'X means ...', "
                           "'called X', an acronym spelled out): nothing to ask with --definitions")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{set_name_for(course)}.jsonl"
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)
    return path
