"""The same question typed in other ways people type (a phone's curly apostrophes, caps lock, marks without spaces,
a greeting first, a thank-you last) gets the same answer as typed plainly: status, text and citations.

The questions are the held-out grounding and workplace sets' (read here, never fitted on); a reading change that
lets a style through to the scope guard, the medical model or retrieval fails this."""
from __future__ import annotations

import json
import re

from imaging_tutor.tutor import pipeline as tutor

from conftest import ROOT

STYLES = {
    "curly apostrophes": lambda q: q.replace("'", "’"),
    "no space after marks": lambda q: re.sub(r"([.?!])\s+(?=[A-Za-z])", r"\1", q),
    "greeting first": lambda q: "Good morning. " + q,
    "announced": lambda q: "hey there, quick question: " + q,
    "thanks last": lambda q: q.rstrip() + " thanks!",
}


def _questions(name: str, n: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "evals" / "sets" / f"{name}.jsonl").read_text().splitlines()]
    return [r["question"] for r in rows if not r.get("history")][:n]


QUESTIONS = _questions("grounding", 25) + _questions("workplace", 15)


def _reading(answer) -> tuple:
    return answer.status, answer.answer, [c.ref for c in answer.citations]


def test_a_question_typed_another_way_gets_the_same_answer(tutor_services):
    typed = {q: _reading(tutor.answer(tutor_services, q)) for q in QUESTIONS}
    differs = {}
    for style, restyle in STYLES.items():
        changed = [q for q in QUESTIONS if _reading(tutor.answer(tutor_services, restyle(q))) != typed[q]]
        if changed:
            differs[style] = f"{len(changed)} of {len(QUESTIONS)}, e.g. {changed[0]!r}"
    assert not differs, differs


def test_caps_lock_reads_as_the_same_words_in_lower_case(tutor_services):
    # Capitals carry what lower case cannot ("LVO", "Germany"), so a shouted question is compared with the same
    # words typed in lower case; read as typed, 0.47 of the workplace questions were refused.
    changed = [q for q in QUESTIONS if _reading(tutor.answer(tutor_services, q.upper()))
               != _reading(tutor.answer(tutor_services, q.lower()))]
    assert not changed, f"{len(changed)} of {len(QUESTIONS)}, e.g. {changed[0]!r}"
