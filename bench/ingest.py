"""Ingest speed: model load, cold and unchanged re-ingest of the real course, and of a synthetic course N× its size.

Run: .venv/bin/python bench/ingest.py [--scale 50] [--only course|synthetic]
Each scenario runs in its own process so its peak RSS (model + Chroma + data) is its own.
Targets: real course cold ingest < 20 s (model already loaded), unchanged re-ingest < 3 s.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus" / "ai-in-medical-imaging"
TARGETS = {"course cold ingest": 20.0, "course re-ingest, unchanged": 3.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def synthetic_course_md(scale: int) -> str:
    """The real course repeated `scale` times as distinct chapters; every paragraph carries its copy number,
    so section hashes and ids differ and nothing can be reused within one ingest."""
    from imaging_tutor.corpus.course import load_course

    course = load_course(CORPUS)
    out = ["---", f"id: synthetic-{scale}x", f"title: {course.title} (synthetic {scale}x)", "version: 1.0.0", "---", ""]
    number = 0
    for copy in range(1, scale + 1):
        for ch in course.chapters:
            number += 1
            out += [f"# Chapter {number}: {ch.title} (part {copy})", "", "```objectives"]
            out += [f"- {o}" for o in ch.objectives] + ["```", ""]
            for sec in ch.sections:
                out += [f"## {number}.{sec.section} {sec.section_title}", ""]
                for p in sec.paragraphs:
                    out += [f"Part {copy}: {p}", ""]
            out += ["```quiz"] + [f"{q.number}. {q.text}" for q in ch.quiz] + ["```", ""]
    return "\n".join(out)


def _row(name: str, summary, seconds: float) -> dict:
    texts = summary.chunks + summary.sentences + summary.titles + summary.questions
    return {"scenario": name, "sections": summary.sections, "chunks": summary.chunks, "texts": texts,
            "embedded": summary.embedded, "seconds": round(seconds, 2),
            "chunks_per_s": round(summary.chunks / seconds, 1), "texts_per_s": round(texts / seconds, 1),
            "peak_rss_mb": round(peak_rss_mb())}


def run_scenario(which: str, scale: int) -> list[dict]:
    """Runs inside a child process; returns the rows for one scenario."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    from imaging_tutor.config import Settings
    from imaging_tutor.index.embedding import CachingEmbedder, SentenceTransformerEmbedder
    from imaging_tutor.index.ingest import ingest
    from imaging_tutor.services import Services

    rows = []
    t = time.perf_counter()
    embedder = CachingEmbedder(SentenceTransformerEmbedder(), max_items=0)  # no memo: every text really embedded
    embedder.embed(["warm-up"])  # first inference allocates; count it as part of loading
    load = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        tmp = Path(tmp)
        if which == "course":
            rows.append({"scenario": "model load (+ first inference)", "seconds": round(load, 2),
                         "peak_rss_mb": round(peak_rss_mb())})
            corpus, label = CORPUS, "course"
        else:
            corpus, label = tmp / "corpus", f"{scale}x course"
            corpus.mkdir()
            (corpus / "course.md").write_text(synthetic_course_md(scale), encoding="utf-8")
        services = Services(Settings(data_dir=tmp / "data", corpus_dir=corpus), embedder=embedder)
        for name in (f"{label} cold ingest", f"{label} re-ingest, unchanged"):
            t = time.perf_counter()
            summary = ingest(services)
            rows.append(_row(name, summary, time.perf_counter() - t))
    return rows


def print_table(rows: list[dict]) -> None:
    cols = [("scenario", "scenario", "<"), ("sections", "sections", ">"), ("chunks", "chunks", ">"),
            ("texts", "texts (chunks, sentences, titles, bank questions)", ">"), ("embedded", "embedded", ">"), ("seconds", "wall s", ">"),
            ("chunks_per_s", "chunks/s", ">"), ("texts_per_s", "texts/s", ">"), ("peak_rss_mb", "peak RSS MB", ">")]
    cells = [[str(r.get(key, "")) for key, _, _ in cols] for r in rows]
    widths = [max(len(head), *(len(c[i]) for c in cells)) for i, (_, head, _) in enumerate(cols)]
    fmt = lambda values: "| " + " | ".join(f"{v:{a}{w}}" for v, w, (_, _, a) in zip(values, widths, cols)) + " |"  # noqa: E731
    print(fmt([head for _, head, _ in cols]))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(fmt(c))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=50, help="size of the synthetic course in copies of the real one")
    p.add_argument("--only", choices=["course", "synthetic"])
    p.add_argument("--scenario", help=argparse.SUPPRESS)  # internal: run one scenario and print JSON rows
    args = p.parse_args()
    if args.scenario:
        print(json.dumps(run_scenario(args.scenario, args.scale)))
        return 0

    rows: list[dict] = []
    for which in [args.only] if args.only else ["course", "synthetic"]:
        res = subprocess.run([sys.executable, __file__, "--scenario", which, "--scale", str(args.scale)],
                             capture_output=True, text=True)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            return res.returncode
        rows += json.loads(res.stdout.strip().splitlines()[-1])
    print(f"ingest benchmark on {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; "
          "peak RSS is per scenario process (model included)")
    print_table(rows)
    for r in rows:
        if r["scenario"] in TARGETS:
            ok = r["seconds"] < TARGETS[r["scenario"]]
            print(f"target {r['scenario']} < {TARGETS[r['scenario']]:.0f} s: {'met' if ok else 'MISSED'} ({r['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
