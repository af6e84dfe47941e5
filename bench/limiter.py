"""The rate limiter's own cost per request: microseconds per `Limiter.check` (one action + the per-address
budget, as every limited route does), with counters in memory and in a local redis-server, next to the time one
request takes. Throughput runs (bench/api_load.py --limits off,on) are the end-to-end view, but on a shared
2-core machine their cell-to-cell noise (±10–30 %) is larger than the limiter's cost; this isolates it.
A second table paces the checks as traffic arrives (100 per second, not back to back) with many learners'
counters held, for the in-memory storage the API uses and for the `limits` library's own MemoryStorage, which
starts a timer thread on nearly every paced hit and sweeps every key every 10 ms.

Run: .venv/bin/python bench/limiter.py [--checks 20000] [--held 100,10000,50000]
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


def paced(storage, held: int, seconds: float = 3.0, rate: float = 100.0) -> tuple[float, float, float]:
    """Hold `held` learners' counters, then check at `rate` per second for `seconds`: the process's CPU share of
    one core (the sweep's cost included) and the p50 / p99 microseconds of one check."""
    from limits import parse
    from limits.strategies import SlidingWindowCounterRateLimiter

    strategy, rule = SlidingWindowCounterRateLimiter(storage), parse("100000000/hour")
    for i in range(held):
        strategy.hit(rule, "chat", f"learner-{i}")
    took: list[float] = []
    cpu0, t0 = time.process_time(), time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t = time.perf_counter()
        strategy.hit(rule, "chat", f"learner-{len(took) % 50}")
        took.append((time.perf_counter() - t) * 1e6)
        time.sleep(1 / rate)
    took.sort()
    return (time.process_time() - cpu0) / seconds * 100, took[len(took) // 2], took[int(len(took) * 0.99)]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checks", type=int, default=20000)
    p.add_argument("--held", default="100,10000,50000", help="learners' counters held during the paced runs")
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
    from limits.storage import MemoryStorage

    from imaging_tutor.api.limits import swept_memory_storage

    print()
    print("| in-memory storage | counters held | CPU, % of one core at 100 checks/s | p50 µs | p99 µs |")
    print("|---|---|---|---|---|")
    for held in (int(h) for h in args.held.split(",")):
        for name, kind in (("tutor (swept once a second)", swept_memory_storage()),
                           ("limits MemoryStorage", MemoryStorage)):
            cpu, p50, p99 = paced(kind("memory://", wrap_exceptions=True), held)
            print(f"| {name} | {held} | {cpu:.1f} | {p50:.0f} | {p99:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
