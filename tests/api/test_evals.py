"""Evals over HTTP (maintainers): run a named set, list runs, fetch a report; names only, never paths."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import write_eval_sets
from imaging_tutor.api.deps import get_eval_sets_dir
from imaging_tutor.evals.baseline import save_baseline

from .conftest import MAINTAINER, STAFF, learner

@pytest.fixture
def sets_dir(tmp_path) -> Path:
    """A small set (one question of each kind) taken from the real grounding set, in its own evals/sets folder."""
    folder = write_eval_sets(tmp_path)
    (folder / "notes.txt").write_text("not a set")
    return folder


@pytest.fixture
def eval_client(api_settings, sets_dir, app_for):
    app = app_for(api_settings)
    app.dependency_overrides[get_eval_sets_dir] = lambda: sets_dir
    with TestClient(app) as c:
        yield c


def test_run_list_and_fetch(eval_client, sets_dir):
    assert eval_client.get("/api/v1/evals/sets", headers=MAINTAINER).json() == ["mini"]
    r = eval_client.post("/api/v1/evals/runs", json={"set": "mini"}, headers=MAINTAINER)
    assert r.status_code == 201, r.text
    report = r.json()
    assert report["set_name"] == "mini" and len(report["rows"]) == 3
    assert "first_citation_accuracy" in report["metrics"] and report["diff"] is None

    runs = eval_client.get("/api/v1/evals/runs", headers=MAINTAINER).json()
    assert [run["id"] for run in runs] == [report["id"]]
    fetched = eval_client.get(f"/api/v1/evals/runs/{report['id']}", headers=MAINTAINER).json()
    assert fetched["metrics"] == report["metrics"] and len(fetched["rows"]) == 3

    # with a baseline beside the sets folder, the next run carries a per-question diff
    save_baseline(report, sets_dir.parent / "baselines" / "mini.json")
    again = eval_client.post("/api/v1/evals/runs", json={"set": "mini.jsonl"}, headers=MAINTAINER).json()
    assert again["diff"]["baseline_set"] == "mini"
    assert set(again["diff"]["metrics"]) >= {"first_citation_accuracy"}
    no_base = eval_client.post("/api/v1/evals/runs", json={"set": "mini", "baseline": False},
                               headers=MAINTAINER).json()
    assert no_base["diff"] is None
    assert len(eval_client.get("/api/v1/evals/runs", params={"set": "mini"}, headers=MAINTAINER).json()) == 3


def test_set_names_never_reach_outside_the_sets_folder(eval_client):
    for name in ("../sets/mini", "/etc/passwd", "mini/../../x", "", ".hidden", "a b"):
        r = eval_client.post("/api/v1/evals/runs", json={"set": name}, headers=MAINTAINER)
        assert r.status_code == 422, (name, r.status_code)
    r = eval_client.post("/api/v1/evals/runs", json={"set": "grounding"}, headers=MAINTAINER)
    assert r.status_code == 404 and "mini" in r.json()["detail"]
    r = eval_client.post("/api/v1/evals/runs", json={"set": "notes"}, headers=MAINTAINER)
    assert r.status_code == 404
    assert eval_client.post("/api/v1/evals/runs", json={"set": "mini", "path": "/x"},
                            headers=MAINTAINER).status_code == 422


def test_evals_are_for_maintainers(eval_client):
    assert eval_client.post("/api/v1/evals/runs", json={"set": "mini"}).status_code == 401
    assert eval_client.post("/api/v1/evals/runs", json={"set": "mini"}, headers=learner()).status_code == 403
    assert eval_client.post("/api/v1/evals/runs", json={"set": "mini"}, headers=STAFF).status_code == 403
    assert eval_client.get("/api/v1/evals/runs/nope", headers=MAINTAINER).status_code == 404
    assert eval_client.get("/api/v1/evals/runs/bad%20id", headers=MAINTAINER).status_code == 422
