"""Eval-test fixtures: the parsed course, Services with the fake embedder, paths of the shipped eval files."""
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
def fake_services(make_services):
    """Services for the test's own data dir with the hash embedder: the scoring of scripted FakeTutor replies
    does not need the real model (test_eval_integration.py and test_support_labels.py use it)."""
    return make_services(embedder=FakeEmbedder())


def write_set(path: Path, lines: list) -> Path:
    """Write JSONL lines (dicts are dumped, strings written as they are)."""
    import json

    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n",
                    encoding="utf-8")
    return path
