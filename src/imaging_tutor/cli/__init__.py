"""The `imaging-tutor` command: a thin argparse layer over the domain functions, with an explicit command table."""
from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Callable

from ..config import get_settings
from ..errors import TutorError

if TYPE_CHECKING:
    from ..services import Services

Run = Callable[[argparse.Namespace, "Services"], int]


def print_json(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _commands() -> dict[str, Run]:
    """Every subcommand and the function that runs it (each module also adds its own parser below)."""
    from . import ask, course, evals, quiz, serve

    return {"sections": course.run_sections, "ingest": course.run_ingest, "export-onnx": course.run_export_onnx,
            "course": course.run_course,
            "ask": ask.run, "quiz": quiz.run, "eval": evals.run, "serve": serve.run_serve, "ui": serve.run_ui,
            "up": serve.run_up}


# Commands that embed the whole course: with the `auto` embedder they run the torch model, the reference the
# ONNX export is checked against (and exported from), so stored vectors do not depend on which runtime serves.
INGESTING = {"ingest", "up"}


def build_parser() -> argparse.ArgumentParser:
    from . import ask, course, evals, quiz, serve

    p = argparse.ArgumentParser(prog="imaging-tutor", description="A retrieval-grounded tutor for a course.")
    sub = p.add_subparsers(dest="command", required=True)
    for module in (course, ask, quiz, evals, serve):
        module.add_parsers(sub)
    return p


def main(argv: list[str] | None = None, services: "Services | None" = None) -> int:
    """Entry point; user errors print one clear line and exit 2. Tests pass their own services."""
    args = build_parser().parse_args(argv)
    if services is None:
        from ..services import Services

        settings = get_settings()
        if args.command in INGESTING and settings.embedder == "auto":
            settings = settings.model_copy(update={"embedder": "torch"})
        services = Services(settings, check_store=False)  # one command: no worker to keep in step with /readyz
    try:
        return _commands()[args.command](args, services) or 0
    except TutorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        services.close()
