"""`imaging-tutor eval SET.jsonl`: run a question set through the tutor, print the metrics, gate the result."""
from __future__ import annotations

import argparse
import json
import sys


EXIT_GATE_FAILED = 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="score the tutor on a question set; exit 1 when the gate fails",
                       description="Answer every question of SET.jsonl with the tutor, score retrieval, citations, "
                                   "grounding, scope and latency, and gate the result against evals/thresholds.toml "
                                   "and an optional baseline.")
    p.add_argument("set", metavar="SET.jsonl", help="question set (see evals/README.md)")
    p.add_argument("--baseline", metavar="PATH", help="compare with a saved baseline; a regression fails the gate")
    p.add_argument("--report", metavar="PATH", help="write a report: PATH.md (with PATH.svg) or PATH.html")
    p.add_argument("--json", action="store_true", help="print one JSON object with all metrics and rows")
    p.add_argument("--save-baseline", metavar="PATH", help="write this run as a baseline JSON file")
    p.add_argument("--thresholds", metavar="PATH", help="floors file (default: evals/thresholds.toml beside the set)")
    p.add_argument("--no-store", action="store_true", help="do not record the run in the database")
    p.add_argument("--course", metavar="ID", help="a course of the deployment (default: the default course)")


def run(args: argparse.Namespace, services) -> int:
    from ..evals.baseline import save_baseline
    from ..evals.report import check_report_path, text_table, write_report
    from ..evals.runner import run_eval

    if args.report:
        check_report_path(args.report)
    bar = None
    if not args.json and sys.stderr.isatty():
        from tqdm import tqdm

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if bar is None:
                bar = tqdm(total=total, desc="questions", unit="q", file=sys.stderr, leave=False)
            bar.n = done
            bar.refresh()
    else:
        progress = None  # type: ignore[assignment]

    from .course import course_services

    services = course_services(services, args.course)
    report = run_eval(args.set, services, args.baseline, thresholds=args.thresholds,
                      store=not args.no_store, progress=progress)
    if bar is not None:
        bar.close()
    data = report.to_dict()
    written = write_report(data, args.report) if args.report else []
    if args.save_baseline:
        written.append(save_baseline(data, args.save_baseline))
    if args.json:
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(text_table(data))
        for path in written:
            print(f"wrote {path}")
    return 0 if report.passed else EXIT_GATE_FAILED
