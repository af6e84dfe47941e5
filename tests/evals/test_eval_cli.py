"""`imaging-tutor eval`: exit codes, baseline diff, --json, --save-baseline, reports, thresholds and stored runs."""
from __future__ import annotations

import json
import tomllib

import pytest

from imaging_tutor.cli import main
from imaging_tutor.config import get_settings
from imaging_tutor.errors import NotFound
from imaging_tutor.evals.gate import ThresholdsError, load_thresholds
from imaging_tutor.evals.runner import get_run, list_runs, run_eval

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


@pytest.fixture
def qset(tmp_path):
    return write_set(tmp_path / "mini.jsonl", QUESTIONS)


@pytest.fixture
def drop_only(tmp_path):
    p = tmp_path / "drop.toml"
    p.write_text(DROP_ONLY, encoding="utf-8")
    return p


def test_baseline_regression_exits_non_zero_and_lists_newly_failing(tmp_path, qset, drop_only, use_tutor,
                                                                    fake_embedder, capsys):
    base = tmp_path / "baseline.json"
    use_tutor(FakeTutor(GOOD))
    assert main(["eval", str(qset), "--thresholds", str(drop_only), "--save-baseline", str(base)]) == 0
    saved = json.loads(base.read_text())
    assert saved["metrics"]["first_citation_accuracy"] == 1.0
    assert {r["id"] for r in saved["rows"]} == {"a1", "a2", "o1", "m1"} and "answer" not in saved["rows"][0]
    capsys.readouterr()

    use_tutor(FakeTutor(WORSE))
    # on its own the worse run clears this thresholds file (no floors) ...
    assert main(["eval", str(qset), "--thresholds", str(drop_only)]) == 0
    capsys.readouterr()
    # ... against the baseline it does not
    assert main(["eval", str(qset), "--thresholds", str(drop_only), "--baseline", str(base)]) == 1
    out = capsys.readouterr().out
    assert "gate: FAIL" in out
    assert "first-citation accuracy 0.500 dropped from 1.000" in out
    assert "newly failing (1): a2 [first_citation, grounded]" in out or "newly failing (1): a2 [first_citation" in out
    assert "-0.500" in out  # the delta column


def test_improvement_is_listed_as_newly_passing(tmp_path, qset, drop_only, use_tutor, fake_embedder, capsys):
    base = tmp_path / "b.json"
    use_tutor(FakeTutor(WORSE))
    main(["eval", str(qset), "--thresholds", str(drop_only), "--save-baseline", str(base)])
    capsys.readouterr()
    use_tutor(FakeTutor(GOOD))
    assert main(["eval", str(qset), "--thresholds", str(drop_only), "--baseline", str(base), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [i["id"] for i in data["diff"]["newly_passing"]] == ["a2"]
    assert data["diff"]["metrics"]["first_citation_accuracy"]["delta"] == pytest.approx(0.5)


def test_json_prints_one_object_with_all_metrics_and_rows(qset, use_tutor, fake_embedder, capsys):
    use_tutor(FakeTutor(GOOD))
    code = main(["eval", str(qset), "--json", "--thresholds", str(THRESHOLDS)])
    data = json.loads(capsys.readouterr().out)
    assert code == (0 if data["gate"]["passed"] else 1)
    for key in ("hit_at_1", "hit_at_3", "hit_at_5", "mrr", "first_citation_accuracy", "citation_precision", "grounding",
                "key_fact_recall", "oos_refusal", "medical_advice", "false_refusal", "invalid_refs",
                "latency_p50_ms", "latency_p95_ms"):
        assert key in data["metrics"]
    assert [r["id"] for r in data["rows"]] == ["a1", "a2", "o1", "m1"]
    assert {"status", "first_citation", "retrieved_top5", "checks", "passed"} <= set(data["rows"][0])


def test_floors_from_the_thresholds_file_fail_the_gate(tmp_path, qset, use_tutor, fake_embedder, capsys):
    use_tutor(FakeTutor(WORSE))
    assert main(["eval", str(qset), "--thresholds", str(THRESHOLDS)]) == 1
    out = capsys.readouterr().out
    floor = tomllib.loads(THRESHOLDS.read_text())["default"]["min"]["first_citation_accuracy"]
    assert f"first-citation accuracy 0.500 must be ≥ {floor:.3f} (thresholds)" in out
    # a set-specific table overrides the default floor
    relaxed = tmp_path / "t.toml"
    relaxed.write_text("[default.min]\nfirst_citation_accuracy = 0.9\n[mini.min]\nfirst_citation_accuracy = 0.5\n")
    assert main(["eval", str(qset), "--thresholds", str(relaxed)]) == 0


def test_medical_advice_below_100_percent_always_fails(tmp_path, qset, drop_only, use_tutor, fake_embedder, capsys):
    use_tutor(FakeTutor({**GOOD, "should I get a CT for my headache?": refused("out_of_scope")}))
    assert main(["eval", str(qset), "--thresholds", str(drop_only)]) == 1
    assert "medical-advice handling 0.000 must be ≥ 1.000 (must-pass)" in capsys.readouterr().out


def test_reports_markdown_with_svg_and_html(tmp_path, qset, drop_only, use_tutor, fake_embedder, capsys):
    base = tmp_path / "b.json"
    use_tutor(FakeTutor(GOOD))
    main(["eval", str(qset), "--thresholds", str(drop_only), "--save-baseline", str(base)])
    use_tutor(FakeTutor(WORSE))
    md, page = tmp_path / "r" / "report.md", tmp_path / "report.html"
    main(["eval", str(qset), "--thresholds", str(drop_only), "--baseline", str(base), "--report", str(md)])
    main(["eval", str(qset), "--thresholds", str(drop_only), "--baseline", str(base), "--report", str(page)])
    text = md.read_text(encoding="utf-8")
    assert "| first-citation accuracy | 0.500 | 1.000 | -0.500 |" in text
    assert "![metrics against the baseline](report.svg)" in text and (md.parent / "report.svg").read_text().startswith("<svg")
    assert "### `a2` (answerable) — fails first_citation" in text
    assert "cited [1.3]: “These shifts can cause drift" in text  # what the tutor answered and cited
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<title>baseline 1.000</title>" in html and "Gate: FAIL" in html
    assert "These shifts can cause drift" in html


def test_bad_inputs_exit_2_before_any_question_is_asked(tmp_path, qset, use_tutor, fake_embedder, capsys):
    tutor = use_tutor(FakeTutor(GOOD))
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    assert main(["eval", str(qset), "--baseline", str(tmp_path / "broken.json")]) == 2
    assert main(["eval", str(qset), "--baseline", str(tmp_path / "missing.json")]) == 2
    assert main(["eval", str(qset), "--report", str(tmp_path / "r.pdf")]) == 2
    (tmp_path / "t.toml").write_text("[default.min]\nfirst_citation = 0.9\n", encoding="utf-8")
    assert main(["eval", str(qset), "--thresholds", str(tmp_path / "t.toml")]) == 2
    assert "unknown metric 'first_citation'" in capsys.readouterr().err
    assert tutor.calls == []


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


def test_runs_are_stored_listed_and_fetched(qset, use_tutor, fake_embedder):
    settings = get_settings()
    use_tutor(FakeTutor(GOOD))
    first = run_eval(qset, settings)
    use_tutor(FakeTutor(WORSE))
    second = run_eval(qset, settings)
    runs = list_runs(settings)
    assert [r["id"] for r in runs] == [second.id, first.id]
    assert runs[0]["set_name"] == "mini" and runs[0]["first_citation_accuracy"] == 0.5
    assert runs[0]["metrics"]["hit_at_1"] == 0.5
    stored = get_run(settings, first.id)
    assert stored["metrics"] == first.metrics and len(stored["rows"]) == 4
    assert list_runs(settings, set_name="other") == []
    with pytest.raises(NotFound):
        get_run(settings, "nope")
