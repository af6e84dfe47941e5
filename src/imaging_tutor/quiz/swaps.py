"""Swapped siblings in a written answer: what the course says of one term of a contrasting pair, said of the other."""
from __future__ import annotations

import re

from .terms import NO_TERMS, Terms
from .text import stems


def _descriptions(text: str, a, b) -> tuple[set[str], set[str]]:
    """Content stems that follow each mention of a (or b) up to the next mention or the end of the sentence."""
    marks = sorted([(m.start(), m.end(), 0) for m in a.regex.finditer(text)] +
                   [(m.start(), m.end(), 1) for m in b.regex.finditer(text)])
    own = set(stems(a.name)) | set(stems(b.name))
    out: tuple[set[str], set[str]] = (set(), set())
    for i, (_start, end, which) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        segment = re.split(r"[.;!?]", text[end:stop], maxsplit=1)[0]
        out[which].update(set(stems(segment)) - own)
    return out


def swapped_pair(key: str, response: str, terms: Terms = NO_TERMS) -> tuple[str, str] | None:
    """A contrasting pair of the course (training/inference, sensitivity/specificity, …) whose descriptions the
    response attaches the wrong way round, e.g. 'inference is when the model learns from labelled data'."""
    by_name = terms.by_name
    for a in terms.all:
        if not a.partner or a.name > a.partner:
            continue
        b = by_name[a.partner]
        ka, kb = _descriptions(key, a, b)
        if not (ka and kb):
            continue
        ra, rb = _descriptions(response, a, b)
        straight = len(ra & ka) + len(rb & kb)
        crossed = len(ra & kb) + len(rb & ka)
        if crossed > straight + 1:
            return (a.name, b.name)
    return None
