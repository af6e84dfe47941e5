"""Fakes for the eval tests, and named as such: a scripted tutor and a hash embedder. The real tutor and the real
MiniLM model are used in test_eval_integration.py and tests/evals/test_support_labels.py."""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

import numpy as np


class FakeEmbedder:
    """A fixed random unit vector per distinct text: identical texts match (cosine 1), different ones do not (~0)."""

    name = "fake-hash-embedder"
    dim = 64

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim)
            out[i] = v / np.linalg.norm(v)
        return out

    def count_tokens(self, text: str) -> int:
        return len(text.split())


def citation(ref: str, quote: str) -> dict:
    chapter, section = (int(x) for x in ref.split("."))
    return {"ref": ref, "chapter": chapter, "section": section, "chapter_title": "t", "section_title": "t",
            "quote": quote, "score": 0.5}


def answered(sentences: list[tuple[str, list[str]]], citations: list[dict], retrieved: list[str], **extra) -> dict:
    """An 'answered' reply whose text is its sentences with their markers, as the contract requires."""
    text = " ".join(s + "".join(f" [{r}]" for r in refs) for s, refs in sentences)
    return {"status": "answered", "answer": text, "citations": citations, "suggestions": [],
            "retrieved": retrieved, "sentences": [{"text": s, "refs": refs} for s, refs in sentences],
            "writer": "fake", **extra}


def refused(status: str = "out_of_scope", retrieved: list[str] | None = None, suggestions: list[dict] | None = None) -> dict:
    return {"status": status, "answer": f"refused ({status})", "citations": [], "suggestions": suggestions or [],
            "retrieved": retrieved or [], "sentences": [], "writer": "fake"}


class FakeTutor:
    """Stands in for imaging_tutor.tutor.pipeline (passed as run_eval(..., tutor=FakeTutor(...))): replies from a
    script keyed by question text and records every call."""

    def __init__(self, script: dict[str, dict | Callable[[], Any]], default: dict | None = None):
        self.script = script
        self.default = default
        self.calls: list[dict] = []
        self.sessions: list[str] = []

    def new_session(self, services, learner_id=None) -> str:
        sid = f"fake-session-{len(self.sessions) + 1}"
        self.sessions.append(sid)
        return sid

    def answer(self, services, question, session_id=None, chapter=None, mode="answer", learner_id=None):
        self.calls.append({"question": question, "session_id": session_id, "chapter": chapter, "mode": mode})
        reply = self.script.get(question, self.default)
        if reply is None:
            raise AssertionError(f"FakeTutor has no reply scripted for {question!r}")
        return reply() if callable(reply) else dict(reply)
