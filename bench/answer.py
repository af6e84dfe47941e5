"""Answer latency and first-hit rate: the hybrid tutor versus a naive single-retriever pipeline, in one run.

The naive pipeline is langchain's RecursiveCharacterTextSplitter at 1,000 characters + MiniLM + top-k cosine.
Both are measured warm and in-process over the answerable questions of an eval set; cold `imaging-tutor ask`
is measured as a subprocess. Prints a table. Usage: .venv/bin/python bench/answer.py [SET.jsonl]
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main() -> None:
    set_path = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "evals/sets/grounding.jsonl")
    rows = [json.loads(line) for line in set_path.read_text().splitlines() if line.strip()]
    answerable = [r for r in rows if r["kind"] == "answerable" and not r.get("history")]
    data = Path(tempfile.mkdtemp(prefix="bench-answer-"))
    os.environ["TUTOR_DATA_DIR"] = str(data)
    os.environ["TUTOR_CORPUS_DIR"] = str(ROOT / "corpus/ai-in-medical-imaging")

    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from imaging_tutor.config import get_settings
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.services import Services
    from imaging_tutor.tutor import pipeline as tutor

    services = Services(get_settings())
    embedder = services.embedder
    ingest(services)
    course = load_course(services.settings.corpus_dir)

    def gold_of(r: dict) -> set[str]:
        if r.get("gold_refs"):
            return set(r["gold_refs"])
        return {s.ref for s in course.sections if any(e in s.text for e in r.get("evidence", []))}

    # Hybrid tutor, warm.
    for r in answerable[:3]:
        tutor.answer(services, r["question"])
    lat, hits = [], 0
    for r in answerable:
        t = time.perf_counter()
        a = tutor.answer(services, r["question"], chapter=r.get("chapter"))
        lat.append((time.perf_counter() - t) * 1000)
        hits += bool(a.citations) and a.citations[0].ref in gold_of(r)

    # Naive pipeline: 1,000-character recursive chunks over each section, MiniLM, top-1 by cosine.
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=0)
    chunks = [(s.ref, c) for s in course.sections for c in splitter.split_text(s.text)]
    vectors = embedder.embed([c for _, c in chunks])
    n_lat, n_hits = [], 0
    for r in answerable:
        t = time.perf_counter()
        q = embedder.embed([r["question"]])[0]
        best = int(np.argmax(vectors @ q))
        n_lat.append((time.perf_counter() - t) * 1000)
        n_hits += chunks[best][0] in gold_of(r)

    # Cold CLI: a new process loads the model and the index.
    cold = []
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run([str(ROOT / ".venv/bin/imaging-tutor"), "ask", "what is drift?", "--json"], check=True,
                       capture_output=True, env=os.environ.copy())
        cold.append(time.perf_counter() - t)

    n = len(answerable)
    print(f"questions: {n} answerable, single-turn, from {set_path.name}")
    print(f"{'pipeline':<34}{'first hit':>10}{'p50 ms':>10}{'p95 ms':>10}")
    print(f"{'hybrid tutor (extractive)':<34}{hits / n:>10.3f}{pct(lat, 50):>10.1f}{pct(lat, 95):>10.1f}")
    print(f"{'naive: 1000-char splits + MiniLM':<34}{n_hits / n:>10.3f}{pct(n_lat, 50):>10.1f}{pct(n_lat, 95):>10.1f}")
    print(f"first-hit ratio hybrid/naive: {hits / max(n_hits, 1):.2f}x; "
          f"latency ratio p50: {pct(lat, 50) / max(pct(n_lat, 50), 1e-9):.1f}x")
    print(f"cold `imaging-tutor ask`: {statistics.mean(cold):.2f} s mean of {len(cold)} (target < 8 s); "
          f"warm p95 {pct(lat, 95):.1f} ms (target < 100 ms)")


if __name__ == "__main__":
    main()
