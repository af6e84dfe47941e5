"""The `imaging-tutor` command as a user runs it: a real subprocess with the installed entry point."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS
from imaging_tutor.index.ingest import current_collection

CLI = Path(sys.executable).with_name("imaging-tutor")
SECOND_COURSE = Path(__file__).parents[1] / "fixtures" / "second-course"
SECTION_KEYS = {"ref", "chapter", "section", "chapter_title", "section_title", "text"}


def run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=timeout, env=env)


def test_sections_json():
    res = run("sections", "--json")  # the corpus comes from TUTOR_CORPUS_DIR
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert set(data) == {"course", "sections"}
    course = data["course"]
    assert course["id"] == "ai-in-medical-imaging" and course["version"] and course["title"]
    assert [c["chapter"] for c in course["chapters"]] == [1, 2, 3, 4, 5, 6]
    assert all(len(c["quiz"]) == 5 and c["objectives"] for c in course["chapters"])
    assert len(data["sections"]) == 42
    for s in data["sections"]:
        assert set(s) == SECTION_KEYS
        assert s["ref"] == f"{s['chapter']}.{s['section']}" and s["text"].strip()
    ppv = next(s for s in data["sections"] if s["ref"] == "4.3")
    assert ppv["section_title"] == "PPV, NPV and prevalence" and "prevalence" in ppv["text"]


def test_sections_plain_outline():
    res = run("sections")
    assert res.returncode == 0, res.stderr
    assert "Chapter 4: Performance basics" in res.stdout and "[4.3] PPV, NPV and prevalence" in res.stdout


def test_ingest_json_summary(services):
    res = run("ingest", "--json", "--corpus", str(SECOND_COURSE))
    assert res.returncode == 0, res.stderr
    first = json.loads(res.stdout)
    assert set(first) >= {"course_id", "version", "collection", "chapters", "sections", "chunks", "sentences",
                          "embedded", "reused", "seconds", "changed"}
    assert (first["course_id"], first["chapters"], first["sections"]) == ("ultrasound-physics-basics", 2, 7)
    parts = ("chunks", "sentences", "titles", "questions", "references")
    assert first["changed"] and first["embedded"] == sum(first[k] for k in parts) > 0
    # It wrote to the configured data dir: this process (Services for the same settings) sees the new index there.
    assert current_collection(services.db, "ultrasound-physics-basics") == first["collection"]
    assert services.store.count(first["collection"]) == first["embedded"]


def test_malformed_corpus_exits_2_and_names_the_line(tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(CORPUS, bad)
    text = (bad / "course.md").read_text(encoding="utf-8").replace("## 2.3 Labels", "## 2.5 Labels", 1)
    (bad / "course.md").write_text(text, encoding="utf-8")
    line = text.splitlines().index(next(ln for ln in text.splitlines() if ln.startswith("## 2.5 Labels"))) + 1
    for command in ("sections", "ingest"):
        res = run(command, "--corpus", str(bad))
        assert res.returncode == 2, (command, res.stdout, res.stderr)
        assert f"course.md:{line}:" in res.stderr and "2.5 out of order" in res.stderr
        assert "Traceback" not in res.stderr and res.stdout == ""
