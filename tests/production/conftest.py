"""Production-path fixtures: a real PostgreSQL cluster, Chroma servers, the server-stack settings (PostgreSQL +
Chroma server), and the API under `imaging-tutor serve --workers 2` on that stack.

Costs are paid once per session: the course is embedded once (tests/conftest.py's ingested_template); every other
ingest here reuses those vectors through tests/embedders.py's memo, so only changed text meets the model again.
"""
from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import CORPUS, write_eval_sets
from embedders import MemoizingEmbedder, seed_memo_from_index
from imaging_tutor.api.auth import Tokens, learner_token
from imaging_tutor.config import Settings, get_settings
from imaging_tutor.services import Services

from .servers import (ApiProcess, ChromaProcess, PostgresCluster, RedisProcess, ensure_postgres, ensure_redis,
                      server_env)

# Test-only secrets, each over 32 bytes of entropy (the API refuses weaker ones).
STAFF_TOKEN = "prod-staff-Gk2Rw7Tb4Yn9Mq1Xc6Vz3Hs8Lp5Df0Ja-Ue7Oi2Wq"
MAINTAINER_TOKEN = "prod-maint-Nf8Qe3Wr6Ty1Ui4Op9As2Dg7Hj0Kl5Zx-Cv3Bn8Mq"
LEARNER_SECRET = "prod-learner-Rt5Yu8Io1Pa4Sd7Fg0Hj3Kl6Zx9Cv2Bn-Mq5We8"
TEST_TOKENS = Tokens(staff=STAFF_TOKEN, maintainer=MAINTAINER_TOKEN, learner_secret=LEARNER_SECRET)
UI_ORIGIN = "http://127.0.0.1:8501"
# Limits far above what these tests send: the limiter runs (in Redis on the live stack), nothing is refused.
NO_LIMITS = {f"TUTOR_RATE_LIMIT_{name}": "1000000/minute"
             for name in ("CHAT", "SESSIONS", "FEEDBACK", "QUIZ_ANSWERS", "NEW_LEARNERS", "PER_ADDRESS")}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


STAFF = bearer(STAFF_TOKEN)
MAINTAINER = bearer(MAINTAINER_TOKEN)


def learner(learner_id: str) -> dict:
    """A learner's headers: a bearer token signed for this id with the test deployment's learner secret."""
    return bearer(learner_token(TEST_TOKENS, learner_id))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- PostgreSQL ------------------------------------------------------------------------------------------------

# Package scope: the servers stop when tests/production is done, not at the end of the whole suite.
@pytest.fixture(scope="package")
def pg():
    """One PostgreSQL cluster for these tests (initdb + pg_ctl start on a free loopback port)."""
    cluster = PostgresCluster(ensure_postgres())
    try:
        cluster.init().start()
        yield cluster
    finally:
        cluster.cleanup()


@pytest.fixture(scope="package")
def redis(tmp_path_factory):
    """One real redis-server for these tests (the rate limits' shared storage on the server stack)."""
    server = RedisProcess(ensure_redis(), tmp_path_factory.mktemp("redis"))
    try:
        yield server.start()
    finally:
        server.stop()


# --- vectors and the two stacks ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def memo_embedder(embedder, ingested_template) -> MemoizingEmbedder:
    """The real model behind a memo pre-filled with the session's embedded ingest (new text is embedded for real)."""
    services = Services(Settings(data_dir=ingested_template, corpus_dir=CORPUS), embedder=embedder)
    try:
        seed_memo_from_index(services, CORPUS)
    finally:
        services.close()
    return MemoizingEmbedder(embedder)


@pytest.fixture(scope="package")
def server_template(pg, chroma_server, memo_embedder, tmp_path_factory) -> str:
    """A PostgreSQL database migrated from empty and ingested into the shared Chroma server; copied per test."""
    from imaging_tutor.index.ingest import ingest

    host, port = chroma_server
    settings = Settings(data_dir=tmp_path_factory.mktemp("server-template"), corpus_dir=CORPUS,
                        database_url=pg.create_database("stack_template"), chroma_host=host, chroma_port=port)
    services = Services(settings, embedder=memo_embedder)
    try:
        ingest(services)
    finally:
        services.close()  # CREATE DATABASE … TEMPLATE needs the template to have no connections
    return "stack_template"


@pytest.fixture
def server_settings(pg, chroma_server, server_template, tmp_path, monkeypatch) -> Settings:
    """Settings for the server stack: a private copy of the ingested PostgreSQL database + the Chroma server."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = pg.create_database(name, template=server_template)
    host, port = chroma_server
    monkeypatch.setenv("TUTOR_DATABASE_URL", url)
    monkeypatch.setenv("TUTOR_CHROMA_HOST", host)
    monkeypatch.setenv("TUTOR_CHROMA_PORT", str(port))
    get_settings.cache_clear()
    return get_settings()  # the services built on it are closed by make_services


@dataclass
class Stack:
    kind: str
    settings: Settings
    services: Services  # what the app serves from (the session's real model, the stack's store and database)
    client: TestClient


@pytest.fixture(params=["embedded", "server"])
def stack(request, tmp_path, monkeypatch, make_services) -> Stack:
    """The API in-process over either stack: SQLite + PersistentClient, or PostgreSQL + a Chroma server."""
    from imaging_tutor.api.app import create_app
    from imaging_tutor.api.deps import get_eval_sets_dir

    settings = request.getfixturevalue("tutor_settings" if request.param == "embedded" else "server_settings")
    monkeypatch.setenv("TUTOR_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("TUTOR_MAINTAINER_TOKEN", MAINTAINER_TOKEN)
    monkeypatch.setenv("TUTOR_LEARNER_SECRET", LEARNER_SECRET)
    for key, value in NO_LIMITS.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    settings = get_settings()
    sets_dir = write_eval_sets(tmp_path / "evals-root")
    services = make_services(settings)  # store and database by settings alone; the model loaded once per session
    app = create_app(services=services)
    app.dependency_overrides[get_eval_sets_dir] = lambda: sets_dir
    with TestClient(app) as client:
        yield Stack(request.param, settings, services, client)


# --- the live server stack: `imaging-tutor serve --workers 2` -------------------------------------------------

@dataclass
class Live:
    """The running server stack: the API process, its settings, and handles on PostgreSQL and Chroma."""

    api: ApiProcess
    settings: Settings  # the same settings the workers read, for checking the database from the test
    services: Services  # on those settings, with the memoizing real model: the test's own view (and ingests)
    pg: PostgresCluster
    chroma: ChromaProcess
    corpus: Path  # the API's own copy of the course (re-ingest tests change it)
    root: Path

    @property
    def url(self) -> str:
        return self.api.url

    def client(self, timeout: float = 60.0, **kw) -> httpx.Client:
        return httpx.Client(base_url=self.api.url, timeout=timeout, **kw)


@pytest.fixture(scope="package")
def live(pg, redis, memo_embedder, tmp_path_factory) -> Live:
    """PostgreSQL + a Chroma server of its own (fault tests stop and restart it) + Redis for the rate limits +
    2 uvicorn workers."""
    from imaging_tutor.index.ingest import ingest

    root = tmp_path_factory.mktemp("live")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    write_eval_sets(root)  # the API finds evals/sets in its working directory, as in a deployment
    chroma = ChromaProcess(root / "chroma-db")
    url = pg.create_database("live")
    env = {"TUTOR_DATA_DIR": str(root / "data"), "TUTOR_CORPUS_DIR": str(corpus), "TUTOR_DATABASE_URL": url,
           "TUTOR_CHROMA_HOST": "127.0.0.1", "TUTOR_CHROMA_PORT": str(chroma.port),
           "TUTOR_STAFF_TOKEN": STAFF_TOKEN, "TUTOR_MAINTAINER_TOKEN": MAINTAINER_TOKEN,
           "TUTOR_LEARNER_SECRET": LEARNER_SECRET,
           # the load tests here are many requests from one address: limits counted in Redis, never reached
           "TUTOR_RATE_LIMIT_STORAGE": redis.url, **NO_LIMITS,
           "TUTOR_CORS_ORIGINS": json.dumps([UI_ORIGIN])}
    settings = Settings(data_dir=root / "data", corpus_dir=corpus, database_url=url, chroma_host="127.0.0.1",
                        chroma_port=chroma.port, staff_token=STAFF_TOKEN, maintainer_token=MAINTAINER_TOKEN,
                        learner_secret=LEARNER_SECRET)
    services = Services(settings, embedder=memo_embedder)
    api = None
    try:
        chroma.start()
        ingest(services)
        api = ApiProcess(server_env(env), cwd=root, workers=2)
        api.wait_ready()
        yield Live(api, settings, services, pg, chroma, corpus, root)
    finally:
        if api is not None:
            api.stop()
        chroma.stop()
        services.close()
