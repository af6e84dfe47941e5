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


# A unit right after a number ("°F", "cm", "mph", "km/h"), and the same quantity given again in brackets in another
# unit ("41°F (5°C)", "12 inches (30 cm)", "±2°F (±1°C)"): the two must change together or the statement gives
# itself away.
_UNIT = r"(?:\s?°\s?[FC]\b|\s?[A-Za-z][A-Za-z/]{0,11}\b)"
_TWIN = re.compile(rf"(?P<u1>{_UNIT})?\s*\(\s*[±~≈]?(?P<twin>\d[\d,]*(?:\.\d+)?)(?P<u2>{_UNIT})\s*\)")
_IS_TWIN = re.compile(rf"\d{_UNIT}?\s*\(\s*[±~≈]?$")


def _twin_value(value: float, new: float, twin: float, u1: str, u2: str) -> float:
    """The bracketed twin of `new`: a temperature converts as the original pair does (41°F (5°C) by the °F↔°C
    formula; a tolerance or a difference, ±2°F (±1°C) or 8°C (15°F) hotter, by scale alone); other units scale."""
    convert = {("°F", "°C"): lambda x: (x - 32) * 5 / 9, ("°C", "°F"): lambda x: x * 9 / 5 + 32}.get(
        (u1.replace(" ", "").upper(), u2.replace(" ", "").upper()))
    if convert is not None and abs(convert(value) - twin) <= 1.5:
        return convert(new)
    return twin * new / value if value else twin


def _fmt(value: float, like: str) -> str:
    """value written like `like` (its decimals and thousands separators)."""
    decimals = len(like.split(".")[1]) if "." in like else 0
    return f"{value:,.{decimals}f}" if "," in like else f"{value:.{decimals}f}"


def change_number(sentence: str, rng) -> tuple[str, str, str] | None:
    """(false statement, old number, new number), or None when no number is safe to change.

    Numbers inside ranges ("40 to 60", "50°F and 70°F"), ratios, years and section references are left alone; a
    number given again in another unit changes with it ("41°F (5°C)" -> "82°F (28°C)"), the bracketed one never
    alone; "1 inch" stays (another number would need "inches")."""
    picks = []
    for m in _NUMBER.finditer(sentence):
        before, after = sentence[: m.start()], sentence[m.end():]
        raw = m.group(1)
        value = float(raw.replace(",", ""))
        if _RANGE_NEAR.search(before) or re.match(rf"{_UNIT}?\s*(?:to|–|-|or|and|/|×|:)\s*\d", after):
            continue
        if _IS_TWIN.search(before):
            continue  # the same quantity in brackets: it changes with the number before it
        if value == 1 and re.match(r"\s?[A-Za-z]", after) and not m.group(2):
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
    new_raw = _fmt(new, raw)
    out = sentence[: m.start(1)] + new_raw
    rest = sentence[m.end(1):]
    twin = _TWIN.match(sentence, m.end()) if not m.group(2) else None
    if twin is not None:
        old_twin = twin.group("twin")
        value_twin = _twin_value(value, new, float(old_twin.replace(",", "")), twin.group("u1") or "",
                                 twin.group("u2"))
        new_twin = _fmt(value_twin, old_twin)
        if new_twin == old_twin or value_twin <= 0 and float(old_twin.replace(",", "")) > 0:
            return None
        rest = sentence[m.end(1):twin.start("twin")] + new_twin + sentence[twin.end("twin"):]
    return out + rest, raw, new_raw


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
