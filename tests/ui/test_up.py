"""`imaging-tutor up`: ingest check, tokens created once, API + UI started and printed, both stopped on Ctrl-C."""
from __future__ import annotations

import json
import signal

import httpx

from .conftest import start_up


def test_up_starts_both_and_stops_both(ingested_template, tmp_path):
    up = start_up(ingested_template, tmp_path)
    try:
        out = up.output()
        assert "index up to date" in out  # the shared index is current: nothing re-embedded
        assert f"UI:  {up.ui}" in out and f"API: {up.api}/api/v1" in out
        token_file = up.data / "tokens.json"
        assert f"tokens: {token_file}" in out
        tokens = json.loads(token_file.read_text())
        assert tokens["staff_token"] not in out and tokens["maintainer_token"] not in out  # never printed
        assert token_file.stat().st_mode & 0o777 == 0o600

        assert httpx.get(f"{up.api}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{up.ui}/_stcore/health").status_code == 200
        staff = {"Authorization": f"Bearer {tokens['staff_token']}"}
        assert httpx.get(f"{up.api}/api/v1/feedback", headers=staff).status_code == 200
    finally:
        code = up.interrupt(signal.SIGINT)
    assert code == 0
    for url in (f"{up.api}/healthz", f"{up.ui}/_stcore/health"):
        try:
            httpx.get(url, timeout=2)
            raise AssertionError(f"{url} still answers after Ctrl-C")
        except httpx.TransportError:
            pass
