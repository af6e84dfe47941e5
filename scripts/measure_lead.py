"""How often an answer opens with the sentence that answers the question (evals/README.md, "Which
sentence leads"). The eval sets score the cited section, not the lead sentence; this measures the lead.

Two probes, on the configured course (`TUTOR_CORPUS_DIR`, `TUTOR_DATA_DIR`, after ingest):
- every term the course defines (mined as for `eval --definitions`), asked "what is X?": does the answer's first
  sentence hold a defining sentence of the term, and does the answer hold one anywhere;
- each question set given (its single questions with evidence): the same for the evidence, per intent of the
  question (tutor/extractive.py's intent_of: definition, reason, steps, example, comparison, value, general).
Usage: .venv/bin/python scripts/measure_lead.py [SET.jsonl ...]
"""
from __future__ import annotations

import json
import sys

from imaging_tutor.config import Settings
from imaging_tutor.quiz.facts import definitions
from imaging_tutor.services import Services
from imaging_tutor.text import fold
from imaging_tutor.tutor.extractive import intent_of
from imaging_tutor.tutor.pipeline import answer

PREFIX = 50  # characters of a quote compared (quotes may be cut where the answer's markers begin)


def lead_and_anywhere(services, question: str, quotes: list[str]) -> tuple[bool, bool]:
    text = fold(answer(services, question).answer or "")
    first = text.split(" [")[0]
    needles = [fold(q)[:PREFIX] for q in quotes]
    return any(n in first for n in needles), any(n in text for n in needles)


def main(paths: list[str]) -> None:
    services = Services(Settings())
    course = services.course()
    quotes: dict[str, list[str]] = {}
    for fact in definitions(course):
        quotes.setdefault(fact.term, []).append(fact.quote)
    results = [lead_and_anywhere(services, f"what is {term.lower()}?", qs) for term, qs in sorted(quotes.items())]
    print(f"{course.id}, mined terms: {len(results)}, lead holds a definition {sum(r[0] for r in results)}, "
          f"answer holds one {sum(r[1] for r in results)}")
    for path in paths:
        counts: dict[str, list[int]] = {}
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                if row.get("kind") != "answerable" or row.get("history") or not row.get("evidence"):
                    continue
                lead, anywhere = lead_and_anywhere(services, row["question"], row["evidence"])
                c = counts.setdefault(intent_of(row["question"]), [0, 0, 0])
                c[0], c[1], c[2] = c[0] + lead, c[1] + anywhere, c[2] + 1
        total = [sum(c[k] for c in counts.values()) for k in range(3)]
        print(f"{path}: lead holds the evidence / answer holds it / questions: all {total[0]}/{total[1]}/{total[2]}; "
              + ", ".join(f"{i} {c[0]}/{c[1]}/{c[2]}" for i, c in sorted(counts.items())))


if __name__ == "__main__":
    main(sys.argv[1:])
