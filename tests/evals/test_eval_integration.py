"""The evals against the real tutor (real index, real MiniLM): both gold forms score the same, and a broken
retriever (its ranking broken through an injected model) makes the gate fail."""
from __future__ import annotations

import dataclasses
import json

import pytest

from imaging_tutor.cli import main
from imaging_tutor.evals.runner import run_eval
from imaging_tutor.fitted import FittedModels

from .conftest import SETS, THRESHOLDS

SUBSET = 16  # the first lines of the shipped set: answerable, multi-turn, out-of-scope and medical-advice cases


def _subset(src, dst, n=SUBSET):
    lines = [line for line in src.read_text(encoding="utf-8").splitlines() if line.strip()][:n]
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


@pytest.fixture
def subsets(tmp_path):
    return (_subset(SETS / "grounding.jsonl", tmp_path / "grounding.jsonl"),
            _subset(SETS / "grounding_evidence_only.jsonl", tmp_path / "grounding_evidence_only.jsonl"))


def _comparable(report):
    metrics = {k: v for k, v in report.metrics.items() if "latency" not in k}  # per kind too ("single:latency_…")
    rows = [(r["id"], r["status"], r["first_citation"], r["retrieved_top5"], r["checks"]) for r in report.rows]
    return metrics, rows


def test_evidence_only_set_scores_the_same_as_gold_refs(tutor_services, subsets):
    kinds = {json.loads(line)["kind"] for line in subsets[0].read_text().splitlines()}
    assert kinds == {"answerable", "out_of_scope", "medical_advice"}
    with_refs = run_eval(subsets[0], tutor_services, thresholds=THRESHOLDS, store=False)
    evidence_only = run_eval(subsets[1], tutor_services, thresholds=THRESHOLDS, store=False)
    assert _comparable(with_refs) == _comparable(evidence_only)
    assert with_refs.metrics["invalid_refs"] == 0 and with_refs.metrics["medical_advice"] == 1.0


def negated_ranker() -> FittedModels:
    """The packaged ranker with every weight negated: it finds the same candidates but ranks the shortlist upside
    down (the packaged scope guard is kept, so refusals are decided as before)."""
    packaged = FittedModels.packaged()
    negated = [-w for w in packaged.ranker["weights"]]
    return dataclasses.replace(packaged, ranker={**packaged.ranker, "weights": negated})


def test_a_broken_retriever_makes_the_gate_fail(tutor_settings, make_services, subsets, tmp_path, capsys):
    base = tmp_path / "baseline.json"
    healthy_code = main(["eval", str(subsets[0]), "--thresholds", str(THRESHOLDS), "--save-baseline", str(base),
                         "--no-store"], services=make_services(tutor_settings))
    assert healthy_code in (0, 1)  # the gate's verdict on the healthy tutor is not the point here; it ran
    healthy = json.loads(base.read_text())["metrics"]
    capsys.readouterr()

    broken = make_services(tutor_settings, models=negated_ranker())
    code = main(["eval", str(subsets[0]), "--thresholds", str(THRESHOLDS), "--baseline", str(base), "--json"],
                services=broken)
    report = json.loads(capsys.readouterr().out)
    assert code == 1 and not report["gate"]["passed"]
    assert report["metrics"]["hit_at_1"] < healthy["hit_at_1"] - 0.2
    assert any("dropped from" in f for f in report["gate"]["failures"])
    assert report["diff"]["newly_failing"]
