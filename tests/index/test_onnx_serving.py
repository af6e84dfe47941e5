"""Serving with the ONNX export never imports torch: not in a real uvicorn worker answering chat requests,
not in a cold `imaging-tutor ask`.

Importing torch maps its shared libraries (torch/_C, libtorch_cpu) into the process, so a worker's
/proc/<pid>/maps tells from outside whether torch was ever imported there; the test process itself, which loaded
the torch model, is the positive control that the check sees it.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from conftest import CORPUS
from production.servers import ApiProcess, server_env


def loaded_libraries(pid: int | str) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def imported_torch(maps: str) -> bool:
    return "libtorch" in maps or "/torch/_C" in maps


def serving_env(settings, onnx_export: Path) -> dict[str, str]:
    return server_env({"TUTOR_DATA_DIR": str(settings.data_dir), "TUTOR_CHROMA_DIR": str(settings.chroma_path),
                       "TUTOR_CORPUS_DIR": str(CORPUS), "TUTOR_ONNX_DIR": str(onnx_export.parent)})


def test_api_worker_serves_chat_without_torch(embedder, onnx_export, tutor_settings, tmp_path):
    assert imported_torch(loaded_libraries("self"))  # the check sees torch where it was imported
    api = ApiProcess(serving_env(tutor_settings, onnx_export), cwd=tmp_path, workers=1, log_level="warning")
    try:
        api.wait_ready(timeout=180)  # includes chat questions that make the worker embed
        with httpx.Client(base_url=api.url, timeout=60) as client:
            issued = client.post("/api/v1/learners")  # an anonymous learner, as the UI gets one
            assert issued.status_code in (200, 201), issued.text
            me = {"Authorization": f"Bearer {issued.json()['token']}"}
            r = client.post("/api/v1/chat", json={"message": "What is shortcut learning?", "session_id": "s-onnx"},
                            headers=me)
            assert r.status_code == 200, r.text
            assert r.json()["status"] == "answered" and r.json()["citations"]
        [worker] = api.worker_pids() or [api.proc.pid]  # one worker: uvicorn serves in the process it started
        maps = loaded_libraries(worker)
        assert "onnxruntime" in maps, "the worker did not embed with onnxruntime"
        assert not imported_torch(maps), "the worker imported torch"
    finally:
        api.stop()


def test_cold_ask_does_not_import_torch(onnx_export, tutor_settings, tmp_path):
    probe = ("import json, sys\n"
             "from imaging_tutor.cli import main\n"
             "code = main(['ask', 'what is drift?', '--json'])\n"
             "print(json.dumps({'code': code, 'torch': 'torch' in sys.modules,\n"
             "                  'sentence_transformers': 'sentence_transformers' in sys.modules}))\n")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=serving_env(tutor_settings, onnx_export))
    assert res.returncode == 0, res.stderr
    answer_text, _, probe_line = res.stdout.strip().rpartition("\n")
    assert json.loads(answer_text)["citations"]
    assert json.loads(probe_line) == {"code": 0, "torch": False, "sentence_transformers": False}


def test_without_an_export_auto_falls_back_to_torch(tutor_settings, tmp_path):
    """No export for this model in TUTOR_ONNX_DIR: `ask` still answers, with the torch model."""
    probe = ("import sys\n"
             "from imaging_tutor.cli import main\n"
             "code = main(['ask', 'what is drift?', '--json'])\n"
             "print('torch' in sys.modules)\n")
    env = {**serving_env(tutor_settings, tmp_path / "no-export" / "x"), "TUTOR_EMBEDDER": "auto"}
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                         env=env)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().endswith("True")
    assert not (tmp_path / "no-export").exists()  # answering never exports: only ingest and export-onnx do
