"""Re-ingesting a changed course while clients chat on the live server stack: no failed request, every answer
comes wholly from the old or wholly from the new index, the workers switch over by themselves, and saved quiz
items whose quote changed are flagged stale (kept, not deleted)."""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import chromadb
import httpx
import pytest
from chromadb.config import Settings as ChromaSettings

from imaging_tutor.corpus.course import Course, load_course
from imaging_tutor.index.ingest import current_collection, ingest

from .conftest import STAFF, learner, unique

pytestmark = pytest.mark.slow  # starts real servers

QUESTION = "What is sensitivity?"


def _write_atomically(path: Path, text: str) -> None:
    """What an operator should do too: readers see the old file or the new one, never half of it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _consistent_with(answer: dict, course: Course) -> bool:
    return all(course.has_ref(c["ref"]) and c["quote"] in course.section(c["ref"]).text for c in answer["citations"])


def _quotes(answer: dict) -> list[str]:
    return [c["quote"] for c in answer["citations"]]


def test_reingest_while_clients_chat_switches_atomically_and_flags_stale_items(live):
    course_md = live.corpus / "course.md"
    original = course_md.read_text(encoding="utf-8")
    keys_text = (live.corpus / "quiz_keys.json").read_text(encoding="utf-8")
    old_course = load_course(live.corpus)
    chroma = chromadb.HttpClient(host="127.0.0.1", port=live.chroma.port,
                                 settings=ChromaSettings(anonymized_telemetry=False))
    original_collection = current_collection(live.services.db, old_course.id)
    original_id = chroma.get_collection(original_collection).id

    with live.client() as c:
        saved = c.post("/api/v1/quizzes", json={"chapters": [5], "count": 4, "seed": 2, "types": ["mcq", "tf"],
                                                 "title": unique("reingest")}, headers=STAFF)
        assert saved.status_code == 201, saved.text
        quiz_id = saved.json()["id"]
        items = c.get(f"/api/v1/quizzes/{quiz_id}", headers=STAFF).json()["items"]
        probe = c.post("/api/v1/chat", json={"message": QUESTION}).json()
    victim = next(it for it in items
                  if it["citation"]["quote"] not in keys_text and original.count(it["citation"]["quote"]) == 1)
    s_old = probe["citations"][0]["quote"]  # the sentence that answers QUESTION: tells the indexes apart
    assert original.count(s_old) == 1 and s_old not in keys_text and s_old != victim["citation"]["quote"]
    s_new = s_old.rstrip(".") + ", as the revised course puts it."
    changed = (original.replace(s_old, s_new)
               .replace(victim["citation"]["quote"], "This passage was rewritten in the new version of the course.")
               .replace("\nversion: 1.0.0\n", "\nversion: 1.0.1\n"))

    stop = threading.Event()
    seen: list[tuple[int, dict | str]] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        who = unique(f"reader{i}")
        while not stop.is_set():
            headers = learner(who) if i % 2 else {}
            try:
                r = httpx.post(f"{live.url}/api/v1/chat", json={"message": QUESTION}, headers=headers, timeout=60)
                outcome = (r.status_code, r.json() if r.status_code == 200 else r.text)
            except httpx.HTTPError as exc:
                outcome = (0, repr(exc))
            with lock:
                seen.append(outcome)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        _write_atomically(course_md, changed)
        summary = ingest(live.services)
        assert summary.changed and summary.version == "1.0.1" and summary.stale_quiz_items >= 1
        assert 0 < summary.embedded < 20  # only the changed text met the model

        def switched() -> bool:
            with lock:
                recent = [a for code, a in seen[-8:] if code == 200]
            return len(recent) == 8 and all(s_new in _quotes(a) for a in recent)

        deadline = time.monotonic() + 45
        while not switched() and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=90)

    try:
        failures = [(code, a) for code, a in seen if code != 200]
        assert failures == [], failures[:3]
        assert switched(), "the workers did not switch to the new index"
        new_course = load_course(live.corpus)
        kinds = []
        for _, a in seen:
            old_ok, new_ok = _consistent_with(a, old_course), _consistent_with(a, new_course)
            assert old_ok or new_ok, _quotes(a)  # never a mix of the two indexes
            kinds.append("new" if s_new in _quotes(a) else "old" if s_old in _quotes(a) else "either")
        assert "old" in kinds and "new" in kinds
        print(f"re-ingest: {len(seen)} answers while switching ({kinds.count('old')} old, {kinds.count('new')} new), "
              f"{summary.embedded} texts embedded, ingest {summary.seconds:.1f} s")

        with live.client() as c:
            after = {it["id"]: it for it in c.get(f"/api/v1/quizzes/{quiz_id}", headers=STAFF).json()["items"]}
            assert set(after) == {it["id"] for it in items}  # nothing deleted
            assert after[victim["id"]]["stale"] is True
            assert after[victim["id"]]["citation"]["quote"] == victim["citation"]["quote"]  # keeps its quote
            # Stale: exactly the items whose quote the new text no longer holds (the victim, and any other item
            # quoting a sentence that contains it), read from the course file, not from the flags under test.
            gone = sorted(it["id"] for it in items
                          if it["citation"]["quote"] not in new_course.section(it["citation"]["ref"]).text)
            assert victim["id"] in gone and len(gone) < len(items)
            assert sorted(i for i, it in after.items() if it["stale"]) == gone
            listed = next(q for q in c.get("/api/v1/quizzes", headers=STAFF).json() if q["id"] == quiz_id)
            assert listed["stale_items"] == len(gone)
            ref = probe["citations"][0]["ref"]
            assert s_new in c.get(f"/api/v1/sections/{ref}").json()["text"]
    finally:
        # Put the original course back for the other tests, the same way.
        _write_atomically(course_md, original)
        restored = ingest(live.services)
        assert restored.changed and restored.stale_quiz_items == 0
        # switching back reuses the kept previous collection instead of rebuilding it under its readers
        assert restored.collection == original_collection
        assert chroma.get_collection(original_collection).id == original_id
        with live.client() as c:
            deadline = time.monotonic() + 45
            while time.monotonic() < deadline:
                codes = [c.post("/api/v1/chat", json={"message": QUESTION}) for _ in range(4)]
                if all(r.status_code == 200 and s_old in _quotes(r.json()) for r in codes):
                    break
                time.sleep(0.5)
            else:
                raise AssertionError("the workers did not switch back to the original index")
