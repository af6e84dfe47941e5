"""`make fit`'s loop: passes repeat until none changes a model file (a fake chain of scripts stands in for the
real fits, which take minutes and are run by `make fit` itself)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from fit_all import fit_until_fixed  # noqa: E402


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


def test_a_chain_that_comes_back_to_earlier_models_is_a_cycle_and_stops_at_once(tmp_path):
    """The follow-up, ranker, sentence and guard models alternated between two sets on 2026-12-07; `make fit` ran
    all 5 passes before saying so. A pass that writes an earlier pass's models again stops it there."""
    a = tmp_path / "a.json"
    a.write_text("x")
    runs: list[str] = []

    def run(script: str) -> None:
        runs.append(script)
        a.write_text("y" if a.read_text() == "x" else "x")

    with pytest.raises(RuntimeError, match="pass 2 wrote the models of pass 0 again, a cycle of 2 passes"):
        fit_until_fixed(run, [a], ("a",), max_passes=5, log=lambda _: None)
    assert len(runs) == 2


def test_no_fixed_point_within_the_limit_is_an_error(tmp_path):
    run, files, _ = fake_chain(tmp_path, 10)
    with pytest.raises(RuntimeError, match="no fixed point after 3 passes"):
        fit_until_fixed(run, files, ("a", "b"), max_passes=3, log=lambda _: None)


def test_every_shipped_model_has_its_script_and_comes_after_the_models_it_was_fitted_after():
    from imaging_tutor.fitted import FIT_SCRIPTS, ORDER, read_model

    scripts = Path(__file__).resolve().parents[2] / "scripts"
    names = [name for name, _ in ORDER]
    assert set(FIT_SCRIPTS) == set(names) and all((scripts / s).is_file() for s in FIT_SCRIPTS.values())
    for name, path in ORDER:
        model = read_model(path)
        assert model is not None and model["fitted_by"] == f"scripts/{FIT_SCRIPTS[name]}"
        assert all(names.index(before) < names.index(name) for before in model.get("fitted_after", {})), name
