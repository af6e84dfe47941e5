"""The question set generated from a course's own definitions (evals/definitions.py) and `eval --definitions`."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from imaging_tutor.cli import main
from imaging_tutor.corpus.course import load_course
from imaging_tutor.errors import InvalidInput
from imaging_tutor.evals.definitions import FORMS, definition_rows, set_name_for, write_definition_set
from imaging_tutor.evals.sets import parse_set

ROOT = Path(__file__).resolve().parents[2]
COURSES = [ROOT / "corpus" / "ai-in-medical-imaging",
           *sorted(p for p in (ROOT / "tests" / "fixtures" / "courses").iterdir() if p.is_dir())]


def test_every_course_gets_a_valid_set_of_its_own_defined_terms():
    for folder in COURSES:
        course = load_course(folder)
        rows = definition_rows(course)
        eval_set = parse_set("".join(json.dumps(r) + "\n" for r in rows), course, name=set_name_for(course))
        terms = {r["id"].rsplit("-", 1)[0] for r in rows}
        assert len(terms) >= 5, folder.name  # every test course defines a handful of terms at least
        assert len(rows) == len(terms) * len(FORMS) and len({r["id"] for r in rows}) == len(rows)
        assert all(q.kind == "answerable" and q.category == "definition" and q.gold_refs for q in eval_set.questions)


def test_gold_is_the_section_whose_sentence_defines_the_term():
    course = load_course(COURSES[0])
    rows = {r["question"]: r for r in definition_rows(course)}
    shortcut = rows["what is shortcut learning?"]
    assert any("shortcut learning" in e.lower() for e in shortcut["evidence"])
    eval_set = parse_set(json.dumps(shortcut) + "\n", course)
    assert "5.3" in eval_set.questions[0].gold_refs
    assert {"shortcut learning", "what does shortcut learning mean?", "explain shortcut learning"} <= set(rows)


def test_a_course_that_defines_nothing_is_a_clear_error(monkeypatch, tmp_path):
    import imaging_tutor.quiz.facts as facts

    monkeypatch.setattr(facts, "definitions", lambda course: [])  # a fake miner that finds no definition
    with pytest.raises(InvalidInput, match="defines no term"):
        write_definition_set(load_course(COURSES[0]), tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_eval_definitions_runs_the_generated_set_against_its_floors(tutor_services, tmp_path, capsys):
    code = main(["eval", "--definitions", "--no-store", "--json"], services=tutor_services)
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["set_name"] == "definitions-ai-in-medical-imaging" and out["gate"]["passed"]
    assert out["thresholds"]["min"]["first_citation_accuracy"] >= 0.85  # its own table in evals/thresholds.toml
    assert out["diff"] is None  # no --baseline asked for
    # The course's terms asked plainly are answered, never taken for small talk ("what is clinical governance?"
    # was, before the acts model learned that a clarification naming its subject is a question).
    statuses = {r["question"]: r["status"] for r in out["rows"]}
    assert "small_talk" not in {statuses[f"{form.format(t='clinical governance')}"] for _, form in FORMS}
    assert out["metrics"]["false_refusal"] <= 0.03
    written = write_definition_set(tutor_services.course(), tmp_path)
    assert written.name == "definitions-ai-in-medical-imaging.jsonl"


def test_eval_needs_a_set_or_definitions(tutor_services, capsys):
    assert main(["eval", "--no-store"], services=tutor_services) == 2
    assert "--definitions" in capsys.readouterr().err
