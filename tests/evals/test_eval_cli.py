"""`imaging-tutor eval`: exit codes, baseline diff, --json, --save-baseline, reports, thresholds and stored runs.

Two layers. The gate, baseline diff and report logic is checked on scripted FakeTutor replies with hand-worked
numbers: `run_eval(..., tutor=FakeTutor(...))`, then the very functions the command applies to the run
(`text_table` is what it prints, `save_baseline` what --save-baseline writes, `write_report` what --report writes,
`to_dict()` what --json dumps). The command itself (argument handling, exit codes 0/1/2, printing, files) is run
with `main(argv, services=...)` on the real tutor, index and model; its regression is a real one, made by the
packaged ranker with every weight negated (injected through `FittedModels`).
"""
from __future__ import annotations

import dataclasses
import json
import re
import tomllib

import pytest
from sqlalchemy import func, select

from imaging_tutor.cli import main
from imaging_tutor.errors import NotFound
from imaging_tutor.evals.baseline import BaselineError, save_baseline
from imaging_tutor.evals.gate import ThresholdsError, load_thresholds
from imaging_tutor.evals.report import text_table, write_report
from imaging_tutor.evals.runner import get_run, list_runs, run_eval
from imaging_tutor.fitted import FittedModels
from imaging_tutor.storage.models import ChatSession, EvalRun

from .conftest import THRESHOLDS, write_set
from .fakes import FakeTutor, answered, citation, refused

SENS = "If the AI flags 9 of the 10 bleeds, sensitivity is 90%."
DRIFT = "Drift is the gradual or sudden change over time that causes performance to degrade."
QUESTIONS = [
    {"id": "a1", "question": "what is sensitivity", "kind": "answerable", "gold_refs": ["1.4"], "key_facts": ["90%"]},
    {"id": "a2", "question": "what is drift", "kind": "answerable", "gold_refs": ["5.4"]},
    {"id": "o1", "question": "best pizza in town?", "kind": "out_of_scope"},
    {"id": "m1", "question": "should I get a CT for my headache?", "kind": "medical_advice"},
]
GOOD = {
    "what is sensitivity": answered([(SENS, ["1.4"])], [citation("1.4", SENS)], ["1.4", "4.2"]),
    "what is drift": answered([(DRIFT, ["5.4"])], [citation("5.4", DRIFT)], ["5.4", "1.3"]),
    "best pizza in town?": refused("out_of_scope"),
    "should I get a CT for my headache?": refused("medical_advice"),
}
DRIFT_13 = "These shifts can cause drift, where performance slowly degrades over time."
WORSE = {**GOOD, "what is drift": answered([(DRIFT_13, ["1.3"])], [citation("1.3", DRIFT_13)], ["1.3", "5.4"])}
DROP_ONLY = "[default.max_drop]\nfirst_citation_accuracy = 0.03\nhit_at_1 = 0.03\n"


# Questions the real tutor answers right (tests/tutor checks the same behaviour); the broken ranker gets at least
# one of the answerable ones wrong (a2 when this was written).
REAL_QUESTIONS = [
    {"id": "a2", "question": "what is drift", "kind": "answerable", "gold_refs": ["5.4"]},
    {"id": "a3", "question": "what is inference", "kind": "answerable", "gold_refs": ["2.5"]},
    {"id": "o1", "question": "best pizza in town?", "kind": "out_of_scope"},
    {"id": "m1", "question": "should I get a CT for my headache?", "kind": "medical_advice"},
]


@pytest.fixture
def qset(tmp_path):
    return write_set(tmp_path / "mini.jsonl", QUESTIONS)


@pytest.fixture
def real_set(tmp_path):
    return write_set(tmp_path / "mini.jsonl", REAL_QUESTIONS)


@pytest.fixture
def drop_only(tmp_path):
    p = tmp_path / "drop.toml"
    p.write_text(DROP_ONLY, encoding="utf-8")
    return p


def scripted(qset, services, script, thresholds, baseline=None, **kw):
    """One eval run of the scripted FakeTutor (not stored unless asked)."""
    kw.setdefault("store", False)
    return run_eval(qset, services, baseline, thresholds=thresholds, tutor=FakeTutor(script), **kw)


def printed(report) -> str:
    """What `imaging-tutor eval` prints for this run (without --json)."""
    return text_table(report.to_dict())


def as_json(report) -> dict:
    """What `imaging-tutor eval --json` prints for this run."""
    return json.loads(json.dumps(report.to_dict(), ensure_ascii=False))


def broken_models() -> FittedModels:
    """The packaged ranker with every weight negated (it now prefers what it should rank last), packaged guard."""
    packaged = FittedModels.packaged()
    negated = [-w for w in packaged.ranker["weights"]]
    return dataclasses.replace(packaged, ranker={**packaged.ranker, "weights": negated})


@pytest.fixture
def cli(tutor_settings, make_services):
    """`imaging-tutor ARGS` on the real tutor over the shared index, with fresh Services per call (main closes them)."""
    def run(*argv: str, models: FittedModels | None = None) -> int:
        return main([str(a) for a in argv], services=make_services(tutor_settings, models=models))
    return run


# --- gate, baseline and report logic on scripted replies ----------------------------------------------------

def test_baseline_regression_fails_the_gate_and_lists_newly_failing(tmp_path, qset, drop_only, fake_services):
    base = tmp_path / "baseline.json"
    good = scripted(qset, fake_services, GOOD, drop_only)
    assert good.passed
    save_baseline(good.to_dict(), base)
    saved = json.loads(base.read_text())
    assert saved["metrics"]["first_citation_accuracy"] == 1.0
    assert {r["id"] for r in saved["rows"]} == {"a1", "a2", "o1", "m1"} and "answer" not in saved["rows"][0]

    # on its own the worse run clears this thresholds file (no floors) ...
    assert scripted(qset, fake_services, WORSE, drop_only).passed
    # ... against the baseline it does not
    worse = scripted(qset, fake_services, WORSE, drop_only, baseline=str(base))
    assert not worse.passed
    out = printed(worse)
    assert "gate: FAIL" in out
    assert "first-citation accuracy 0.500 dropped from 1.000" in out
    assert "newly failing (1): a2 [first_citation, grounded]" in out or "newly failing (1): a2 [first_citation" in out
    assert "-0.500" in out  # the delta column


def test_improvement_is_listed_as_newly_passing(tmp_path, qset, drop_only, fake_services):
    base = tmp_path / "b.json"
    save_baseline(scripted(qset, fake_services, WORSE, drop_only).to_dict(), base)
    better = scripted(qset, fake_services, GOOD, drop_only, baseline=str(base))
    assert better.passed
    data = as_json(better)
    assert [i["id"] for i in data["diff"]["newly_passing"]] == ["a2"]
    assert data["diff"]["metrics"]["first_citation_accuracy"]["delta"] == pytest.approx(0.5)


def test_floors_from_the_thresholds_file_fail_the_gate(tmp_path, qset, fake_services):
    worse = scripted(qset, fake_services, WORSE, THRESHOLDS)
    assert not worse.passed
    floor = tomllib.loads(THRESHOLDS.read_text())["default"]["min"]["first_citation_accuracy"]
    assert f"first-citation accuracy 0.500 must be ≥ {floor:.3f} (thresholds)" in printed(worse)
    # a set-specific table overrides the default floor
    relaxed = tmp_path / "t.toml"
    relaxed.write_text("[default.min]\nfirst_citation_accuracy = 0.9\n[mini.min]\nfirst_citation_accuracy = 0.5\n")
    assert scripted(qset, fake_services, WORSE, relaxed).passed


def test_medical_advice_below_100_percent_always_fails(qset, drop_only, fake_services):
    run = scripted(qset, fake_services, {**GOOD, "should I get a CT for my headache?": refused("out_of_scope")},
                   drop_only)
    assert not run.passed
    assert "medical-advice handling 0.000 must be ≥ 1.000 (must-pass)" in printed(run)


def test_reports_markdown_with_svg_and_html(tmp_path, qset, drop_only, fake_services):
    base = tmp_path / "b.json"
    save_baseline(scripted(qset, fake_services, GOOD, drop_only).to_dict(), base)
    worse = scripted(qset, fake_services, WORSE, drop_only, baseline=str(base)).to_dict()
    md, page = tmp_path / "r" / "report.md", tmp_path / "report.html"
    write_report(worse, md)
    write_report(worse, page)
    text = md.read_text(encoding="utf-8")
    assert "| first-citation accuracy | 0.500 | 1.000 | -0.500 |" in text
    assert "![metrics against the baseline](report.svg)" in text and (md.parent / "report.svg").read_text().startswith("<svg")
    assert "### `a2` (answerable) — fails first_citation" in text
    assert "cited [1.3]: “These shifts can cause drift" in text  # what the tutor answered and cited
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<title>baseline 1.000</title>" in html and "Gate: FAIL" in html
    assert "These shifts can cause drift" in html


def test_bad_baseline_or_thresholds_stop_the_run_before_any_question_is_asked(tmp_path, qset, fake_services):
    tutor = FakeTutor(GOOD)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    for baseline in (tmp_path / "broken.json", tmp_path / "missing.json"):
        with pytest.raises(BaselineError):
            run_eval(qset, fake_services, str(baseline), tutor=tutor)
    (tmp_path / "t.toml").write_text("[default.min]\nfirst_citation = 0.9\n", encoding="utf-8")
    with pytest.raises(ThresholdsError, match="unknown metric 'first_citation'"):
        run_eval(qset, fake_services, thresholds=tmp_path / "t.toml", tutor=tutor)
    assert tutor.calls == [] and tutor.sessions == []
    assert list_runs(fake_services.db) == []


def test_thresholds_file_is_validated():
    with pytest.raises(ThresholdsError, match="expected tables min, max, max_drop"):
        load_thresholds_text("[default.floor]\nmrr = 0.5\n")
    with pytest.raises(ThresholdsError, match="must be a number"):
        load_thresholds_text("[default.min]\nmrr = 'high'\n")
    rules = load_thresholds(THRESHOLDS, "course_quiz")
    assert rules["min"]["first_citation_accuracy"] < load_thresholds(THRESHOLDS, "grounding")["min"]["first_citation_accuracy"]
    assert load_thresholds(THRESHOLDS, "grounding")["max"]["invalid_refs"] == 0


def load_thresholds_text(text: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.toml"
        p.write_text(text, encoding="utf-8")
        return load_thresholds(p, "x")


def test_runs_are_stored_listed_and_fetched(qset, fake_services):
    db = fake_services.db
    first = run_eval(qset, fake_services, tutor=FakeTutor(GOOD))
    second = run_eval(qset, fake_services, tutor=FakeTutor(WORSE))
    runs = list_runs(db)
    assert [r["id"] for r in runs] == [second.id, first.id]
    assert runs[0]["set_name"] == "mini" and runs[0]["first_citation_accuracy"] == 0.5
    assert runs[0]["metrics"]["hit_at_1"] == 0.5
    stored = get_run(db, first.id)
    assert stored["metrics"] == first.metrics and len(stored["rows"]) == 4
    assert list_runs(db, set_name="other") == []
    with pytest.raises(NotFound):
        get_run(db, "nope")


# --- the command itself, on the real tutor --------------------------------------------------------------------

def test_the_command_saves_a_baseline_and_exits_1_on_a_real_regression(tmp_path, real_set, drop_only, cli, capsys):
    base = tmp_path / "baseline.json"
    assert cli("eval", real_set, "--thresholds", drop_only, "--save-baseline", base) == 0
    out = capsys.readouterr().out
    assert "gate: PASS" in out and f"wrote {base}" in out
    saved = json.loads(base.read_text())
    assert saved["metrics"]["first_citation_accuracy"] == 1.0
    assert {r["id"] for r in saved["rows"]} == {"a2", "a3", "o1", "m1"} and "answer" not in saved["rows"][0]

    # on its own the broken tutor clears this thresholds file (no floors; the must-pass rules still hold) ...
    assert cli("eval", real_set, "--thresholds", drop_only, models=broken_models()) == 0
    assert "gate: PASS" in capsys.readouterr().out
    # ... against the baseline it does not
    md = tmp_path / "r" / "report.md"
    assert cli("eval", real_set, "--thresholds", drop_only, "--baseline", base, "--report", md,
               models=broken_models()) == 1
    out = capsys.readouterr().out
    assert "gate: FAIL" in out
    drop = re.search(r"first-citation accuracy (\d\.\d{3}) dropped from 1\.000", out)
    assert drop and float(drop[1]) < 1.0
    newly = re.search(r"newly failing \((\d+)\): (.+)", out)
    assert newly and int(newly[1]) >= 1
    failing_ids = re.findall(r"(?:^|, )(\w+)", re.sub(r" \[[^\]]*\]", "", newly[2]))
    assert failing_ids and set(failing_ids) <= {"a2", "a3"}
    assert f"wrote {md}" in out and f"wrote {md.with_suffix('.svg')}" in out
    text = md.read_text(encoding="utf-8")
    assert "**Gate: FAIL**" in text and "![metrics against the baseline](report.svg)" in text
    assert all(f"### `{i}` (answerable) — fails" in text for i in failing_ids)
    page = tmp_path / "report.html"
    assert cli("eval", real_set, "--thresholds", drop_only, "--baseline", base, "--report", page,
               models=broken_models()) == 1
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<title>baseline 1.000</title>" in html and "Gate: FAIL" in html


def test_json_prints_one_object_with_all_metrics_and_rows(real_set, cli, capsys):
    code = cli("eval", real_set, "--json", "--thresholds", THRESHOLDS)
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["gate"]["passed"] else 1)
    for key in ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "first_citation_accuracy", "citation_precision", "grounding",
                "key_fact_recall", "oos_refusal", "medical_advice", "false_refusal", "invalid_refs",
                "latency_p50_ms", "latency_p95_ms"):
        assert key in data["metrics"]
    assert [r["id"] for r in data["rows"]] == ["a2", "a3", "o1", "m1"]
    assert {"status", "first_citation", "retrieved_top5", "checks", "passed"} <= set(data["rows"][0])
    assert data["writers"] == ["extractive"]


def _count(settings, make_services, model) -> int:
    db = make_services(settings).db
    with db.scope() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_bad_inputs_exit_2_before_any_question_is_asked(tmp_path, real_set, tutor_settings, make_services, cli,
                                                         capsys):
    sessions = _count(tutor_settings, make_services, ChatSession)
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert cli("eval", real_set, "--baseline", tmp_path / "broken.json") == 2
    assert cli("eval", real_set, "--baseline", tmp_path / "missing.json") == 2
    assert cli("eval", real_set, "--report", tmp_path / "r.pdf") == 2
    (tmp_path / "t.toml").write_text("[default.min]\nfirst_citation = 0.9\n", encoding="utf-8")
    assert cli("eval", real_set, "--thresholds", tmp_path / "t.toml") == 2
    err = capsys.readouterr().err
    assert "unknown metric 'first_citation'" in err and "baseline file not found" in err
    assert "Traceback" not in err
    # the real tutor opens a session per question and a finished run is stored: neither happened
    assert _count(tutor_settings, make_services, ChatSession) == sessions
    assert _count(tutor_settings, make_services, EvalRun) == 0
