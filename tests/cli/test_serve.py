"""`imaging-tutor serve` and `up`: the worker count each worker reads, and how the UI is started."""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from imaging_tutor.cli import serve
from imaging_tutor.config import Settings


class FakeUvicorn:
    """Stands in for uvicorn.run: records what a worker would read from the environment, starts nothing."""

    def __init__(self):
        self.seen: dict = {}

    def run(self, app, **kwargs):
        self.seen = {"app": app, "workers": kwargs["workers"], "env": os.environ.get("TUTOR_API_WORKERS")}


def test_serve_passes_the_worker_count_to_the_workers(tmp_path, monkeypatch):
    import uvicorn

    fake = FakeUvicorn()
    monkeypatch.setattr(uvicorn, "run", fake.run)
    monkeypatch.setenv("TUTOR_API_WORKERS", "1")  # restored after the test, whatever run_serve sets
    settings = Settings(data_dir=tmp_path / "data")
    args = argparse.Namespace(workers=3, host=None, port=None, log_level="warning")
    assert serve.run_serve(args, type("FakeServices", (), {"settings": settings})()) == 0
    assert fake.seen == {"app": "imaging_tutor.api.app:create_app", "workers": 3, "env": "3"}
    assert Settings().api_workers == 3  # what each worker's settings then say
    assert Settings().resolved_answer_concurrency(cores=6) == 2


def test_the_ui_runs_one_script_run_at_a_time():
    """Fast reruns let an interrupted run write the session beside the new one: a course switch got the other
    course's conversation back (seen under load in tests/ui/test_browser.py's course switch)."""
    command = serve.ui_command(Settings())
    assert command[command.index("--runner.fastReruns") + 1] == "false"


def test_a_ui_started_by_hand_from_the_repository_also_runs_one_script_run_at_a_time():
    import tomllib

    config = Path(__file__).resolve().parents[2] / ".streamlit" / "config.toml"
    assert tomllib.loads(config.read_text(encoding="utf-8"))["runner"]["fastReruns"] is False
