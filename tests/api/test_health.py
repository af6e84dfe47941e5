"""Probes and the OpenAPI document."""
from __future__ import annotations

from fastapi.testclient import TestClient

from imaging_tutor.config import get_settings


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
