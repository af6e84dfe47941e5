"""Probes and the OpenAPI document."""
from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from imaging_tutor.config import get_settings

from .conftest import MAINTAINER, learner


def test_healthz_and_readyz(client):
    for path in ("/healthz", "/api/v1/healthz"):
        assert client.get(path).json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready" and body["reasons"] == []
    assert {"database", "vector_store", "index"} <= set(body["checks"])


def test_readyz_is_503_with_reasons_when_nothing_is_ingested(tmp_path, monkeypatch, app_for):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "empty"))
    get_settings.cache_clear()
    with TestClient(app_for(get_settings())) as c:
        assert c.get("/healthz").status_code == 200  # the process is up …
        r = c.get("/readyz")  # … but cannot answer
        assert r.status_code == 503
        body = r.json()
        assert body["status"] == "unavailable" and body["checks"]["index"] == "failed"
        assert any("ingest" in reason for reason in body["reasons"])
        chat = c.post("/api/v1/chat", json={"message": "What is sensitivity?"})
        assert chat.status_code == 503 and "ingest" in chat.json()["detail"]


def test_openapi_is_served_and_lists_every_route(client):
    spec = client.get("/api/v1/openapi.json").json()
    paths = set(spec["paths"])
    for path in ("/api/v1/chat", "/api/v1/chat/stream", "/api/v1/sections", "/api/v1/sections/{ref}",
                 "/api/v1/sessions", "/api/v1/sessions/{session_id}", "/api/v1/feedback", "/api/v1/evals/runs",
                 "/api/v1/evals/runs/{run_id}", "/api/v1/healthz", "/api/v1/readyz"):
        assert path in paths
    assert client.get("/api/v1/docs").status_code == 200


def test_cors_only_for_the_ui_origin(client):
    ok = client.options("/api/v1/chat", headers={"Origin": "http://127.0.0.1:8501",
                                                  "Access-Control-Request-Method": "POST"})
    assert ok.headers.get("access-control-allow-origin") == "http://127.0.0.1:8501"
    other = client.options("/api/v1/chat", headers={"Origin": "http://evil.example",
                                                     "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in other.headers


# --- honest health, no leaks --------------------------------------------------------------------------------

def _db_file(settings) -> "Path":
    return settings.data_dir / "tutor.db"


def test_a_corrupted_database_is_503_everywhere_and_not_ready(api_settings, app_for):
    """The finding: a corrupted tutor.db gave 500 on every route while /readyz said ok."""
    db = _db_file(api_settings)
    for suffix in ("-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    db.write_bytes(b"this is not a database, it was overwritten " * 200)
    with TestClient(app_for(api_settings)) as c:
        ready = c.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] == "failed"
        for method, path, body in (("GET", "/api/v1/sessions", None),
                                   ("POST", "/api/v1/chat", {"message": "What is PPV?"}),
                                   ("POST", "/api/v1/sessions", None),
                                   ("POST", "/api/v1/quiz-sessions", {"mode": "course", "chapter": 4})):
            r = c.request(method, path, json=body, headers=learner())
            assert r.status_code == 503, (path, r.status_code, r.text)
            assert r.json()["error_id"] and str(db) not in r.text and "not a database" not in r.text
        assert c.get("/api/v1/sections").status_code == 200  # what needs no database still works


def test_a_deleted_database_is_503_and_takes_no_writes(client, api_settings):
    """The finding: a deleted tutor.db kept being written by running workers (into an unlinked file, lost)."""
    first = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner()).json()
    assert first["turn_id"]
    db = _db_file(api_settings)
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    r = client.post("/api/v1/chat", json={"message": "What is NPV?"}, headers=learner())
    assert r.status_code == 503 and "error_id" in r.json()
    assert client.get("/api/v1/sessions", headers=learner()).status_code == 503
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] == "failed"
    assert not db.exists()  # nothing recreated an empty database behind the operator's back


def test_unauthenticated_bodies_carry_no_details_maintainers_get_them(client, api_settings, caplog):
    db = _db_file(api_settings)
    client.get("/readyz")
    for suffix in ("", "-wal", "-shm"):
        db.with_name(db.name + suffix).unlink(missing_ok=True)
    with caplog.at_level("WARNING"):
        public = client.get("/readyz")
        chat = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner())
    for r in (public, chat):
        assert str(api_settings.data_dir) not in r.text and "tutor.db" not in r.text
        assert r.json()["error_id"] in caplog.text  # the details are in the log, under that id
    assert public.json()["reasons"] == ["database: unavailable"]
    assert chat.json()["detail"].startswith("database unavailable")
    private = client.get("/readyz", headers=MAINTAINER)
    assert "tutor.db" in " ".join(private.json()["reasons"])
    listed = client.get("/api/v1/sessions", params={"learner_id": "ada"}, headers=MAINTAINER)
    assert listed.status_code == 503 and "tutor.db" in listed.json()["internal"]
