"""UI fixtures: a live API (uvicorn subprocess on a free port) over the shared ingested index, and AppTest helpers."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import write_eval_sets
from imaging_tutor.cli.serve import cli_command

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
# Test-only secrets over 32 bytes of entropy each (the API refuses weaker ones).
STAFF_TOKEN = "ui-staff-Hq4Wm8Rz1Tc6Yb3Nv9Lk2Ps7Dx5Fg0Ja-Ue3Ow6Ri"
MAINTAINER_TOKEN = "ui-maint-Bp6Xs1Qe9Wr4Tn7Ym2Kc5Lv8Hd3Jf0Gz-Ia5Uo8Sy"
LEARNER_SECRET = "ui-learner-Cn5Vb8Mx2Zq7Wp1Lr4Ks9Hj6Gd3Ft0Ya-Eu2Io7"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's report on the test item: the browser tests' page fixture saves evidence when its test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def learner_credentials(learner_id: str) -> dict:
    """What POST /learners would have handed this learner (signed with the live API's learner secret)."""
    from imaging_tutor.api.auth import Tokens, learner_token

    token = learner_token(Tokens(STAFF_TOKEN, MAINTAINER_TOKEN, LEARNER_SECRET), learner_id)
    return {"learner_id": learner_id, "token": token, "resume_code": None}


def learner_headers(learner_id: str) -> dict:
    return {"Authorization": f"Bearer {learner_credentials(learner_id)['token']}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def private_data_dir(template: Path, target: Path) -> Path:
    """A data dir whose database is a copy of the template's (the Chroma index is shared read-only)."""
    target.mkdir(parents=True, exist_ok=True)
    src, dst = sqlite3.connect(template / "tutor.db"), sqlite3.connect(target / "tutor.db")
    src.backup(dst)
    src.close()
    dst.close()
    return target


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s:\n{log.read_text(errors='replace')[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(data: Path, chroma: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTOR_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", ANONYMIZED_TELEMETRY="False",
               TUTOR_DATA_DIR=str(data), TUTOR_CHROMA_DIR=str(chroma),
               TUTOR_CORPUS_DIR=str(ROOT / "corpus" / "ai-in-medical-imaging"), **extra)
    return env


def _serve(root, template, **extra):
    """`imaging-tutor serve` on a free 127.0.0.1 port over a private copy of an ingested data dir; yields its URL."""
    data = private_data_dir(template, root / "data")
    port = free_port()
    env = server_env(data, template / "chroma", TUTOR_API_PORT=str(port), TUTOR_STAFF_TOKEN=STAFF_TOKEN,
                     TUTOR_MAINTAINER_TOKEN=MAINTAINER_TOKEN, TUTOR_LEARNER_SECRET=LEARNER_SECRET, **extra)
    log_path = root / "api.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cli_command("serve", "--log-level", "warning"), cwd=root, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/readyz", proc, log_path)
        yield base
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def live_api(ingested_template, tmp_path_factory) -> str:
    """`imaging-tutor serve` on a free 127.0.0.1 port; its working folder holds a small eval set ('mini')."""
    root = tmp_path_factory.mktemp("live-api")
    write_eval_sets(root)
    yield from _serve(root, ingested_template)


@pytest.fixture(scope="session")
def live_courses_api(courses_template, tmp_path_factory) -> str:
    """`imaging-tutor serve` for a two-course deployment (this course, the default, and the ultrasound course)."""
    template, courses = courses_template
    yield from _serve(tmp_path_factory.mktemp("live-courses-api"), template, TUTOR_COURSES_DIR=str(courses))


@pytest.fixture
def courses_ui_env(live_courses_api, monkeypatch) -> str:
    """Point the Streamlit pages (AppTest, in this process) at the two-course API."""
    monkeypatch.setenv("TUTOR_API_URL", live_courses_api)
    return live_courses_api


@pytest.fixture
def ui_env(live_api, monkeypatch) -> str:
    """Point the Streamlit pages (run in this process by AppTest) at the live API."""
    monkeypatch.setenv("TUTOR_API_URL", live_api)
    return live_api


def app_test(page: str, learner: str | None = None, timeout: float = 180):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP / page), default_timeout=timeout)
    if learner:  # this browser session is already that learner (as after POST /learners or a resume code)
        at.session_state["learner"] = learner_credentials(learner)
    return at


def button(at, label: str):
    """The button whose label starts with `label` (fails clearly when absent)."""
    found = [b for b in at.button if b.label.startswith(label)]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def selectbox(at, label: str):
    """The selectbox with this label (its key can name the course it belongs to)."""
    found = [s for s in at.selectbox if s.label == label]
    assert found, f"no selectbox {label!r}; selectboxes: {[s.label for s in at.selectbox]}"
    return found[0]


class UpProcess:
    """A running `imaging-tutor up`: its process, the URLs it printed, and the lines it wrote."""

    def __init__(self, proc: subprocess.Popen, data: Path, api: str, ui: str, log: Path):
        self.proc, self.data, self.api, self.ui, self.log = proc, data, api, ui, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def interrupt(self, sig: int = signal.SIGINT, timeout: float = 40.0) -> int:
        """Stop it like Ctrl-C (or SIGTERM) and wait for it to finish."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"`imaging-tutor up` did not stop within {timeout:.0f} s:\n{self.output()[-3000:]}")


def start_up(ingested_template: Path, root: Path, courses_dir: Path | None = None) -> UpProcess:
    """`imaging-tutor up` on free ports, with a private database and no tokens configured (it must create them);
    with `courses_dir`, a deployment of several courses (TUTOR_COURSES_DIR)."""
    data = private_data_dir(ingested_template, root / "data")
    api_port, ui_port = free_port(), free_port()
    extra = {"TUTOR_COURSES_DIR": str(courses_dir)} if courses_dir else {}
    env = server_env(data, ingested_template / "chroma", TUTOR_API_PORT=str(api_port), TUTOR_UI_PORT=str(ui_port),
                     **extra)
    log_path = root / "up.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cli_command("up"), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    handle = UpProcess(proc, data, f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{ui_port}", log_path)
    deadline = time.monotonic() + 240
    while "Ctrl-C stops both" not in handle.output():
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                handle.interrupt()
            pytest.fail(f"`imaging-tutor up` did not start:\n{handle.output()[-3000:]}")
        time.sleep(0.5)
    return handle
