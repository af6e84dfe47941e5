"""Several courses in one process: what the author's check costs, what a second course adds to ingest and to memory,
and whether routing a request through /api/v1/courses/{id}/… costs anything over the plain routes.

Run: .venv/bin/python bench/courses.py [--repeat 30]
Courses: this course (the default) plus every folder of tests/fixtures/courses and tests/fixtures/second-course, in
a fresh data dir. Prints one table per measurement; nothing is asserted (speed is measured here, not in tests).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

CORPUS = ROOT / "corpus" / "ai-in-medical-imaging"
FIXTURES = ROOT / "tests" / "fixtures"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    from imaging_tutor.config import Settings
    from imaging_tutor.corpus.check import check_course
    from imaging_tutor.services import Services

    folders = [CORPUS, FIXTURES / "second-course", *sorted(p for p in (FIXTURES / "courses").iterdir() if p.is_dir())]
    print("## course check (median of 5 runs)\n\n| course | sections | words | errors | warnings | ms |\n|---|---|---|---|---|---|")
    for folder in folders:
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            check = check_course(folder)
            times.append(time.perf_counter() - t0)
        words = sum(len(s.text.split()) for s in check.course.sections)
        print(f"| {check.course.id} | {len(check.course.sections)} | {words} | {len(check.errors)} | "
              f"{len(check.warnings)} | {ms(times).strip()} |")

    tmp = Path(tempfile.mkdtemp(prefix="bench-courses-"))
    try:
        courses = tmp / "courses"
        for folder in folders[1:]:
            shutil.copytree(folder, courses / folder.name)
        root = Services(Settings(data_dir=tmp / "data", corpus_dir=CORPUS, courses_dir=courses,
                                 rate_limits_enabled=False))  # the bench asks more often than a learner may
        base = rss_mb()
        root.embedder.embed(["load the model"])
        model = rss_mb()
        from imaging_tutor.index.ingest import ingest

        print("\n## ingest, one process, one model (s)\n\n| course | cold | unchanged | RSS after its index is loaded (MB) |\n|---|---|---|---|")
        for entry in root.catalog().courses:
            services = root.for_course(entry.id)
            t0 = time.perf_counter()
            ingest(services)
            cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            ingest(services)
            warm = time.perf_counter() - t0
            services.index()
            print(f"| {entry.id} | {cold:.1f} | {warm:.2f} | {rss_mb():.0f} |")
        print(f"\nRSS: {base:.0f} MB before the model, {model:.0f} MB with it; "
              f"model objects: {len({id(root.for_course(c).embedder) for c in root.catalog().ids})} for "
              f"{len(root.catalog().ids)} courses")

        from fastapi.testclient import TestClient

        from imaging_tutor.api.app import create_app

        app = create_app(services=root)
        rows = [("GET /sections", "get", "/sections", None),
                ("POST /chat", "post", "/chat", {"message": "What is sensitivity?"})]
        print(f"\n## request latency in process, median of {args.repeat} (ms)\n\n| request | /api/v1/… | "
              "/api/v1/courses/ai-in-medical-imaging/… |\n|---|---|---|")
        with TestClient(app) as client:
            for label, method, path, body in rows:
                timings = {}
                for prefix in ("/api/v1", "/api/v1/courses/ai-in-medical-imaging"):
                    values = []
                    for _ in range(args.repeat):
                        t0 = time.perf_counter()
                        r = getattr(client, method)(prefix + path, **({"json": body} if body else {}))
                        values.append(time.perf_counter() - t0)
                        assert r.status_code == 200, r.text
                    timings[prefix] = values
                print(f"| {label} | {ms(timings['/api/v1']).strip()} | "
                      f"{ms(timings['/api/v1/courses/ai-in-medical-imaging']).strip()} |")
        root.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
