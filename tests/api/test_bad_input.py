"""Every bad input is a 4xx: NaN/Infinity, lone surrogates and NUL characters in JSON bodies get 422 without the
value echoed back (they gave 500 before); a property test puts them into every JSON operation of the OpenAPI
document. (The same values on PostgreSQL and over a kept-alive connection: tests/production/test_bad_input.py.)"""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import MAINTAINER, STAFF, learner

HOSTILE = {
    "NaN": b'NaN', "Infinity": b'Infinity', "-Infinity": b'-Infinity',
    "lone surrogate": b'"\\ud800"', "low surrogate": b'"x\\udfffy"', "NUL": b'"a\\u0000b"',
}


def _bodies(turn_id: int, item_id: str) -> dict[str, tuple[str, bytes, dict]]:
    """One JSON body per refused value and route: (path, raw body, headers)."""
    out = {}
    for name, raw in HOSTILE.items():
        out[f"chat message {name}"] = ("/api/v1/chat", b'{"message": ' + raw + b'}', learner())
        out[f"chat chapter {name}"] = ("/api/v1/chat", b'{"message": "What is PPV?", "chapter": ' + raw + b'}',
                                      learner())
        out[f"feedback comment {name}"] = ("/api/v1/feedback", b'{"turn_id": %d, "rating": "up", "comment": ' % turn_id
                                           + raw + b'}', learner())
        out[f"quiz title {name}"] = ("/api/v1/quizzes", b'{"chapters": [2], "count": 2, "title": ' + raw + b'}', STAFF)
        out[f"quiz answer {name}"] = ("QUIZ", b'{"item_id": "%s", "response": ' % item_id.encode() + raw + b'}',
                                      learner())
    return out


def test_nan_infinity_surrogates_and_nul_are_422_without_echo(client):
    turn = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner()).json()
    quiz = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner()).json()
    for case, (path, body, headers) in _bodies(turn["turn_id"], quiz["next"]["id"]).items():
        path = f"/api/v1/quiz-sessions/{quiz['id']}/answers" if path == "QUIZ" else path
        r = client.post(path, content=body, headers={**headers, "Content-Type": "application/json"})
        assert r.status_code == 422, (case, r.status_code, r.text[:300])
        detail = r.json()["detail"]  # JSON that any client can decode
        assert isinstance(detail, list) and detail[0]["msg"]
        assert "\\ud800" not in r.text and "\\u0000" not in r.text and "input" not in r.text, (case, r.text)
    # nothing was stored: no rating, the quiz item still unanswered, no quiz saved
    detail = client.get(f"/api/v1/sessions/{turn['session_id']}", headers=learner()).json()
    assert detail["turns"][0]["feedback"] is None
    assert client.get(f"/api/v1/quiz-sessions/{quiz['id']}", headers=learner()).json()["answered"] == 0
    assert client.get("/api/v1/quizzes", headers=STAFF).json() == []


def test_validation_errors_do_not_echo_the_input(client):
    secret = "my-password-is-hunter2"
    r = client.post("/api/v1/feedback", json={"turn_id": 1, "rating": secret}, headers=learner())
    assert r.status_code == 422 and secret not in r.text
    assert r.json()["detail"][0]["loc"] == ["body", "rating"]


def test_a_proper_unicode_question_still_works(client):
    r = client.post("/api/v1/chat", json={"message": "Qu'est-ce que la sensibilité ? 🙂 \\u"}, headers=learner())
    assert r.status_code == 200
    # an escaped but valid pair of surrogates is one character, not a lone surrogate
    r = client.post("/api/v1/chat", content=b'{"message": "What is sensitivity? \\ud83d\\ude42"}',
                    headers={**learner(), "Content-Type": "application/json"})
    assert r.status_code == 200


# --- property test over the whole OpenAPI document -----------------------------------------------------------

_hostile_text = st.text(alphabet=st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udbff", "\udc00"])),
                        min_size=1, max_size=12).filter(lambda t: any(c in t for c in "\x00\ud800\udbff\udc00"))
_hostile_value = st.one_of(st.sampled_from([float("nan"), float("inf"), float("-inf")]), _hostile_text)


def _json_operations(spec: dict) -> list[tuple[str, str, dict]]:
    """(method, path, JSON schema of the body) of every operation that takes a JSON body."""
    ops = []
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                ops.append((method.upper(), path, schema))
    return ops


def _fields(spec: dict, schema: dict) -> list[str]:
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return list(schema.get("properties", {})) or ["value"]


@pytest.fixture
def operations(client):
    spec = client.get("/api/v1/openapi.json").json()
    ops = [(m, p.replace("{session_id}", "q-none").replace("{quiz_id}", "qb-none").replace("{item_id}", "i-none"),
            _fields(spec, schema)) for m, p, schema in _json_operations(spec)]
    assert len(ops) >= 8  # chat, chat/stream, feedback, quizzes…, quiz sessions, answers, learners, evals
    return ops


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_json_operation_answers_a_hostile_value_with_a_server_error(client, operations, data):
    method, path, fields = data.draw(st.sampled_from(operations), label="operation")
    field = data.draw(st.sampled_from(fields), label="field")
    value = data.draw(_hostile_value, label="value")
    nested = data.draw(st.booleans(), label="nested")
    body = {field: [value, {"x": value}] if nested else value}
    raw = json.dumps(body, ensure_ascii=True, allow_nan=True).encode()
    headers = {**(MAINTAINER if "/evals" in path or "/quizzes" in path else learner()),
               "Content-Type": "application/json"}
    r = client.request(method, path, content=raw, headers=headers)
    assert 400 <= r.status_code < 500, (method, path, body, r.status_code, r.text[:300])
    r.json()  # always a decodable JSON body
    if isinstance(value, str):
        assert value not in r.text
