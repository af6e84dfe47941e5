"""Shared fixtures: every test gets its own data dir; the course is ingested once per session and shared read-only."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

from imaging_tutor.config import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "ai-in-medical-imaging"
RAW_COURSE = ROOT.parent / "shared" / "course" / "ai-in-medical-imaging-beginner.txt"


def clear_of_window_edge(window_s: float, margin_s: float) -> None:
    """Wait, if need be, until the next `margin_s` seconds fall inside one rate-limit window.

    The sliding-window counter weighs the previous window's hits by the share of it still to run, and floors the sum,
    so a burst that straddles a window's edge gets one hit more than its limit; a test that counts hits starts clear of
    the edge instead of allowing for it."""
    into = time.time() % window_s
    if window_s - into < margin_s:
        time.sleep(window_s - into + 0.05)


def write_eval_sets(folder: Path) -> Path:
    """<folder>/evals/sets/mini.jsonl: one answerable, one out-of-scope and one medical question of the real set."""
    rows, kinds = [], set()
    for line in (ROOT / "evals" / "sets" / "grounding.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row["kind"] not in kinds and not row.get("history"):
            kinds.add(row["kind"])
            rows.append(line)
    sets = folder / "evals" / "sets"
    sets.mkdir(parents=True, exist_ok=True)
    (sets / "mini.jsonl").write_text("\n".join(rows) + "\n")
    return sets

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
    """The real all-MiniLM-L6-v2 model, loaded once per test session (with the services' vector cache)."""
    from imaging_tutor.index.embedding import CachingEmbedder, SentenceTransformerEmbedder

    return CachingEmbedder(SentenceTransformerEmbedder())


@pytest.fixture
def make_services(embedder):
    """Build Services for given settings with the session's real model (or given parts); closed after the test."""
    from imaging_tutor.services import Services

    built: list[Services] = []

    def make(settings: Settings | None = None, **parts) -> Services:
        parts.setdefault("embedder", embedder)
        services = Services(settings or get_settings(), **parts)
        built.append(services)
        return services

    yield make
    for services in built:
        services.close()


@pytest.fixture
def services(make_services):
    """Services for this test's own data dir (nothing ingested), with the real model."""
    return make_services()


@pytest.fixture(scope="session")
def ingested_template(tmp_path_factory, embedder) -> Path:
    """A data dir with the real course ingested into embedded Chroma + SQLite, built once per session."""
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.services import Services

    data = tmp_path_factory.mktemp("ingested")
    services = Services(Settings(data_dir=data, corpus_dir=CORPUS), embedder=embedder)
    ingest(services)
    services.close()
    return data


SECOND_COURSE = ROOT / "tests" / "fixtures" / "second-course"


@pytest.fixture(scope="session")
def courses_template(ingested_template, tmp_path_factory, embedder) -> tuple[Path, Path]:
    """Two courses side by side in one data dir and one Chroma, built once per session: this course (the default,
    from TUTOR_CORPUS_DIR) and the ultrasound test course (TUTOR_COURSES_DIR). Returns (data dir, courses dir)."""
    import shutil

    from imaging_tutor.index.courses import ingest_courses
    from imaging_tutor.services import Services

    root = tmp_path_factory.mktemp("two-courses")
    courses = root / "courses"
    shutil.copytree(SECOND_COURSE, courses / "ultrasound")
    # Start from a copy of the session's one-course index: this course is then unchanged (nothing re-embedded)
    # and only the ultrasound course is added beside it.
    shutil.copytree(ingested_template / "chroma", root / "data" / "chroma")
    private_copy(ingested_template, root / "data")
    services = Services(Settings(data_dir=root / "data", corpus_dir=CORPUS, courses_dir=courses), embedder=embedder)
    done = ingest_courses(services)
    services.close()
    assert done.ok and len(done.summaries) == 2, done.failures
    assert not {x.course_id: x.changed for x in done.summaries}["ai-in-medical-imaging"]  # reused as it was
    return root / "data", courses


def private_copy(template: Path, data: Path) -> Path:
    """A data dir whose database is a consistent copy of the template's (its Chroma is shared read-only)."""
    data.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(template / "tutor.db"), sqlite3.connect(data / "tutor.db")
    src.backup(dst)  # consistent copy even while the template's WAL holds pages
    src.close()
    dst.close()
    return data


@pytest.fixture
def courses_settings(courses_template, tmp_path, monkeypatch) -> Settings:
    """Settings of a two-course deployment over the shared two-course index and this test's private database."""
    template, courses = courses_template
    data = private_copy(template, tmp_path / "data")
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    monkeypatch.setenv("TUTOR_CHROMA_DIR", str(template / "chroma"))
    monkeypatch.setenv("TUTOR_COURSES_DIR", str(courses))
    get_settings.cache_clear()
    return get_settings()


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


@pytest.fixture
def tutor_services(tutor_settings, make_services):
    """Services over the shared ingested index and this test's private database, with the real model."""
    return make_services(tutor_settings)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free local port, started once per session; yields (host, port)."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    exe = Path(sys.executable).with_name("chroma")
    root = tmp_path_factory.mktemp("chroma-server")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = root / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen([str(exe), "run", "--path", str(root / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()

    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            stop()
            pytest.fail(f"chroma server exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).raise_for_status()
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                stop()
                pytest.fail(f"chroma server did not answer its heartbeat within 60 s:\n{log_path.read_text(errors='replace')[-2000:]}")
            time.sleep(0.25)
    yield "127.0.0.1", port
    stop()
