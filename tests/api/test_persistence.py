"""State lives in the database: a new app object (a restarted API) sees the same sessions, turns and feedback."""
from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import STAFF, learner


def test_session_survives_app_recreation(api_settings, app_for):
    with TestClient(app_for(api_settings)) as first:
        a = first.post("/api/v1/chat", json={"message": "What is sensitivity?"}, headers=learner()).json()
        first.post("/api/v1/feedback", json={"turn_id": a["turn_id"], "rating": "up"}, headers=learner())
    with TestClient(app_for(api_settings)) as second:
        detail = second.get(f"/api/v1/sessions/{a['session_id']}", headers=learner()).json()
        assert [t["id"] for t in detail["turns"]] == [a["turn_id"]]
        assert detail["turns"][0]["feedback"]["rating"] == "up"
        # the conversation continues where it stopped: the follow-up is resolved against the stored turn
        b = second.post("/api/v1/chat", json={"message": "and specificity?", "session_id": a["session_id"]},
                        headers=learner()).json()
        assert "specificity" in b["resolved_question"].lower()
        assert len(second.get("/api/v1/feedback", headers=STAFF).json()) == 1
