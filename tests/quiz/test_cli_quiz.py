"""`imaging-tutor quiz generate / export / list / report`."""
from __future__ import annotations

import json
import zipfile

import pytest

from imaging_tutor.cli import main


@pytest.fixture
def cli(make_services):
    """Run the command with fresh services for this test's data dir (main closes them) and the shared real model."""
    def run(argv: list[str]) -> int:
        return main(argv, services=make_services())

    return run


def test_generate_save_list_and_export(cli, capsys, tmp_path):
    assert cli(["quiz", "generate", "--chapter", "4", "--count", "4", "--types", "mcq,tf", "--seed", "3",
                 "--json", "--save", "CLI quiz"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["items"]) == 4 and {it["type"] for it in doc["items"]} <= {"mcq", "tf"}
    qid = doc["saved_id"]
    assert cli(["quiz", "list"]) == 0
    assert qid in capsys.readouterr().out
    out = tmp_path / "week4.zip"
    assert cli(["quiz", "export", qid, "--format", "qti", "-o", str(out)]) == 0
    assert "imsmanifest.xml" in zipfile.ZipFile(out).namelist()
    assert cli(["quiz", "export", qid, "--format", "md", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "CLI-quiz.md").is_file()


def test_generate_text_output_and_errors(cli, capsys):
    assert cli(["quiz", "generate", "--chapter", "2", "--count", "2", "--types", "cloze"]) == 0
    assert "answer:" in capsys.readouterr().out
    assert cli(["quiz", "generate", "--chapter", "9"]) == 2
    assert "unknown chapter 9" in capsys.readouterr().err
    assert cli(["quiz", "generate", "--ref", "4.1", "--count", "99"]) == 2
    assert "distinct valid items are possible" in capsys.readouterr().err
    assert cli(["quiz", "export", "qb-nope", "--format", "gift", "-o", "x.gift"]) == 2


def test_report(cli, capsys, tmp_path):
    out = tmp_path / "report.json"
    assert cli(["quiz", "report", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Generated items over all 6 chapters" in text and "Key-term score alone" in text
    assert "'Correct' against the labels, eval (never fitted)" in text and "Chapter quizzes" in text
    report = json.loads(out.read_text())
    assert report["course_keys"]["problems"] == [] and report["course_keys"]["valid_items"] == 30
    assert report["generated_items"]["valid_pct"] >= 95
    assert all(v["distinct_items"] >= 60 for v in report["generated_items"]["per_chapter"].values())
    for chapter in report["chapter_quizzes"].values():
        assert chapter["items"] == 30 and len(chapter["types"]) >= 4 and chapter["computed_recompute"]
        assert 0.4 <= chapter["tf_false_share"] <= 0.6
