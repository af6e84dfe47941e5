"""`imaging-tutor sections | ingest`: the course outline, and building the index."""
from __future__ import annotations

import argparse
import sys

from . import print_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sections", help="print the course outline")
    s.add_argument("--json", action="store_true", help="full section texts as JSON")
    s.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")

    s = sub.add_parser("ingest", help="parse, chunk, embed and index the course (idempotent); exports the "
                                      "embedding model to ONNX when that is not done yet")
    s.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")
    s.add_argument("--json", action="store_true")

    sub.add_parser("export-onnx", help="export the embedding model to ONNX in the data dir, once per model "
                                       "(serving then embeds without torch)")


def run_sections(args: argparse.Namespace, services) -> int:
    from ..corpus.course import load_course

    course = load_course(args.corpus or services.settings.corpus_dir)
    if args.json:
        print_json({"course": course.public(), "sections": [s.public() for s in course.sections]})
        return 0
    print(f"{course.title} (id {course.id}, version {course.version})")
    for ch in course.chapters:
        print(f"\nChapter {ch.number}: {ch.title}")
        for s in ch.sections:
            print(f"  [{s.ref}] {s.section_title}  ({len(s.text.split())} words)")
    return 0


def run_ingest(args: argparse.Namespace, services) -> int:
    from tqdm import tqdm

    from ..index.ingest import ingest

    bar = None

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, disable=args.json)
        bar.n = done
        bar.refresh()

    summary = ingest(services, args.corpus, progress=progress)
    if bar is not None:
        bar.close()
    export = export_onnx(services)
    if args.json:
        print_json(summary.as_dict())
    else:
        print(f"course {summary.course_id} v{summary.version}: {summary.chapters} chapters, {summary.sections} sections, "
              f"{summary.chunks} chunks, {summary.sentences} sentences, {summary.titles} titles, {summary.questions} bank questions")
        for stale in summary.stale_questions:
            print(f"warning: question bank row set aside, {stale}", file=sys.stderr)
        for reason in summary.model_warnings:
            print(f"warning: {reason}; refit with `make fit`", file=sys.stderr)
        print(f"embedded {summary.embedded}, reused {summary.reused} in {summary.seconds:.1f} s "
              f"({'switched to' if summary.changed else 'unchanged:'} {summary.collection})")
        if export is not None:
            print(f"ONNX export of the embedding model: {export}")
    return 0


def export_onnx(services):
    """Make sure the model's ONNX export exists, reusing the torch model these services already loaded.

    A model the exporter cannot reproduce exactly is reported and left on torch: serving falls back to it.
    """
    from ..index.onnx_export import ExportUnsupported, ensure_export

    inner = getattr(services.embedder, "inner", services.embedder)
    try:
        return ensure_export(services.settings, inner if getattr(inner, "backend", None) == "torch" else None)
    except ExportUnsupported as exc:
        print(f"warning: no ONNX export, serving will use torch: {exc}", file=sys.stderr)
        return None


def run_export_onnx(args: argparse.Namespace, services) -> int:
    from ..index.onnx_export import ExportUnsupported, ensure_export

    try:
        print(ensure_export(services.settings))
    except ExportUnsupported as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
