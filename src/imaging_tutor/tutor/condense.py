"""Resolve follow-up questions ("and specificity?", "how do you monitor for it?") against the earlier turns."""
from __future__ import annotations

import re

from ..text import tokens

_FOLLOW_UP_START = re.compile(r"^\s*(?:and|but|so|also|what about|how about|then|ok(?:ay)?|and what about|same for|"
                              r"what else|why|how come|really)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|its|it's|they|them|their|this|that|these|those|there|he|she|one|ones)\b", re.I)


def is_follow_up(question: str) -> bool:
    """Short questions that lean on context: a connective opener, or a pronoun with few content words."""
    content = tokens(question)
    if _FOLLOW_UP_START.match(question) and len(content) <= 4:
        return True
    if len(content) <= 2:  # "examples of the cues?", "why?": too little to stand on its own in a conversation
        return True
    if _PRONOUN.search(" ".join(question.split()[:3])) and re.match(r"^\s*(?:why|how|what|when|where|who|does|do|is|are|can|could|should|would|will)\b", question, re.I):
        return True  # "why does it drop …", "how do they …": the subject is the earlier topic
    return bool(_PRONOUN.search(question)) and len(content) <= 3


def condense(question: str, previous: list[str]) -> tuple[str, str]:
    """Return (retrieval query, focus): the query carries the previous topic, the focus is what is asked now."""
    if not previous or not is_follow_up(question):
        return question, question
    last = previous[-1]
    return f"{question} ({last})", question
