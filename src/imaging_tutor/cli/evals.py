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
    p.add_argument("set", metavar="SET.jsonl", nargs="*",
                   help="question set(s), or labelled claims for the verifier (see evals/README.md); with several "
                        "sets each is gated on its own and a summary per kind of input follows")
    p.add_argument("--verifier", action="store_true",
                   help="SET.jsonl holds labelled claims (sentence, ref, supported, kind): score the runtime verifier "
                        "and the grounding metric per kind (chosen by itself when the first row is such a claim)")
    p.add_argument("--baseline", metavar="PATH",
                   help="compare with a saved baseline; a regression fails the gate ('auto': the set's own, "
                        "evals/baselines/<set>.json)")
    p.add_argument("--report", metavar="PATH", help="write a report: PATH.md (with PATH.svg) or PATH.html")
    p.add_argument("--json", action="store_true", help="print one JSON object with all metrics and rows")
    p.add_argument("--save-baseline", metavar="PATH", help="write this run as a baseline JSON file")
    p.add_argument("--thresholds", metavar="PATH", help="floors file (default: evals/thresholds.toml beside the set)")
    p.add_argument("--no-store", action="store_true", help="do not record the run in the database")
    p.add_argument("--course", metavar="ID", help="a course of the deployment (default: the default course)")
    p.add_argument("--definitions", action="store_true",
                   help="also run the set generated from the course's own text: every term it defines, asked as "
                        "'what is X?', 'X', 'what does X mean?', 'explain X' (floors: [definitions-<course id>] in "
                        "evals/thresholds.toml)")


def run(args: argparse.Namespace, services) -> int:
    from ..errors import InvalidInput
    from ..evals.sets import set_name
    from ..evals.report import kind_table

    sets = list(args.set)
    if args.definitions:
        sets.append(str(_definition_set(args, services)))
    if not sets:
        raise InvalidInput("name a question set (SET.jsonl) or pass --definitions")
    if len(sets) > 1:
        for flag, value in (("--save-baseline", args.save_baseline), ("--report", args.report)):
            if value:
                raise InvalidInput(f"{flag} takes one set at a time")
        if args.baseline not in (None, "auto"):
            raise InvalidInput("with several sets, --baseline must be 'auto' (each set's own baseline)")
    codes, merged = [], {}
    for path in sets:
        args.set = path
        code, metrics = _run_one(args, services)
        codes.append(code)
        name = set_name(path)
        for key, value in (metrics or {}).items():
            if ":" in key:  # the same kind in two sets (e.g. single questions) stays two rows
                kind, metric = key.split(":", 1)
                merged[f"{kind if kind == name else f'{name}/{kind}'}:{metric}"] = value
    if len(sets) > 1 and not args.json:
        print("\n".join(kind_table(merged, "summary: every set, per kind of input")))
        print(f"gate: {'PASS' if not any(codes) else 'FAIL'} ({sum(1 for c in codes if not c)} of {len(codes)} sets pass)")
    return max(codes)


def _definition_set(args: argparse.Namespace, services):
    """The course's generated definitions set, written under the data dir (evals/definitions.py)."""
    from ..evals.definitions import write_definition_set
    from .course import course_services

    scoped = course_services(services, args.course)
    return write_definition_set(scoped.course(), scoped.settings.data_dir / "generated-evals")


def _run_one(args: argparse.Namespace, services) -> tuple[int, dict | None]:
    from ..evals.verifier_labels import looks_like_labels

    if args.verifier or looks_like_labels(args.set):
        return run_verifier(args, services), None
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
    baseline, thresholds = args.baseline, args.thresholds
    from ..evals.definitions import PREFIX
    from ..evals.sets import set_name

    generated = set_name(args.set).startswith(PREFIX)
    if generated:  # written under the data dir: its floors and baseline live with the repository's evals/
        from ..evals.catalog import default_sets_dir

        evals_dir = default_sets_dir().parent
        thresholds = thresholds or evals_dir / "thresholds.toml"
    if baseline == "auto":
        from ..evals.catalog import baseline_for

        baseline = baseline_for(args.set)
        if generated:
            own = evals_dir / "baselines" / f"{set_name(args.set)}.json"
            baseline = own if own.is_file() else None
    report = run_eval(args.set, services, baseline, thresholds=thresholds,
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
    return (0 if report.passed else EXIT_GATE_FAILED), data["metrics"]


def run_verifier(args: argparse.Namespace, services) -> int:
    """Labelled claims: the verifier's precision/recall and acceptance per kind, gated by [verifier] thresholds."""
    from ..errors import InvalidInput
    from ..evals.verifier_labels import run_verifier_eval, text_table

    for flag, value in (("--baseline", args.baseline), ("--report", args.report), ("--save-baseline", args.save_baseline)):
        if value:
            raise InvalidInput(f"{flag} applies to question sets, not to labelled claims")
    result = run_verifier_eval(args.set, services, thresholds=args.thresholds)
    if args.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(text_table(result))
    return 0 if result["gate"]["passed"] else EXIT_GATE_FAILED
