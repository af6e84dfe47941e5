"""The OpenAPI schema carries request and response examples for chat, streamed chat and a quiz round-trip, and
every example is valid for its model (so the docs never show a body the API would refuse)."""
from __future__ import annotations

from imaging_tutor.api import examples
from imaging_tutor.api.schemas import AnswerIn, ChatRequest, QuizSessionCreate
from imaging_tutor.quiz.schema import SessionView, SubmitResult
from imaging_tutor.tutor.schemas import Answer


def test_examples_are_valid_for_their_models():
    for example in examples.CHAT_REQUEST.values():
        ChatRequest.model_validate(example["value"])
    Answer.model_validate(examples.CHAT_RESPONSE)
    for example in examples.QUIZ_SESSION_REQUEST.values():
        QuizSessionCreate.model_validate(example["value"])
    SessionView.model_validate(examples.QUIZ_SESSION_RESPONSE)
    for example in examples.QUIZ_ANSWER_REQUEST.values():
        AnswerIn.model_validate(example["value"])
    SubmitResult.model_validate(examples.QUIZ_ANSWER_RESPONSE)
    assert examples.CHAT_STREAM.count("event: sentence") == 2 and "event: answer" in examples.CHAT_STREAM


def test_the_schema_shows_them(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    chat = paths["/api/v1/chat"]["post"]
    assert chat["requestBody"]["content"]["application/json"]["examples"]["new question"]["value"] == \
        {"message": "What is specificity?"}
    assert chat["responses"]["200"]["content"]["application/json"]["example"]["citations"][0]["ref"] == "1.4"
    stream = paths["/api/v1/chat/stream"]["post"]
    assert "event: answer" in stream["responses"]["200"]["content"]["text/event-stream"]["example"]
    start = paths["/api/v1/quiz-sessions"]["post"]
    assert "chapter 4 course quiz" in start["requestBody"]["content"]["application/json"]["examples"]
    answer = paths["/api/v1/quiz-sessions/{session_id}/answers"]["post"]
    assert answer["responses"]["200"]["content"]["application/json"]["example"]["verdict"] == "incorrect"


def test_the_documented_chat_example_works(client):
    from .conftest import learner

    r = client.post("/api/v1/chat", json=examples.CHAT_REQUEST["new question"]["value"], headers=learner())
    assert r.status_code == 200 and r.json()["citations"]
    assert client.post("/api/v1/chat", json={"question": "What is specificity?"}, headers=learner()).status_code == 422
