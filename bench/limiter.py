"""The rate limiter's own cost per request: microseconds per `Limiter.check` (one action + the per-address
budget, as every limited route does), with counters in memory and in a local redis-server, next to the time one
request takes. Throughput runs (bench/api_load.py --limits off,on) are the end-to-end view, but on a shared
2-core machine their cell-to-cell noise (±10–30 %) is larger than the limiter's cost; this isolates it.

Run: .venv/bin/python bench/limiter.py [--checks 20000]
"""
from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def per_check_us(limiter, n: int, learners: int = 500) -> list[float]:
    """Microseconds per check over n checks spread across `learners` identities, in 5 rounds."""
    rounds = []
    for r in range(5):
        t0 = time.perf_counter()
        for i in range(n // 5):
            limiter.check("chat", f"learner-{(i + r) % learners}", f"10.0.{i % 7}.1")
        rounds.append((time.perf_counter() - t0) / (n // 5) * 1e6)
    return rounds


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checks", type=int, default=20000)
    args = p.parse_args()
    from imaging_tutor.api.limits import Limiter
    from imaging_tutor.config import Settings

    huge = {f"rate_limit_{k}": "100000000/minute"
            for k in ("chat", "sessions", "feedback", "quiz_answers", "new_learners", "per_address")}
    results = {"memory://": per_check_us(Limiter(Settings(**huge)), args.checks)}
    exe = shutil.which("redis-server")
    proc = None
    if exe:
        port = free_port()
        proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                 "no"], stdout=subprocess.DEVNULL)
        time.sleep(0.5)
        try:
            redis = Limiter(Settings(rate_limit_storage=f"redis://127.0.0.1:{port}/0", **huge))
            assert redis.healthy()
            results["redis (loopback)"] = per_check_us(redis, max(2000, args.checks // 5))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    else:
        print("redis-server not installed: memory only (sudo bash scripts/system-deps.sh)", file=sys.stderr)
    print("| storage | µs per limited request (median of 5 rounds) | min | max |")
    print("|---|---|---|---|")
    for name, rounds in results.items():
        print(f"| {name} | {statistics.median(rounds):.0f} | {min(rounds):.0f} | {max(rounds):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
