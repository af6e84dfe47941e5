"""Ingest runs the author's check: warnings are reported in the summary, never fatal; a malformed question bank is
skipped as a whole instead of stopping ingest (real model, real Chroma, real SQLite)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from imaging_tutor.config import Settings
from imaging_tutor.index.ingest import ingest

SECOND = Path(__file__).resolve().parents[1] / "fixtures" / "second-course"
GOOD_ROW = {"id": "b1", "question": "why is gel put on the probe?", "gold_refs": ["2.2"],
            "evidence": ["coupling gel is needed"]}


def test_a_malformed_bank_is_reported_and_skipped_and_a_fixed_one_is_used(tmp_path, make_services):
    folder = tmp_path / "course"
    shutil.copytree(SECOND, folder)
    (folder / "questions.jsonl").write_text(json.dumps(GOOD_ROW) + "\n{\"id\": \"b2\", \"question\": \n",
                                            encoding="utf-8")
    services = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=folder))
    first = ingest(services)
    assert first.changed and first.questions == 0 and first.chunks > 0
    assert any(w.startswith("questions.jsonl:2: not JSON") for w in first.warnings)
    assert any("ingest skips the whole bank" in w for w in first.warnings)
    assert any(w.startswith("course.md:") and "under 40" in w for w in first.warnings)

    (folder / "questions.jsonl").write_text(json.dumps(GOOD_ROW) + "\n", encoding="utf-8")
    fixed = ingest(services)
    assert fixed.changed and fixed.questions == 1
    assert not any(w.startswith("questions.jsonl:") and "not JSON" in w for w in fixed.warnings)
    assert services.index().question_refs == ["2.2"]
