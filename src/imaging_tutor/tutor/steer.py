"""Messages that steer the conversation instead of asking: "go on", "more", "back to the first topic".

"tell me more" is read as a follow-up, but a bare "more" or "go on" was taken for small talk ("Glad to help …"),
and "back to the first topic" names no topic word, so it was read alone and refused as not covered. Such a message
counts only when every word of it belongs to the request; "tell me more about drift" names its topic and is read as
before. The words are English request forms, the same on every course.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .recap import request_words
from .resolve import PastTurn

_GO_ON_WORDS = frozenset("""more tell me us go on continue keep going carry please pls and what else anything next
then ok okay so yes yeah yep sure a bit little about that it this explain say some""".split())
_GO_ON = re.compile(r"\bmore\b|\bgo on\b|\bcontinue\b|\bkeep going\b|\bcarry on\b|\bwhat else\b|\banything else\b|"
                    r"^\s*(?:and|next|then)\s*[?.!]*\s*$", re.I)
_BACK = re.compile(r"\b(?:(?:go|going|get|come|coming) back to|back to|return(?:ing)? to|revisit(?:ing)?|about)\s+"
                   r"(?:the|my|our|that)\s+(?P<which>first|earliest|original|previous|earlier|last)\s+"
                   r"(?:topic|question|subject|thing|one|point)s?\b|"
                   r"\bwhat (?:we|you|i) (?:discussed|talked about|asked(?: about)?|said) (?P<when>first|earlier|before|"
                   r"at the (?:start|beginning))\b", re.I)
_BACK_WORDS = frozenset("""go going get come coming back to return returning revisit revisiting about the my our that
first earliest original previous earlier other last topic topics question questions subject thing one point can we
let's lets please pls ok okay so i want wanna what we you discussed talked asked said before at start beginning again
now""".split())


@dataclass(frozen=True)
class Steer:
    """The earlier turn the message steers to, and how many answered turns back it is (1: the last one)."""

    turn: PastTurn
    back: int


def go_on(message: str) -> bool:
    """Whether the whole message asks to continue the current topic ("more", "go on", "what else?")."""
    ws = request_words(message)
    return bool(ws) and len(ws) <= 8 and bool(_GO_ON.search(message)) and all(w in _GO_ON_WORDS for w in ws)


def go_back(message: str, past: list[PastTurn]) -> Steer | None:
    """The earlier topic a message like "back to the first topic" returns to: the conversation's first remembered
    topic, or for "previous"/"earlier"/"last" the latest topic before the current one; None otherwise ("the other
    one" is as often the other term of a pair just compared, so it is left to the resolver)."""
    m = _BACK.search(message.replace("’", "'"))
    ws = request_words(message)
    if m is None or not past or not all(w in _BACK_WORDS for w in ws):
        return None
    current = past[-1].subject or past[-1].question
    which = (m.group("which") or m.group("when") or "").lower()
    if which in ("first", "earliest", "original") or which.startswith("at the"):
        return Steer(past[0], len(past))
    for back, turn in enumerate(reversed(past), start=1):
        if (turn.subject or turn.question) != current:
            return Steer(turn, back)
    return None
