"""Answers computed at once per process are bounded (Settings.answer_concurrency): more than the process's share of
the cores only queue for the GIL. The bound covers the computing part only: an LLM writer's wait is outside it."""
from __future__ import annotations

import threading
import time

import pytest

from imaging_tutor.tutor import pipeline

QUESTIONS = ["What is PPV?", "What is drift?", "What is shortcut learning?", "What is a label?",
             "What is inference?", "What is specificity?"]


def answers_in_parallel(services, monkeypatch) -> tuple[int, list[str]]:
    """Most answers seen computing at once while six threads ask, and their statuses (real model and index)."""
    inside, most, lock = 0, 0, threading.Lock()
    real = pipeline.read_turn

    def counting(*args, **kwargs):
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.05)  # long enough for every thread to arrive while one computes
            return real(*args, **kwargs)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(pipeline, "read_turn", counting)
    statuses: list[str] = []
    threads = [threading.Thread(target=lambda q=q: statuses.append(pipeline.answer(services, q).status))
               for q in QUESTIONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most, statuses


@pytest.mark.parametrize("limit", [1, 3])
def test_at_most_the_configured_answers_compute_at_once(make_services, tutor_settings, monkeypatch, limit):
    services = make_services(tutor_settings.model_copy(update={"answer_concurrency": limit}))
    services.index()  # built once before the threads start
    most, statuses = answers_in_parallel(services, monkeypatch)
    assert statuses == ["answered"] * len(QUESTIONS)
    assert most == limit  # never more; and the bound, not something else, is what serialises them


class FakeWriterThatChecksTheSlot:
    """A named stand-in for the LLM writer: while it 'waits on the endpoint' it records whether another answer
    could start computing (the process's only slot is free)."""

    name = "llm:fake-slot-check"

    def __init__(self, services, text: str):
        self.services, self.text = services, text
        self.slot_free: list[bool] = []

    def write(self, question: str, passages: str) -> str:
        slot = self.services.answer_slot()
        free = slot.acquire(blocking=False)
        if free:
            slot.release()
        self.slot_free.append(free)
        return self.text

    def stream(self, question: str, passages: str):
        yield self.write(question, passages)


def test_the_llm_writers_wait_holds_no_slot(make_services, tutor_settings):
    settings = tutor_settings.model_copy(update={"answer_concurrency": 1})
    services = make_services(settings)
    writer = FakeWriterThatChecksTheSlot(services, "PPV and NPV depend heavily on prevalence, how common the "
                                                   "condition is in the population being tested. [4.3]")
    services._writer, services._writer_built = writer, True
    result = pipeline.answer(services, "What is PPV?")
    assert result.writer == writer.name and result.status == "answered"
    assert writer.slot_free and all(writer.slot_free)
