"""Question-type and definition cues shared by the ranker and the extractive writer."""
from __future__ import annotations

import re
from functools import lru_cache

from .lexical import tokens

DEFINITION_Q = re.compile(r"^\s*(?:what(?:'s| is| are| does)|whats|wat is|define|meaning of|explain)\b|^\s*[\w\s-]{1,30}\?*\s*$", re.I)
COMPUTE_Q = re.compile(r"\b(?:compute|calculate|calc|work out|formula|example|how many|percent|%|numbers?)\b", re.I)
DEFINITIONAL = re.compile(r"\b(?:is|are|means|refers to|happens when|is called|describes|is the)\b")


@lru_cache(maxsize=4096)
def defined_terms(sentence: str) -> frozenset[str]:
    """Stems of what a sentence defines: 'Sensitivity is …', 'This is called shortcut learning', 'known as …'."""
    m = re.match(r"^(?:[A-Z][\w-]*\s){0,3}?([\w“”\"’'-]+(?:\s[\w-]+){0,3}?)\s(?:is|are|means|refers to|happens when)\b", sentence)
    head = set(tokens(m.group(0))) if m else set()
    called = re.search(r"(?:is called|known as|means)\s([\w\s-]{3,40})", sentence)
    tail = set(tokens(called.group(1))) if called else set()
    return frozenset(head | tail)


def defines(sentence: str, q_tokens: set[str]) -> bool:
    """True when the sentence defines a term the question asks about."""
    return bool(defined_terms(sentence) & q_tokens)
