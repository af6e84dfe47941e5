"""GET /sections and /sections/{ref}: outline, full text, highlight offsets for quoted passages."""
from __future__ import annotations

from imaging_tutor.corpus.course import load_course


def test_outline_lists_every_section(client, api_settings):
    course = load_course(api_settings.corpus_dir)
    body = client.get("/api/v1/sections").json()
    assert [s["ref"] for s in body["sections"]] == [s.ref for s in course.sections]
    assert body["course"]["id"] == course.id
    assert len(body["course"]["chapters"]) == len(course.chapters)


def test_section_with_the_quotes_of_an_answer_highlighted(client, api_settings):
    answer = client.post("/api/v1/chat", json={"message": "What is PPV?"}).json()
    cite = answer["citations"][0]
    quotes = [cite["quote"], "words that are not in this section at all"]
    r = client.get(f"/api/v1/sections/{cite['ref']}", params=[("quote", q) for q in quotes])
    assert r.status_code == 200
    body = r.json()
    assert body["text"] == load_course(api_settings.corpus_dir).section(cite["ref"]).text
    [h] = body["highlights"]
    assert body["text"][h["start"]:h["end"]] == cite["quote"]
    assert body["missing_quotes"] == [quotes[1]]


def test_quote_matching_tolerates_reflowed_whitespace(client, api_settings):
    section = load_course(api_settings.corpus_dir).section("4.2")
    words = section.text.split()[:12]
    body = client.get("/api/v1/sections/4.2", params={"quote": "  \n".join(words)}).json()
    [h] = body["highlights"]
    assert body["text"][h["start"]:h["end"]].split() == words


def test_unknown_and_malformed_refs(client):
    r = client.get("/api/v1/sections/9.9")
    assert r.status_code == 404 and "9.9" in r.json()["detail"]
    assert client.get("/api/v1/sections/four").status_code == 422
    assert client.get("/api/v1/sections/1.2.3").status_code == 422
    assert client.get("/api/v1/sections/4.2", params={"quote": "x" * 5001}).status_code == 400
    assert client.get("/api/v1/sections/4.2", params=[("quote", "a")] * 21).status_code == 422
