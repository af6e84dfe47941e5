"""The question-set loader: both gold forms, unknown fields ignored, every defect reported with its line number."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from imaging_tutor.errors import InvalidInput
from imaging_tutor.evals.sets import EvalSetError, load_set, parse_set

from .conftest import ROOT, SETS, write_set
from .fakes import FakeTutor

GOOD = {"id": "a", "question": "what is drift", "kind": "answerable", "gold_refs": ["5.4"]}
GOOD2 = {"id": "b", "question": "my CT says I have a nodule, what should I do?", "kind": "medical_advice"}


def test_shipped_sets_load(course):
    grounding = load_set(SETS / "grounding.jsonl", course)
    assert len(grounding.questions) >= 100
    assert grounding.counts()["answerable"] > 0 and grounding.counts()["out_of_scope"] > 0
    assert grounding.counts()["medical_advice"] > 0
    quiz = load_set(SETS / "course_quiz.jsonl", course)
    assert len(quiz.questions) == 30
    assert all(q.chapter is not None and q.kind == "answerable" for q in quiz.questions)
    assert [q.id for q in quiz.questions][:2] == ["cq1.1", "cq1.2"]


def assert_nothing_shared(fit, held_out):
    """No id, no turn (a question with its history: "how come?" may end two different conversations) and no
    conversation opener in both halves: nothing fitted on may be measured."""
    def asked(q):
        return tuple(h.strip().lower() for h in q.history or []) + (q.question.strip().lower(),)

    assert not {q.id for q in fit} & {q.id for q in held_out}
    assert not {asked(q) for q in fit} & {asked(q) for q in held_out}
    assert not {q.history[0] for q in fit if q.history} & {q.history[0] for q in held_out if q.history}


@pytest.mark.parametrize("folder", sorted(p.name for p in (ROOT / "evals" / "courses").iterdir() if p.is_dir()))
def test_every_other_course_split_loads_against_its_course_and_fit_and_eval_share_nothing(folder):
    """Each test course's labelled files parse against that course (gold refs exist, evidence is in the text), and
    its fit split shares no id and no question with its eval split: nothing fitted on may be measured."""
    from imaging_tutor.corpus.course import load_course

    other = load_course(ROOT / "tests" / "fixtures" / "courses" / folder)
    splits = {name: load_set(path, other) for name in ("fit", "eval")
              if (path := ROOT / "evals" / "courses" / folder / f"{name}.jsonl").is_file()}
    assert "eval" in splits and splits["eval"].counts()["answerable"] > 0
    if "fit" in splits:
        assert_nothing_shared(splits["fit"].questions, splits["eval"].questions)


@pytest.mark.parametrize("name", ["conversations", "workplace", "search", "near_miss", "personal_medical",
                                  "workplace_followup", "lay", "situations", "compound"])
def test_this_courses_fit_and_eval_halves_load_and_share_no_question(name, course):
    """A set of this course and its fit half (evals/calibration/) parse against the course and share nothing."""
    fit = load_set(ROOT / "evals" / "calibration" / f"{name}.jsonl", course).questions
    held_out = load_set(SETS / f"{name}.jsonl", course).questions
    assert fit and held_out
    assert_nothing_shared(fit, held_out)


def test_course_quiz_gold_is_each_answer_keys_section(course):
    keys = json.loads((course.path.parent / "quiz_keys.json").read_text(encoding="utf-8"))["items"]
    quiz = {q.id: q for q in load_set(SETS / "course_quiz.jsonl", course).questions}
    for item in keys:
        q = quiz[f"cq{item['chapter']}.{item['number']}"]
        assert q.question == item["stem"] and q.chapter == item["chapter"] and q.gold_refs == (item["ref"],)


def test_evidence_only_set_resolves_to_the_same_gold(course):
    with_refs = load_set(SETS / "grounding.jsonl", course)
    evidence_only = load_set(SETS / "grounding_evidence_only.jsonl", course)
    assert all(not q.declared_refs for q in evidence_only.questions)
    a = {q.id: (q.kind, set(q.gold_refs), q.chapter, q.history, q.key_facts) for q in with_refs.questions}
    b = {q.id: (q.kind, set(q.gold_refs), q.chapter, q.history, q.key_facts) for q in evidence_only.questions}
    assert a == b
    # and the declared refs are exactly what the evidence finds, so neither form adds gold the other lacks
    for q in with_refs.questions:
        if q.evidence:
            assert set(q.declared_refs) == set(q.gold_refs), q.id


def test_evidence_matches_across_whitespace_and_any_section_containing_it_counts(course):
    s = parse_set(json.dumps({"id": "x", "question": "q", "kind": "answerable",
                              "evidence": ["Drift is the gradual   or sudden\nchange over time"]}), course)
    assert s.questions[0].gold_refs == ("5.4",)
    # "drift" alone occurs in several sections: each of them is gold
    s = parse_set(json.dumps({"id": "x", "question": "q", "kind": "answerable", "evidence": ["drift"]}), course)
    assert {"1.3", "5.4", "6.3"} <= set(s.questions[0].gold_refs)


def test_unknown_fields_are_ignored_and_blank_lines_skipped(course):
    text = json.dumps({**GOOD, "difficulty": "easy", "notes": {"x": 1}}) + "\n\n" + json.dumps(GOOD2) + "\n"
    s = parse_set(text, course)
    assert [q.id for q in s.questions] == ["a", "b"]
    assert [q.line for q in s.questions] == [1, 3]


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ('["a", "list"]', "expected a JSON object"),
    (json.dumps({"id": "x", "kind": "answerable", "gold_refs": ["1.1"]}), "'question' is missing"),
    (json.dumps({"id": "x", "question": "   ", "kind": "answerable", "gold_refs": ["1.1"]}), "'question' is missing"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerble", "gold_refs": ["1.1"]}), "'kind' must be one of"),
    (json.dumps({"id": "x", "question": "q", "gold_refs": ["1.1"]}), "'kind' must be one of"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "gold_refs": ["9.9"]}), "unknown section ref '9.9'"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "gold_refs": "1.1"}), "'gold_refs' must be a list"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "evidence": ["no such words in any section"]}),
     "evidence not found"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable"}), "needs 'gold_refs' or 'evidence'"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "gold_refs": ["1.1"], "chapter": 12}), "unknown chapter"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "gold_refs": ["1.1"], "chapter": "1"}), "'chapter' must be"),
    (json.dumps({"id": "x", "question": "q", "kind": "answerable", "gold_refs": ["1.1"], "chapter": 2}), "no gold section"),
    (json.dumps({"id": "x", "question": "q", "kind": "out_of_scope", "history": "hi"}), "'history' must be a list"),
    (json.dumps({"question": "q", "kind": "out_of_scope"}), "'id' must be"),
    (json.dumps({**GOOD}), "duplicate id 'a' (first on line 1)"),
    (json.dumps({**GOOD, "id": "p", "parts": [{"text": "what is drift?", "kind": "answerable", "gold_refs": ["5.4"]}]}),
     "'parts' must be a list of two or more"),
    (json.dumps({**GOOD, "id": "p", "parts": [{"text": "what is drift?", "kind": "answerable", "gold_refs": ["5.4"]},
                                              {"text": "what is a GAN?", "kind": "maybe"}]}), "part 2: 'kind' must be"),
    (json.dumps({**GOOD, "id": "p", "parts": [{"text": "what is drift?", "kind": "answerable", "gold_refs": ["9.9"]},
                                              {"text": "what is a GAN?", "kind": "out_of_scope"}]}),
     "part 1: unknown section ref '9.9'"),
    (json.dumps({**GOOD, "id": "p", "parts": [{"text": "what is drift?", "kind": "answerable"},
                                              {"text": "what is a GAN?", "kind": "out_of_scope"}]}),
     "part 1: an answerable part needs 'gold_refs'"),
    (json.dumps({**GOOD, "id": "p", "parts": [{"text": "", "kind": "out_of_scope"},
                                              {"text": "what is a GAN?", "kind": "out_of_scope"}]}),
     "part 1: 'text' is missing"),
]


@pytest.mark.parametrize("bad, message", BAD_LINES)
def test_malformed_line_is_reported_with_its_line_number(tmp_path, course, bad, message):
    path = write_set(tmp_path / "s.jsonl", [GOOD, "", GOOD2 if "duplicate" not in message else GOOD2, bad])
    with pytest.raises(EvalSetError) as info:
        load_set(path, course)
    assert info.value.line == 4
    assert f"{path}:4: " in str(info.value)
    assert message in str(info.value)
    assert isinstance(info.value, InvalidInput)


def test_empty_or_missing_file(tmp_path, course):
    with pytest.raises(EvalSetError, match="no questions"):
        load_set(write_set(tmp_path / "e.jsonl", ["", "  "]), course)
    with pytest.raises(EvalSetError, match="file not found"):
        load_set(tmp_path / "missing.jsonl", course)
    (tmp_path / "bin.jsonl").write_bytes(b"\xff\xfe{}")
    with pytest.raises(EvalSetError, match="UTF-8"):
        load_set(tmp_path / "bin.jsonl", course)


def test_a_malformed_set_stops_the_run_before_any_question_is_asked(tmp_path, fake_services):
    from imaging_tutor.evals.runner import run_eval

    tutor = FakeTutor({}, default={"status": "out_of_scope", "answer": "no"})
    path = write_set(tmp_path / "s.jsonl", [GOOD, GOOD2, {"id": "c", "question": "q", "kind": "answerable",
                                                          "gold_refs": ["1.9"]}])
    with pytest.raises(EvalSetError, match=":3: unknown section ref"):
        run_eval(path, fake_services, tutor=tutor, store=False)
    assert tutor.calls == [] and tutor.sessions == []


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=30)
    | st.sampled_from(["1.1", "5.4", "9.9", "answerable", "out_of_scope", "medical_advice", "drift", ""]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
_objects = st.dictionaries(
    st.sampled_from(["id", "question", "kind", "history", "gold_refs", "evidence", "key_facts", "chapter", "extra"]),
    _values, max_size=9,
)
_lines = st.one_of(st.text(max_size=80), _objects.map(json.dumps), _values.map(json.dumps))


@hsettings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_lines, max_size=6))
def test_random_lines_never_crash_with_anything_but_our_error(course, lines):
    try:
        parsed = parse_set("\n".join(lines), course)
    except EvalSetError as exc:
        assert exc.line is None or 1 <= exc.line <= max(1, len("\n".join(lines).splitlines()))
    else:
        assert all(q.kind in ("answerable", "out_of_scope", "medical_advice") for q in parsed.questions)
        assert all(q.gold_refs for q in parsed.questions if q.kind == "answerable")
