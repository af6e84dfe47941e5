"""`imaging-tutor eval` on labelled claims: per-kind table, --json, the [verifier] gate and exit codes 0/1/2.

The command runs the real support measure with the hash embedder (named FakeEmbedder): the checks, quotes and
numbers this file relies on need no model. The real model's numbers on evals/verifier/eval.jsonl are checked in
test_support_labels.py.
"""
from __future__ import annotations

import json

import pytest

from imaging_tutor.cli import main

from .conftest import write_set
from .fakes import FakeEmbedder

DRIFT = "Drift is the gradual or sudden change over time that causes performance to degrade."
CLAIMS = [
    {"id": "v1", "sentence": DRIFT, "ref": "5.4", "supported": True, "kind": "verbatim"},
    {"id": "v2", "sentence": "If the AI flags 9 of the 10 bleeds, sensitivity is 95%.", "ref": "1.4",
     "supported": False, "kind": "changed_number"},
    {"id": "v3", "sentence": DRIFT, "ref": "2.2", "supported": False, "kind": "wrong_section"},
    {"id": "v4", "sentence": "Bias is the gradual or sudden change over time that causes performance to degrade.",
     "ref": "5.4", "supported": False, "kind": "swapped_term"},
]


@pytest.fixture
def claims(tmp_path):
    return write_set(tmp_path / "claims.jsonl", CLAIMS)


@pytest.fixture
def hash_services(make_services):
    return make_services(embedder=FakeEmbedder())


def test_labelled_claims_are_recognised_and_scored_per_kind(claims, hash_services, capsys, tmp_path):
    floors = tmp_path / "thresholds.toml"
    floors.write_text("[verifier.min]\nprecision = 1.0\nrecall = 1.0\n[verifier.max]\nunfaithful_accepted = 0.0\n")
    assert main(["eval", str(claims), "--thresholds", str(floors)], services=hash_services) == 0
    out = capsys.readouterr().out
    assert "precision of supported" in out and "gate: PASS" in out
    for kind in ("verbatim", "changed_number", "wrong_section", "swapped_term"):
        assert kind in out


def test_json_has_both_measures_and_the_gate_fails_with_exit_1(claims, hash_services, capsys, tmp_path):
    floors = tmp_path / "thresholds.toml"
    floors.write_text("[verifier.min]\nrecall = 1.0\n[verifier.max]\nunfaithful_accepted = 0.0\n")
    lenient = write_set(tmp_path / "more.jsonl", CLAIMS + [
        {"id": "v5", "sentence": "Drift makes performance worse as time goes by, gradually or all at once.",
         "ref": "5.4", "supported": True, "kind": "paraphrase"}])  # the hash embedder cannot see a paraphrase
    code = main(["eval", str(lenient), "--verifier", "--json", "--thresholds", str(floors)], services=hash_services)
    data = json.loads(capsys.readouterr().out)
    assert code == 1 and not data["gate"]["passed"]
    assert data["verifier"]["kinds"]["paraphrase"] == {"accepted": 0, "n": 1, "rate": 0.0}
    assert data["verifier"]["recall"] == pytest.approx(0.5)
    assert {"precision", "recall", "kinds"} <= set(data["grounding_metric"])


@pytest.mark.parametrize("line, message", [
    ('{"id": "x", "sentence": "Drift.", "ref": "9.9", "supported": true, "kind": "verbatim"}', "no section"),
    ('{"id": "x", "sentence": "Drift.", "ref": "5.4", "supported": true, "kind": "guess"}', "unknown kind"),
    ("not json", "not JSON"),
])
def test_bad_claims_exit_2_naming_the_line(tmp_path, hash_services, capsys, line, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(CLAIMS[0]) + "\n" + line + "\n")
    assert main(["eval", str(path), "--verifier"], services=hash_services) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:2" in err and message in err


def test_question_set_options_are_refused_for_claims(claims, hash_services, capsys):
    assert main(["eval", str(claims), "--baseline", "evals/baseline.json"], services=hash_services) == 2
    assert "--baseline applies to question sets" in capsys.readouterr().err


def test_another_course_is_gated_by_its_own_table(tmp_path):
    from imaging_tutor.evals.verifier_labels import load_rules

    thresholds = tmp_path / "thresholds.toml"
    thresholds.write_text("[verifier.min]\nprecision = 0.8\n\n[verifier-garden.min]\nprecision = 0.6\n"
                          "[verifier-garden.max]\nunfaithful_accepted = 0.5\n")
    assert load_rules(thresholds)["min"] == {"precision": 0.8}
    assert load_rules(thresholds, "garden") == {"min": {"precision": 0.6}, "max": {"unfaithful_accepted": 0.5}}
    assert load_rules(thresholds, "orchard")["min"] == {"precision": 0.8}  # no table of its own: this course's
