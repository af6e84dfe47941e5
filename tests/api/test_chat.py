"""POST /chat and /chat/stream over the real tutor: answers, sessions, modes, errors, rate limit, body limit."""
from __future__ import annotations

import json

from fastapi.testclient import TestClient

from imaging_tutor.corpus.course import load_course

from .conftest import STAFF, learner


def parse_sse(text: str) -> list[tuple[str, dict]]:
    events = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        event = next(line[6:].strip() for line in lines if line.startswith("event:"))
        data = "\n".join(line[5:].lstrip() for line in lines if line.startswith("data:"))
        events.append((event, json.loads(data)))
    return events


def test_answer_has_citations_quoting_the_cited_section(client, api_settings):
    r = client.post("/api/v1/chat", json={"message": "What is sensitivity?"})
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "answered"
    assert body["session_id"] is None and body["turn_id"] is None  # anonymous: stateless
    course = load_course(api_settings.corpus_dir)
    assert body["citations"]
    for c in body["citations"]:
        assert c["quote"] in course.section(c["ref"]).text
        assert f"[{c['ref']}]" in body["answer"]


def test_a_learner_gets_a_session_and_follow_ups_use_it(client):
    first = client.post("/api/v1/chat", json={"message": "What is sensitivity?"}, headers=learner()).json()
    assert first["session_id"] and first["turn_id"]
    second = client.post("/api/v1/chat", json={"message": "and specificity?", "session_id": first["session_id"]},
                         headers=learner()).json()
    assert second["session_id"] == first["session_id"]
    assert "specificity" in second["resolved_question"].lower()
    turns = client.get(f"/api/v1/sessions/{first['session_id']}", headers=learner()).json()["turns"]
    assert [t["id"] for t in turns] == [first["turn_id"], second["turn_id"]]


def test_hint_mode_climbs_its_ladder_within_a_session(client):
    first = client.post("/api/v1/chat", json={"message": "What is specificity?", "mode": "hint"},
                        headers=learner()).json()
    assert first["hint"]["step"] == 1 and first["hint"]["of"] == 4 and not first["hint"]["last"]
    nxt = client.post("/api/v1/chat", json={"message": "another hint", "mode": "hint",
                                            "session_id": first["session_id"]}, headers=learner()).json()
    assert nxt["hint"]["step"] == 2 and nxt["hint"]["question"] == "What is specificity?"
    turns = client.get(f"/api/v1/sessions/{first['session_id']}", headers=learner()).json()["turns"]
    assert [t["question"] for t in turns] == ["What is specificity?", "another hint"]  # stored as sent


def test_repeat_and_short_version_of_the_last_answer_through_the_api(client):
    first = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner()).json()
    sid = first["session_id"]
    again = client.post("/api/v1/chat", json={"message": "say that again", "session_id": sid},
                        headers=learner()).json()
    assert again["answer"] == first["answer"] and again["citations"] == first["citations"]
    short = client.post("/api/v1/chat", json={"message": "tl;dr", "session_id": sid}, headers=learner()).json()
    assert short["status"] == "answered" and len(short["sentences"]) < len(first["sentences"])
    turns = client.get(f"/api/v1/sessions/{sid}", headers=learner()).json()["turns"]
    assert [t["question"] for t in turns] == ["What is PPV?", "say that again", "tl;dr"]


def test_a_new_session_id_from_the_client_is_created_for_that_learner(client):
    r = client.post("/api/v1/chat", json={"message": "What is PPV?", "session_id": "my-own-id"}, headers=learner())
    assert r.status_code == 200 and r.json()["session_id"] == "my-own-id"
    assert client.get("/api/v1/sessions/my-own-id", headers=learner()).json()["learner_id"] == "ada"


def test_hint_mode_and_chapter_filter(client):
    hint = client.post("/api/v1/chat", json={"message": "What is specificity?", "mode": "hint"}).json()
    assert hint["mode"] == "hint" and "Guiding question" in hint["answer"]
    chapter = client.post("/api/v1/chat", json={"message": "What is sensitivity?", "chapter": 4}).json()
    assert chapter["status"] == "answered"
    assert all(c["chapter"] == 4 for c in chapter["citations"])


def test_out_of_scope_and_medical_questions(client):
    oos = client.post("/api/v1/chat", json={"message": "What is the capital of France?"}).json()
    assert oos["status"] == "out_of_scope" and not oos["citations"]
    med = client.post("/api/v1/chat", json={"message": "My MRI shows a lesion, should I get surgery?"}).json()
    assert med["status"] == "medical_advice"


def test_bad_input_gets_4xx_never_500(client, api_settings):
    cases = [
        ({"message": ""}, 422),
        ({}, 422),
        ({"message": 42}, 422),
        ({"message": "hi", "mode": "shout"}, 422),
        ({"message": "hi", "chapter": "four"}, 422),
        ({"message": "hi", "chapter": 0}, 422),
        ({"message": "hi", "unexpected": 1}, 422),
        ({"message": "hi", "session_id": "../../etc"}, 422),
        ({"message": "   \n\t "}, 400),
        ({"message": "x" * (api_settings.max_question_chars + 1)}, 400),
        ({"message": "What is sensitivity?", "chapter": 99}, 404),
    ]
    for body, expected in cases:
        r = client.post("/api/v1/chat", json=body)
        assert r.status_code == expected, (body, r.status_code, r.text)
        assert "detail" in r.json()
    r = client.post("/api/v1/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = client.post("/api/v1/chat", json={"message": "hi"}, headers={"X-Learner-Id": "bad id with spaces"})
    assert r.status_code == 422
    too_long = client.post("/api/v1/chat", json={"message": "x" * (api_settings.max_question_chars + 1)})
    assert "limit" in too_long.json()["detail"]


def test_sessions_need_a_learner_and_are_private(client):
    r = client.post("/api/v1/chat", json={"message": "What is PPV?", "session_id": "s-anon"})
    assert r.status_code == 401
    mine = client.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner("ada")).json()
    r = client.post("/api/v1/chat", json={"message": "and NPV?", "session_id": mine["session_id"]},
                    headers=learner("eve"))
    assert r.status_code == 404
    staff = client.post("/api/v1/chat", json={"message": "and NPV?", "session_id": mine["session_id"]},
                        headers=STAFF)
    assert staff.status_code == 403  # staff read conversations; they never post into one


def test_stream_sends_each_sentence_then_the_answer(client):
    r = client.post("/api/v1/chat/stream", json={"message": "What is specificity?"}, headers=learner())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    kinds = [e for e, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"sentence"}
    final = events[-1][1]
    sentences = [d for e, d in events if e == "sentence"]
    assert [s["text"] for s in sentences] == [s["text"] for s in final["sentences"]]
    assert all(f"[{r}]" in s["marked"] for s in sentences for r in s["refs"])
    assert final["status"] == "answered" and final["citations"] and final["turn_id"]


def test_stream_of_a_refusal_still_sends_text(client):
    events = parse_sse(client.post("/api/v1/chat/stream", json={"message": "Who won the 1998 World Cup?"}).text)
    assert events[0][0] == "sentence" and events[0][1]["text"]
    assert events[-1][1]["status"] == "out_of_scope"


def test_stream_errors_are_plain_http_errors(client):
    r = client.post("/api/v1/chat/stream", json={"message": " "})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert client.post("/api/v1/chat/stream", json={"mode": "hint"}).status_code == 422


def test_rate_limit_per_client_with_retry_after(api_settings, app_for):
    settings = api_settings.model_copy(update={"rate_limit_chat": "2/hour"})
    with TestClient(app_for(settings)) as c:
        for _ in range(2):
            assert c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner("ada")).status_code == 200
        r = c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner("ada"))
        assert r.status_code == 429
        assert 1 <= int(r.headers["Retry-After"]) <= 3600
        assert c.post("/api/v1/chat/stream", json={"message": "What is PPV?"},
                      headers=learner("ada")).status_code == 429
        # another learner has their own budget; other endpoints are not limited
        assert c.post("/api/v1/chat", json={"message": "What is PPV?"}, headers=learner("bob")).status_code == 200
        assert c.get("/api/v1/sections").status_code == 200


def test_oversized_bodies_are_refused_before_parsing(api_settings, app_for):
    settings = api_settings.model_copy(update={"max_body_bytes": 1000})
    with TestClient(app_for(settings)) as c:
        big = json.dumps({"message": "x" * 2000}).encode()
        r = c.post("/api/v1/chat", content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and "1000" in r.json()["detail"]

        def chunks():  # no Content-Length: counted while reading
            yield b'{"message": "'
            for _ in range(10):
                yield b"y" * 200
            yield b'"}'

        r = c.post("/api/v1/chat", content=chunks(), headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        # not valid JSON either, but the size is what is refused: nothing was parsed
        r = c.post("/api/v1/feedback", content=b"{" * 5000, headers={"Content-Type": "application/json"})
        assert r.status_code == 413
        assert c.post("/api/v1/chat", json={"message": "What is PPV?"}).status_code == 200


def test_rejected_questions_leave_no_empty_conversation(client):
    assert client.post("/api/v1/chat", json={"message": " "}, headers=learner("tidy")).status_code == 400
    assert client.post("/api/v1/chat", json={"message": "What is PPV?", "chapter": 99},
                       headers=learner("tidy")).status_code == 404
    assert client.get("/api/v1/sessions", headers=learner("tidy")).json() == []


class FakeStreamingWriter:
    """A named stand-in for the LLM writer (tutor.llm.Writer): streams a scripted text in small pieces, one claim
    the course supports and one it does not, and records what the tutor asked it."""

    name = "llm:fake-streaming"

    def __init__(self, text: str, piece: int = 7):
        self.text, self.piece = text, piece
        self.calls: list[tuple[str, str, str]] = []  # (method, question, passages)

    def write(self, question: str, passages: str) -> str:
        self.calls.append(("write", question, passages))
        return self.text

    def stream(self, question: str, passages: str):
        self.calls.append(("stream", question, passages))
        for i in range(0, len(self.text), self.piece):
            yield self.text[i:i + self.piece]


SUPPORTED = "PPV and NPV depend heavily on prevalence, how common the condition is in the population being tested."
UNSUPPORTED = "PPV is always exactly 99 percent for every model in every hospital."


def test_stream_relays_the_llm_writers_verified_sentences(api_settings, app_for):
    """With an LLM configured the route relays the writer's verified sentences as they are ready (the real writer
    is tested against a real llama.cpp server in tests/tutor/test_llm_writer.py; here a scripted writer stands in,
    behind the real tutor: retrieval, verification against the cited section, sessions)."""
    writer = FakeStreamingWriter(f"{SUPPORTED} [4.3] {UNSUPPORTED} [4.3]")
    settings = api_settings.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1", "llm_model": "scripted"})
    with TestClient(app_for(settings, writer=writer)) as c:
        events = parse_sse(c.post("/api/v1/chat/stream", json={"message": "What is PPV?"},
                                  headers=learner()).text)
        assert [e for e, _ in events] == ["sentence", "answer"]  # the unsupported claim never reaches the learner
        assert events[0][1]["refs"] == ["4.3"] and events[0][1]["marked"].endswith("[4.3]")
        assert events[0][1]["text"].startswith("PPV and NPV depend heavily on prevalence")
        final = events[1][1]
        assert final["writer"] == writer.name and final["status"] == "answered"
        assert [s["text"] for s in final["sentences"]] == [SUPPORTED]
        assert final["dropped_sentences"] == [UNSUPPORTED]
        assert [cite["ref"] for cite in final["citations"]] == ["4.3"]
        # the writer was streamed once, with the question and the numbered passages it may cite
        [(method, question, passages)] = writer.calls
        assert method == "stream" and question == "What is PPV?" and "[4.3]" in passages
        # a learner's session was created and the answer stored in it
        assert final["session_id"] and final["turn_id"]
        conversation = c.get(f"/api/v1/sessions/{final['session_id']}", headers=learner()).json()
        assert conversation["learner_id"] == "ada"
        assert [t["id"] for t in conversation["turns"]] == [final["turn_id"]]
        r = c.post("/api/v1/chat/stream", json={"message": "  "})
        assert r.status_code == 400 and r.json()["detail"] == "question is empty"
        # hints never go through the LLM writer
        hint = parse_sse(c.post("/api/v1/chat/stream", json={"message": "What is PPV?", "mode": "hint"}).text)
        assert hint[-1][1]["mode"] == "hint" and hint[-1][1]["writer"] == "extractive" and len(writer.calls) == 1
