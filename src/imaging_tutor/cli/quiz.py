"""`imaging-tutor quiz …`: generate a practice quiz, export a saved one, print the quality report."""
from __future__ import annotations

import argparse
import json
import sys

from . import print_json


def add_parsers(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("quiz", help="practice quizzes: generate, export, list, quality report")
    qs = q.add_subparsers(dest="quiz_command", required=True)

    g = qs.add_parser("generate", help="build a practice quiz from the course text")
    g.add_argument("--chapter", type=int, action="append", help="chapter number (repeatable)")
    g.add_argument("--ref", action="append", help="section ref such as 4.3 (repeatable)")
    g.add_argument("--count", type=int, default=10)
    g.add_argument("--types", default="mcq,tf,cloze,short,numeric", help="comma-separated: mcq,tf,cloze,short,numeric")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--levels", help="only these levels, comma-separated: recall,understand,apply")
    g.add_argument("--json", action="store_true", help="the quiz (with answer key) as JSON")
    g.add_argument("--save", metavar="TITLE", help="save the quiz to the bank under this title")

    e = qs.add_parser("export", help="export a saved quiz, or the course's own chapter quizzes")
    e.add_argument("id", help="saved quiz id qb-… (printed by `quiz generate --save`, listed by `quiz list`), "
                              "`course-N` for chapter N's own quiz, or `course` for all of them")
    e.add_argument("--format", required=True, choices=["gift", "qti", "json", "md"])
    e.add_argument("-o", "--output", required=True, help="file to write, or a folder for the default filename")

    ls = qs.add_parser("list", help="saved quizzes")
    ls.add_argument("--json", action="store_true")

    r = qs.add_parser("report", help="generated-item validity over all sections and grading agreement")
    r.add_argument("--labels", help="labelled answers (default evals/quiz/grading_labels.jsonl)")
    r.add_argument("--calibrate", action="store_true", help="also search thresholds and cross-validate")
    r.add_argument("--json", action="store_true")
    r.add_argument("--out", help="also write the report as JSON to this file")


def _print_quiz(quiz) -> None:
    print(f"{quiz.title} — {len(quiz.items)} items (of {quiz.possible} possible)")
    for n, it in enumerate(quiz.items, 1):
        print(f"\n{n}. [{it.type}, {it.level}, {it.difficulty}, §{it.citation.ref}] {it.prompt}")
        for k, o in enumerate(it.options):
            print(f"   {chr(65 + k)}. {o}")
        print(f"   answer: {it.answer}")
        for step in it.solution:
            print(f"      {step}")
        print(f"   source: [{it.citation.ref}] {it.citation.section_title}: “{it.citation.quote}”")


def run(args: argparse.Namespace, services) -> int:
    from .. import quiz

    if args.quiz_command == "generate":
        qz = quiz.generate_for(services, chapters=args.chapter, refs=args.ref, count=args.count, types=args.types,
                               seed=args.seed, levels=args.levels)
        saved = quiz.save_quiz(services.db, qz, args.save) if args.save else None
        if args.json:
            doc = qz.model_dump(mode="json")
            if saved:
                doc["saved_id"] = saved.id
            print_json(doc)
        else:
            _print_quiz(qz)
            if saved:
                print(f"\nsaved as {saved.id} ({saved.title!r}); export it with: imaging-tutor quiz export {saved.id} "
                      "--format gift -o .")
            else:
                print("\nnot saved: add --save TITLE to keep this quiz and get an id to export")
        return 0
    if args.quiz_command == "export":
        from ..quiz.library import load_any_quiz

        path = quiz.write_export(load_any_quiz(services, args.id), args.format, args.output)
        print(f"wrote {path}")
        return 0
    if args.quiz_command == "list":
        rows = quiz.list_quizzes(services.db)
        if args.json:
            print_json([r.model_dump(mode="json") for r in rows])
        for r in rows if not args.json else []:
            stale = f", {r.stale_items} stale" if r.stale_items else ""
            print(f"{r.id}  {r.title}  ({r.items} items{stale}, {r.created_at:%Y-%m-%d %H:%M})")
        return 0
    report = quiz.quality_report(services, labels=args.labels, calibrate=args.calibrate)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            json.dump(report, f, ensure_ascii=False, indent=2)
            f.write("\n")
    if args.json:
        print_json(report)
    else:
        sys.stdout.write(quiz.format_report(report) + "\n")
    return 0
