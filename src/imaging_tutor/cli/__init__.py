"""The `imaging-tutor` command: a thin argparse layer over the domain functions."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Callable

from ..config import get_settings
from ..errors import TutorError

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    def register(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn
    return register


def _print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


@command("sections")
def cmd_sections(args: argparse.Namespace) -> int:
    from ..corpus.course import load_course

    course = load_course(args.corpus or get_settings().corpus_dir)
    if args.json:
        _print_json({"course": course.public(), "sections": [s.public() for s in course.sections]})
        return 0
    print(f"{course.title} (id {course.id}, version {course.version})")
    for ch in course.chapters:
        print(f"\nChapter {ch.number}: {ch.title}")
        for s in ch.sections:
            print(f"  [{s.ref}] {s.section_title}  ({len(s.text.split())} words)")
    return 0


@command("ingest")
def cmd_ingest(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..index.ingest import ingest

    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, disable=args.json)
        bar.n = done
        bar.refresh()

    summary = ingest(get_settings(), args.corpus, progress=progress)
    if bar is not None:
        bar.close()
    if args.json:
        _print_json(summary.as_dict())
    else:
        print(f"course {summary.course_id} v{summary.version}: {summary.chapters} chapters, {summary.sections} sections, "
              f"{summary.chunks} chunks, {summary.sentences} sentences, {summary.titles} titles, {summary.questions} bank questions")
        for stale in summary.stale_questions:
            print(f"warning: question bank row set aside, {stale}", file=sys.stderr)
        print(f"embedded {summary.embedded}, reused {summary.reused} in {summary.seconds:.1f} s "
              f"({'switched to' if summary.changed else 'unchanged:'} {summary.collection})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="imaging-tutor", description="A retrieval-grounded tutor for the imaging-AI course.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("sections", help="print the course outline")
    s.add_argument("--json", action="store_true", help="full section texts as JSON")
    s.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")

    s = sub.add_parser("ingest", help="parse, chunk, embed and index the course (idempotent)")
    s.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")
    s.add_argument("--json", action="store_true")

    for extend in _EXTENSIONS:
        extend(sub)
    return p


# Other modules add their subcommands here (name -> parser builder), keeping this file a thin router.
_EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []


def _load_extensions() -> None:
    import importlib

    for mod in ("imaging_tutor.cli.ask", "imaging_tutor.cli.quiz", "imaging_tutor.cli.evals", "imaging_tutor.cli.serve"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors print one clear line and exit 2."""
    _load_extensions()
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args) or 0
    except TutorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    # Run as `python -m imaging_tutor.cli`: extensions register on the imported module, so delegate to it.
    from imaging_tutor.cli import main as _main

    sys.exit(_main())
