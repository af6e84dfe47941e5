"""Deterministic ids and seeded randomness, so the same inputs always give the same items and quizzes."""
from __future__ import annotations

import hashlib
import random


def digest(*parts: object, length: int = 16) -> str:
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


def item_id(course_version: str, ref: str, type_: str, kind: str, variant: str, source: str) -> str:
    """Item id: hash of course version, section ref, type, how it was built, and the source passage."""
    return "i" + digest(course_version, ref, type_, kind, variant, source)


def rng_for(*parts: object) -> random.Random:
    """A Random seeded from the given parts (stable across processes, unlike hash())."""
    return random.Random(int(digest(*parts), 16))
