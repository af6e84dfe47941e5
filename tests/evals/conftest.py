"""Eval-test fixtures: the parsed course, fakes wired into the runner, and a tiny thresholds file."""
from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course

from .fakes import FakeEmbedder

ROOT = Path(__file__).resolve().parents[2]
SETS = ROOT / "evals" / "sets"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"
LABELS = ROOT / "evals" / "support_labels.jsonl"


@pytest.fixture(scope="session")
def course():
    return load_course(CORPUS)


@pytest.fixture
def fake_embedder(monkeypatch) -> FakeEmbedder:
    """The runner's default embedder replaced by the fake (the runner asks imaging_tutor.index.embedding at call time)."""
    fake = FakeEmbedder()
    monkeypatch.setattr("imaging_tutor.index.embedding.get_embedder", lambda *a, **k: fake)
    return fake


@pytest.fixture
def use_tutor(monkeypatch):
    """Make the runner (and so the CLI) call the given tutor instead of imaging_tutor.tutor.pipeline."""
    def install(tutor):
        monkeypatch.setattr("imaging_tutor.evals.runner._default_tutor", lambda: tutor)
        return tutor
    return install


def write_set(path: Path, lines: list) -> Path:
    """Write JSONL lines (dicts are dumped, strings written as they are)."""
    import json

    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    return path
