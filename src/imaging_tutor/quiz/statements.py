"""False statements made by verified edits of a true sentence: a number changed, or a negation added to a sentence
that has none. The item's explanation is the true sentence, so the feedback shows what the course actually says.

Verified means: the edited statement occurs nowhere in the course, the edit is the only difference, and the sentence
is one a learner can judge alone. Hedged sentences ("may", "often", "can be") are never negated — "X may not …"
would still be true.
"""
from __future__ import annotations

import re

from ..text import NEGATIONS, fold

_NUMBER = re.compile(r"(?<![\w.,/:-])(\d{1,3}(?:,\d{3})*(?:\.\d+)?)(\s?%| percent)?(?![\w.,/:-]|\.\d)")
_RANGE_NEAR = re.compile(r"(?:\bto|–|-|\bor|\band|\bbetween|/|×|:)\s*$")
_HEDGE = re.compile(r"\b(?:may|might|could|often|usually|sometimes|some|many|most|can be|typically|rarely|likely|"
                    r"perhaps|almost|nearly|roughly|approximately|tend|tends|either|neither|only|even|"
                    r"if|unless|whether|although|though|than)\b", re.IGNORECASE)
# Negatable auxiliaries: "is" -> "is not", "can" -> "cannot", "should" -> "should not". "has"/"have" are left alone
# (possessive "has two labels" would read "has not two labels").
_AUX = re.compile(r"\b(is|are|was|were|can|should|must|will|does|do)\b")
_POINTS_BACK = re.compile(r"\b(?:this|these|those|they|them|such)\b(?! (?:is|are) called)", re.IGNORECASE)


def change_number(sentence: str, rng) -> tuple[str, str, str] | None:
    """(false statement, old number, new number), or None when no number is safe to change.

    Numbers inside ranges ("40 to 60"), ratios, years and section references are left alone."""
    picks = []
    for m in _NUMBER.finditer(sentence):
        before, after = sentence[: m.start()], sentence[m.end():]
        raw = m.group(1)
        value = float(raw.replace(",", ""))
        if _RANGE_NEAR.search(before) or re.match(r"\s*(?:to|–|-|or|and|/|×|:)\s*\d", after):
            continue
        if 1900 <= value <= 2100 and not m.group(2):
            continue  # a year
        if re.search(r"(?:section|chapter|step|phase|type|level|class|grade)\s*$", before, re.IGNORECASE):
            continue
        if re.match(r"\s*(?:st|nd|rd|th)\b", after):
            continue
        if before.endswith("(") and after.startswith(")"):
            continue  # an enumerator: "(1) minimize …"
        picks.append(m)
    if not picks:
        return None
    m = picks[rng.randrange(len(picks))]
    raw = m.group(1)
    value = float(raw.replace(",", ""))
    is_pct = bool(m.group(2))
    new = _other_value(value, is_pct, "." in raw, rng)
    if new is None:
        return None
    new_raw = (f"{new:,.{len(raw.split('.')[1])}f}" if "." in raw else f"{int(new):,}") if "," in raw else \
        (f"{new:.{len(raw.split('.')[1])}f}" if "." in raw else str(int(new)))
    out = sentence[: m.start(1)] + new_raw + sentence[m.end(1):]
    return out, raw, new_raw


def _other_value(value: float, is_pct: bool, decimal: bool, rng) -> float | None:
    """A clearly different value of the same kind: percentages stay in 0–100, fractions in 0–1, counts positive."""
    if decimal and value <= 1:
        options = [round(x, 2) for x in (value / 2, (1 + value) / 2, 1 - value) if 0 < x < 1 and abs(x - value) >= 0.1]
    elif is_pct:
        options = [x for x in (value / 2, value * 2, 100 - value, value + 30, value - 30) if 0 < x < 100
                   and abs(x - value) >= 10 and float(x).is_integer()]
    else:
        if value == 0:
            return None
        options = [x for x in (value * 2, value * 3, value / 2, value + 10) if x > 0 and float(x).is_integer()
                   and x != value]
    return options[rng.randrange(len(options))] if options else None


def negate(sentence: str) -> str | None:
    """The sentence with its one auxiliary negated, or None when it already negates, hedges, or has several."""
    words = set(re.findall(r"[a-z']+", fold(sentence)))
    if words & NEGATIONS or "n't" in fold(sentence) or _HEDGE.search(sentence):
        return None
    auxes = list(_AUX.finditer(sentence))
    if len(auxes) != 1:
        return None
    m = auxes[0]
    head = sentence[: m.start()]
    if m.start() < 3 or len(head.split()) > 8 or re.search(r"[,:;—(]", head):
        return None  # the auxiliary of a subordinate clause, not of the main claim
    if _POINTS_BACK.search(sentence):
        return None  # "… map this to …": judged only with its neighbours
    after = sentence[m.end():].lstrip()
    if re.match(r"(?:also|not|never|no|called|known|why|how|what|that|this)\b", after, re.IGNORECASE):
        return None
    aux = m.group(1)
    new = "cannot" if aux == "can" else f"{aux} not"
    return sentence[: m.start()] + new + sentence[m.end():]
