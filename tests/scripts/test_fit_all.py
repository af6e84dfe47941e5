"""`make fit`'s loop: passes repeat until none changes a model file (a fake chain of scripts stands in for the
real fits, which take minutes and are run by `make fit` itself)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from fit_all import SCRIPTS, fit_until_fixed  # noqa: E402


def fake_chain(tmp_path: Path, settle_after: int):
    """Two model files; the second depends on the first and on its own last value, and stops moving after
    `settle_after` runs of its script, as a fit that replays through its own previous version does."""
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    runs: list[str] = []

    def run(script: str) -> None:
        runs.append(script)
        if script == "a":
            a.write_text("1")
        else:
            n = runs.count("b")
            b.write_text(str(min(n, settle_after)))
    return run, [a, b], runs


@pytest.mark.parametrize("settle_after, passes", [(1, 2), (3, 4)])
def test_repeats_the_chain_until_a_pass_changes_nothing(tmp_path, settle_after, passes):
    run, files, runs = fake_chain(tmp_path, settle_after)
    assert fit_until_fixed(run, files, ("a", "b"), log=lambda _: None) == passes
    assert runs == ["a", "b"] * passes


def test_a_tree_already_at_its_fixed_point_takes_one_pass(tmp_path):
    run, files, runs = fake_chain(tmp_path, 1)
    fit_until_fixed(run, files, ("a", "b"), log=lambda _: None)
    runs.clear()
    assert fit_until_fixed(run, files, ("a", "b"), log=lambda _: None) == 1


def test_no_fixed_point_within_the_limit_is_an_error(tmp_path):
    run, files, _ = fake_chain(tmp_path, 10)
    with pytest.raises(RuntimeError, match="no fixed point after 3 passes"):
        fit_until_fixed(run, files, ("a", "b"), max_passes=3, log=lambda _: None)


def test_the_chain_runs_every_fitting_script_in_dependency_order():
    scripts = Path(__file__).resolve().parents[2] / "scripts"
    assert all((scripts / s).is_file() for s in SCRIPTS)
    assert SCRIPTS.index("fit_followup.py") < SCRIPTS.index("fit_ranker.py") < SCRIPTS.index("calibrate_guard.py")
    assert SCRIPTS.index("fit_medical.py") < SCRIPTS.index("calibrate_guard.py")
