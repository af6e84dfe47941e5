"""Shared fixtures: every test gets its own data dir; the course is ingested once per session and shared read-only."""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from imaging_tutor.config import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "ai-in-medical-imaging"
RAW_COURSE = ROOT.parent / "shared" / "course" / "ai-in-medical-imaging-beginner.txt"

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path, monkeypatch):
    """No test touches the developer's .tutor-data or sees TUTOR_* settings from the shell."""
    for key in list(os.environ):
        if key.startswith("TUTOR_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TUTOR_CORPUS_DIR", str(CORPUS))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedder():
    """The real all-MiniLM-L6-v2 model, loaded once."""
    from imaging_tutor.embedding import get_embedder

    return get_embedder()


@pytest.fixture(scope="session")
def ingested_template(tmp_path_factory, embedder) -> Path:
    """A data dir with the real course ingested into embedded Chroma + SQLite, built once per session."""
    from imaging_tutor.ingest import ingest

    data = tmp_path_factory.mktemp("ingested")
    ingest(Settings(data_dir=data, corpus_dir=CORPUS), embedder=embedder)
    return data


@pytest.fixture
def tutor_settings(ingested_template, tmp_path, monkeypatch) -> Settings:
    """Settings for a test that reads the shared index and writes its own private database."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    src, dst = sqlite3.connect(ingested_template / "tutor.db"), sqlite3.connect(data / "tutor.db")
    src.backup(dst)  # consistent copy even while the template's WAL holds pages
    src.close()
    dst.close()
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    monkeypatch.setenv("TUTOR_CHROMA_DIR", str(ingested_template / "chroma"))
    get_settings.cache_clear()
    return get_settings()
