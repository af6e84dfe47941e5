"""Staff insight over the real tutor: per-section counts, content gaps grouped by meaning with the real model, most
missed quiz items with their answer distribution, filters, CSV, pseudonymous learners, staff only; starters."""
from __future__ import annotations

import csv
import io

from .conftest import MAINTAINER, STAFF, learner

OFF_COURSE = ["What is the capital of France?", "Which city is the capital of France?",
              "How do I bake sourdough bread?", "Can you give me a sourdough bread recipe?"]


def _ask(client, who: str, question: str) -> dict:
    r = client.post("/api/v1/chat", json={"message": question}, headers=learner(who))
    assert r.status_code == 200, r.text
    return r.json()


def _answer_first_item(client, who: str, right: bool) -> str:
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.quiz.keys import course_items

    session = client.post("/api/v1/quiz-sessions", json={"mode": "course", "chapter": 4}, headers=learner(who)).json()
    item = session["next"]
    settings = client.app.state.services.settings
    key = next(it.answer for it in course_items(settings.corpus_dir, load_course(settings.corpus_dir), chapter=4)
               if it.id == item["id"])
    response = key if right else next(o for o in item["options"] if o != key)
    r = client.post(f"/api/v1/quiz-sessions/{session['id']}/answers", json={"item_id": item["id"], "response": response},
                    headers=learner(who))
    assert r.status_code == 200, r.text
    return item["id"]


def test_insight_report_sections_gaps_items_and_csv(client):
    for n, q in enumerate(OFF_COURSE):
        assert _ask(client, f"gap-{n}", q)["status"] == "out_of_scope"
    answered = _ask(client, "ada", "What is specificity?")
    assert answered["status"] == "answered"
    client.post("/api/v1/feedback", json={"turn_id": answered["turn_id"], "rating": "down"}, headers=learner("ada"))
    items = {_answer_first_item(client, who, right) for who, right in (("q1", False), ("q2", False), ("q3", True))}

    r = client.get("/api/v1/insight", headers=STAFF)
    assert r.status_code == 200, r.text
    report = r.json()
    cited = answered["citations"][0]["ref"]
    row = next(s for s in report["sections"] if s["ref"] == cited)
    assert row["questions"] >= 1 and row["answered"] >= 1 and row["thumbs_down"] == 1
    assert report["totals"]["refused"] == 4 and report["totals"]["thumbs_down"] == 1
    assert report["totals"]["questions"] == 5 and report["totals"]["learners"] == 8

    # refused questions grouped by meaning: the two France questions together, the two bread questions together
    groups = [set(g["examples"]) for g in report["gaps"]]
    assert set(OFF_COURSE[:2]) in groups and set(OFF_COURSE[2:]) in groups, report["gaps"]
    assert {"What is specificity?"} in groups  # a thumbs-down question is a gap too
    france = next(g for g in report["gaps"] if "What is the capital of France?" in g["examples"])
    assert france["count"] == 2 and france["refused"] == 2 and france["learners"] == 2

    quizzed = [s for s in report["sections"] if s["quiz_answers"]]
    assert sum(s["quiz_answers"] for s in quizzed) == 3 and all(s["ref"].startswith("4.") for s in quizzed)
    if len(items) == 1:  # the course quiz starts with the same item for everyone: it is the most missed
        [missed] = [i for i in report["missed_items"] if i["item_id"] in items]
        assert missed["answers"] == 3 and missed["wrong"] == 2 and missed["prompt"]
        assert sum(d["count"] for d in missed["distribution"]) == 3
        assert any(d["correct"] for d in missed["distribution"])

    # learners are never named: no learner id appears anywhere in the report
    text = r.text
    for who in ("ada", "gap-0", "q1"):
        assert f'"{who}"' not in text

    # filters: another chapter has none of these quiz answers; a future date has nothing at all
    ch1 = client.get("/api/v1/insight", params={"chapter": 1}, headers=STAFF).json()
    assert all(s["chapter"] == 1 for s in ch1["sections"]) and ch1["totals"]["quiz_answers"] == 0
    later = client.get("/api/v1/insight", params={"since": "2999-01-01"}, headers=STAFF).json()
    assert later["totals"]["questions"] == 0 and later["gaps"] == []

    # CSV export of each table
    sections_csv = client.get("/api/v1/insight/export", params={"table": "sections"}, headers=STAFF)
    assert sections_csv.status_code == 200 and sections_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in sections_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(sections_csv.text)))
    assert next(r for r in rows if r["ref"] == cited)["thumbs_down"] == "1"
    gaps_csv = list(csv.DictReader(io.StringIO(
        client.get("/api/v1/insight/export", params={"table": "gaps"}, headers=STAFF).text)))
    assert {int(g["count"]) for g in gaps_csv} >= {2}


def test_insight_is_for_staff_and_checks_its_input(client):
    assert client.get("/api/v1/insight").status_code == 401
    assert client.get("/api/v1/insight", headers=learner()).status_code == 403
    assert client.get("/api/v1/insight", headers=MAINTAINER).status_code == 200
    assert client.get("/api/v1/insight", params={"chapter": 99}, headers=STAFF).status_code == 404
    assert client.get("/api/v1/insight", params={"since": "yesterday"}, headers=STAFF).status_code == 422
    assert client.get("/api/v1/insight", params={"since": "2026-02-01", "until": "2026-01-01"},
                      headers=STAFF).status_code == 400
    assert client.get("/api/v1/insight/export", params={"table": "everything"}, headers=STAFF).status_code == 422


def test_csv_cells_cannot_run_as_spreadsheet_formulas(client):
    _ask(client, "eve", "=HYPERLINK(\"http://example.com\") what is the weather tomorrow?")
    text = client.get("/api/v1/insight/export", params={"table": "gaps"}, headers=STAFF).text
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ",=HYPERLINK" not in text


def test_starter_questions_one_per_chapter_rotating(client):
    outline = client.get("/api/v1/sections").json()
    chapters = [c["chapter"] for c in outline["course"]["chapters"]]
    first = client.get("/api/v1/starters", params={"count": 8}).json()
    assert 6 <= len(first) <= 8
    assert [s["chapter"] for s in first[:len(chapters)]] == chapters  # one per chapter, in order
    assert all(s["question"].endswith("?") for s in first)
    other = client.get("/api/v1/starters", params={"count": 8, "rotation": 1}).json()
    assert [s["question"] for s in other] != [s["question"] for s in first]
    assert client.get("/api/v1/starters", params={"count": 0}).status_code == 422
    # a starter is a question the course answers
    assert _ask(client, "starter", first[0]["question"])["status"] == "answered"
