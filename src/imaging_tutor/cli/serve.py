"""`imaging-tutor serve | ui | up`: start the API, the Streamlit UI, or both (after ingesting when needed)."""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ..config import Settings

STARTUP_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 15.0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the HTTP API (uvicorn)")
    p.add_argument("--host", help="default: TUTOR_API_HOST (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: TUTOR_API_PORT (8000)")
    p.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])

    p = sub.add_parser("ui", help="start the Streamlit UI (talks to the API at TUTOR_API_URL)")
    p.add_argument("--host", help="default: TUTOR_UI_HOST (127.0.0.1)")
    p.add_argument("--port", type=int, help="default: TUTOR_UI_PORT (8501)")

    p = sub.add_parser("up", help="ingest if needed, create tokens, start API + UI; Ctrl-C stops both")
    p.add_argument("--workers", type=int, default=1, help="API worker processes (default 1)")
    p.add_argument("--no-ui", action="store_true", help="start only the API")


def _client_host(host: str) -> str:
    """An address to reach a server that listens on host (a wildcard is reached on loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def cli_command(*args: str) -> list[str]:
    """This CLI as a child process, with the same interpreter."""
    return [sys.executable, "-m", "imaging_tutor.cli", *args]


def api_url(settings: Settings) -> str:
    if settings.api_url:
        return settings.api_url.rstrip("/")
    return f"http://{_client_host(settings.api_host)}:{settings.api_port}"


def ui_script() -> Path:
    """app/Home.py of the working directory, else of the source checkout this package runs from."""
    for root in (Path.cwd(), Path(__file__).resolve().parents[2]):
        script = root / "app" / "Home.py"
        if script.is_file():
            return script
    raise SystemExit("error: cannot find app/Home.py (run from the project folder)")


def ui_command(settings: Settings, host: str | None = None, port: int | None = None) -> list[str]:
    """Streamlit with reruns one at a time: with its default fast reruns a run a click interrupts keeps going
    beside the new one until its next Streamlit call, so a course switch made while the run before it was still
    loading a conversation got that conversation back (the other course's chat, sent to this course's API)."""
    return [sys.executable, "-m", "streamlit", "run", str(ui_script()),
            "--runner.fastReruns", "false",
            "--server.headless", "true",
            "--server.address", host or settings.ui_host,
            "--server.port", str(port or settings.ui_port),
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--client.toolbarMode", "minimal"]


def ui_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env["TUTOR_API_URL"] = api_url(settings)
    env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] = "false"
    return env


def prepare_secrets(settings: Settings) -> str:
    """Before any worker starts: a private data dir, tokens.json for every token not in settings (so `serve` alone
    has staff and maintainer tokens, and all workers share one learner secret), and no weak token. Returns a note
    saying where the tokens are."""
    from ..api.auth import WeakTokens, check_token_strength, ensure_tokens, load_tokens
    from ..storage.files import private_dir, secure_data_dir

    os.umask(0o077)  # everything this process and its workers create (database, Chroma files) is theirs alone
    private_dir(settings.data_dir)
    secure_data_dir(settings.data_dir)
    created = ensure_tokens(settings)
    try:
        check_token_strength(load_tokens(settings))
    except WeakTokens as exc:
        raise SystemExit(f"error: {exc}") from None
    return (f"tokens: {created} (staff_token, maintainer_token; keep this file private)" if created
            else "tokens: from TUTOR_STAFF_TOKEN / TUTOR_MAINTAINER_TOKEN")


def run_serve(args: argparse.Namespace, services) -> int:
    import uvicorn

    settings = services.settings
    if args.workers < 1:
        raise SystemExit("error: --workers must be at least 1")
    print(prepare_secrets(settings), flush=True)
    # Each worker builds its app from the environment, so every setting reaches all of them; the worker count
    # sizes each worker's share of the cores (Settings.answer_concurrency).
    os.environ["TUTOR_API_WORKERS"] = str(args.workers)
    uvicorn.run("imaging_tutor.api.app:create_app", factory=True, host=args.host or settings.api_host,
                port=args.port or settings.api_port, workers=args.workers, log_level=args.log_level,
                proxy_headers=False, server_header=False)
    return 0


def run_ui(args: argparse.Namespace, services) -> int:
    settings = services.settings
    proc = subprocess.Popen(ui_command(settings, args.host, args.port), env=ui_env(settings))
    return _supervise({"ui": proc})


def _stop(procs: dict[str, subprocess.Popen]) -> None:
    """SIGTERM every child still running, wait a little, then kill what is left."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _supervise(procs: dict[str, subprocess.Popen]) -> int:
    """Wait until a child exits or we are told to stop (Ctrl-C, SIGTERM); then stop all children."""
    stopping = False

    def on_signal(signum, _frame):
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping:
            exited = [name for name, p in procs.items() if p.poll() is not None]
            if exited:
                name = exited[0]
                print(f"{name} exited with status {procs[name].returncode}; stopping", file=sys.stderr)
                _stop(procs)
                return procs[name].returncode or 1
            time.sleep(0.2)
        print("stopping…", file=sys.stderr)
        _stop(procs)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _wait_for(url: str, proc: subprocess.Popen, name: str, timeout: float = STARTUP_TIMEOUT_S) -> bool:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            print(f"error: {name} exited with status {proc.returncode} while starting", file=sys.stderr)
            return False
        try:
            if httpx.get(url, timeout=2.0).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    print(f"error: {name} did not answer {url} within {timeout:.0f} s", file=sys.stderr)
    return False


def run_up(args: argparse.Namespace, services) -> int:
    from ..index.courses import ingest_courses
    from .course import export_onnx

    def interrupted(signum, _frame):
        raise KeyboardInterrupt  # SIGTERM while starting: the cleanup below stops any child already started

    signal.signal(signal.SIGTERM, interrupted)
    settings = services.settings
    token_note = prepare_secrets(settings)

    def report(summary) -> None:
        state = "built" if summary.changed else "up to date"
        print(f"index {state}: {summary.course_id} v{summary.version}, {summary.sections} sections, "
              f"{summary.chunks} chunks ({summary.collection})", flush=True)
        for warning in summary.warnings:
            print(f"warning: {summary.course_id}: {warning}", file=sys.stderr)

    # Every course of the deployment (idempotent: a few seconds when nothing changed); one that fails is reported
    # and the others are served, unless the default course itself cannot be indexed.
    done = ingest_courses(services, report=report)
    for failure in done.failures:
        print(f"error: {failure}", file=sys.stderr)
    default_id = services.catalog().default_id
    if default_id is None or default_id not in {s.course_id for s in done.summaries}:
        print("error: the default course could not be indexed (imaging-tutor course check names the problem)",
              file=sys.stderr)
        return 2
    export = export_onnx(services.default_course())  # once per model: the API workers then embed without torch
    if export is not None:
        print(f"embedding model: ONNX export {export}", flush=True)

    procs: dict[str, subprocess.Popen] = {}
    try:
        procs["api"] = subprocess.Popen(cli_command("serve", "--workers", str(args.workers), "--log-level", "warning"))
        base = api_url(settings)
        if not _wait_for(f"{base}/healthz", procs["api"], "API"):
            _stop(procs)
            return 1
        if not args.no_ui:
            procs["ui"] = subprocess.Popen(ui_command(settings), env=ui_env(settings),
                                           stdout=subprocess.DEVNULL)
            ui_base = f"http://{_client_host(settings.ui_host)}:{settings.ui_port}"
            if not _wait_for(f"{ui_base}/_stcore/health", procs["ui"], "UI"):
                _stop(procs)
                return 1
            print(f"UI:  {ui_base}", flush=True)
        print(f"API: {base}/api/v1  (docs: {base}/api/v1/docs)", flush=True)
        print(token_note, flush=True)
        print("Ctrl-C stops both.", flush=True)
    except BaseException:
        _stop(procs)
        raise
    return _supervise(procs)
