"""`imaging-tutor ask`: the tutor from the command line."""
from __future__ import annotations

import argparse
import json
import sys



def add_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ask", help="ask the tutor a question")
    p.add_argument("question")
    p.add_argument("--session", help="conversation id: turns are stored and follow-ups understood")
    p.add_argument("--chapter", type=int, help="only answer from this chapter")
    p.add_argument("--mode", choices=["answer", "hint"], default="answer")
    p.add_argument("--json", action="store_true", help="print the Answer object as JSON")
    p.add_argument("--course", metavar="ID", help="a course of the deployment (default: the default course)")


def run(args: argparse.Namespace, services) -> int:
    from ..errors import IndexMissing
    from ..index.ingest import ingest
    from ..tutor.pipeline import answer
    from .course import course_services, export_onnx

    services = course_services(services, args.course)
    try:
        result = answer(services, args.question, session_id=args.session, chapter=args.chapter, mode=args.mode)
    except IndexMissing:
        # First use on a fresh checkout: build the index once rather than fail.
        print("no index yet: ingesting the course (once)…", file=sys.stderr)
        ingest(services)
        export_onnx(services)  # the next `ask` then embeds without torch
        result = answer(services, args.question, session_id=args.session, chapter=args.chapter, mode=args.mode)
    if args.json:
        json.dump(result.contract(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    if result.corrected_question:
        print(f"Showing results for: {result.corrected_question}")
    if result.resolved_question and result.resolved_question != (result.corrected_question or args.question):
        print(f"Answering: {result.resolved_question}")
    print(result.answer)
    if result.care_note:
        print(f"\n{result.care_note}")
    if result.citations:
        print("\nSources:")
        for c in result.citations:
            print(f"  [{c.ref}] {c.chapter_title} — {c.section_title}\n      “{c.quote}”")
    if result.suggestions and result.status != "answered":
        print("\nRelated sections:")
        for s in result.suggestions:
            print(f"  [{s.ref}] {s.section_title}")
    if result.session_id:
        print(f"\n(session {result.session_id})")
    return 0
