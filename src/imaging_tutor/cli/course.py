"""`imaging-tutor sections | ingest | course check | course list`: the outline, building the index, an author's
check of a course folder, and the courses of the deployment."""
from __future__ import annotations

import argparse
import sys

from . import print_json

EXIT_CHECK_FAILED = 1


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("sections", help="print the course outline")
    s.add_argument("--json", action="store_true", help="full section texts as JSON")
    s.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")
    s.add_argument("--course", metavar="ID", help="a course of TUTOR_COURSES_DIR, by id")

    s = sub.add_parser("ingest", help="parse, chunk, embed and index the course (idempotent)",
                       description="Index the default course (TUTOR_CORPUS_DIR, or TUTOR_DEFAULT_COURSE), one course "
                                   "by id or folder, or every course of TUTOR_COURSES_DIR. The author's check runs "
                                   "first and its warnings are printed; only errors stop a course.")
    which = s.add_mutually_exclusive_group()
    which.add_argument("--corpus", help="course folder (default: TUTOR_CORPUS_DIR)")
    which.add_argument("--course", metavar="ID", help="a course of the deployment, by id")
    which.add_argument("--all", action="store_true", help="every course of the deployment")
    s.add_argument("--json", action="store_true")

    sub.add_parser("export-onnx", help="export the embedding model to ONNX in the data dir, once per model "
                                       "(serving then embeds without torch)")

    c = sub.add_parser("course", help="check a course folder, or list the deployment's courses")
    csub = c.add_subparsers(dest="course_command", required=True)
    k = csub.add_parser("check", help="validate a course folder and say what the tutor can do with it",
                        description="Check course.md (format errors with line numbers, thin sections), the optional "
                                    "questions.jsonl, quiz_keys.json, glossary.json and synonyms.json, and print what "
                                    "the tutor will and will not be able to do with the course. Exit 1 on errors "
                                    "(with --strict also on warnings).")
    k.add_argument("path", nargs="?", help="course folder (default: TUTOR_CORPUS_DIR)")
    k.add_argument("--all", action="store_true", help="every course folder of TUTOR_COURSES_DIR and TUTOR_CORPUS_DIR")
    k.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    k.add_argument("--json", action="store_true")
    imp = csub.add_parser("import", help="draft a course folder from a course's raw text (no headings)",
                          description="Read a raw course text (a title line, a subtitle line, overview paragraphs, "
                                      "then per chapter its introduction, 'Practice note for Milestone: …' lines, "
                                      "paragraphs and the chapter quiz's numbered stems) and write DEST/course.md: "
                                      "chapters end at their quiz, milestones become objectives, sections are cut "
                                      "where the topic shifts. Titles and section cuts are drafts: read course.md, "
                                      "edit, then `course check` and `ingest`.")
    imp.add_argument("raw", help="the raw course text (UTF-8)")
    imp.add_argument("dest", help="the course folder to create (its course.md is written)")
    imp.add_argument("--id", help="the course id (default: from the title)")
    imp.add_argument("--force", action="store_true", help="overwrite an existing DEST/course.md")
    lst = csub.add_parser("list", help="the courses of this deployment (TUTOR_COURSES_DIR, TUTOR_CORPUS_DIR)")
    lst.add_argument("--json", action="store_true")


def course_services(services, course_id: str | None):
    """The Services of the course a command names with --course (the default course without one)."""
    return services.for_course(course_id) if course_id else services.default_course()


def run_sections(args: argparse.Namespace, services) -> int:
    from ..corpus.course import load_course

    folder = args.corpus or course_services(services, args.course).settings.corpus_dir
    course = load_course(folder)
    if args.json:
        print_json({"course": course.public(), "sections": [s.public() for s in course.sections]})
        return 0
    print(f"{course.title} (id {course.id}, version {course.version})")
    for ch in course.chapters:
        print(f"\nChapter {ch.number}: {ch.title}")
        for s in ch.sections:
            print(f"  [{s.ref}] {s.section_title}  ({len(s.text.split())} words)")
    return 0


def _ingest_one(services, folder, args, bar_state: dict):
    from tqdm import tqdm

    from ..index.ingest import ingest

    def progress(stage: str, done: int, total: int) -> None:
        if bar_state.get("bar") is None:
            bar_state["bar"] = tqdm(total=total, desc="embedding", unit="text", file=sys.stderr, disable=args.json)
        bar_state["bar"].n = done
        bar_state["bar"].refresh()

    try:
        return ingest(services, folder, progress=progress)
    finally:
        if bar_state.get("bar") is not None:
            bar_state.pop("bar").close()


def print_summary(summary) -> None:
    print(f"course {summary.course_id} v{summary.version}: {summary.chapters} chapters, {summary.sections} sections, "
          f"{summary.chunks} chunks, {summary.sentences} sentences, {summary.titles} titles, {summary.questions} bank questions")
    for stale in summary.stale_questions:
        print(f"warning: question bank row set aside, {stale}", file=sys.stderr)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    for reason in summary.model_warnings:
        print(f"warning: {reason}; refit with `make fit`", file=sys.stderr)
    print(f"embedded {summary.embedded}, reused {summary.reused} in {summary.seconds:.1f} s "
          f"({'switched to' if summary.changed else 'unchanged:'} {summary.collection})")


def run_ingest(args: argparse.Namespace, services) -> int:
    if args.all:
        from ..index.courses import ingest_courses

        done = ingest_courses(services, report=None if args.json else print_summary)
        if args.json:
            print_json({"courses": [s.as_dict() for s in done.summaries], "failures": done.failures})
        for failure in done.failures:
            print(f"error: {failure}", file=sys.stderr)
        return 0 if done.ok else 2
    target = course_services(services, args.course) if not args.corpus else services
    summary = _ingest_one(target, args.corpus, args, {})
    export = export_onnx(target)
    if args.json:
        print_json(summary.as_dict())
    else:
        print_summary(summary)
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


def run_course(args: argparse.Namespace, services) -> int:
    return {"check": run_check, "list": run_list, "import": run_import}[args.course_command](args, services)


def run_import(args: argparse.Namespace, services) -> int:
    from pathlib import Path

    from ..corpus.check import check_course
    from ..corpus.course import parse_course
    from ..corpus.raw_import import RawFormatError, draft, retitle, slug
    from ..errors import CourseFormatError
    from ..quiz.mining import mine_terms

    dest = Path(args.dest) / "course.md"
    if dest.exists() and not args.force:
        print(f"error: {dest} exists (--force overwrites it)", file=sys.stderr)
        return EXIT_CHECK_FAILED
    try:
        text = Path(args.raw).read_text(encoding="utf-8-sig")  # a BOM is not part of the title
        result = draft(text, services.embedder.embed)
    except (OSError, UnicodeDecodeError, RawFormatError) as exc:
        print(f"error: {args.raw}: {exc}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    course_id = args.id or slug(result.title)
    try:
        defined: dict[str, list[str]] = {}
        for term in mine_terms(parse_course(result.markdown(course_id))):
            if term.source != "title":
                defined.setdefault(term.ref, []).append(term.name)
        result = retitle(result, defined)
    except CourseFormatError:
        pass  # the draft does not parse: written as it is, and the check below says where
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(result.markdown(course_id), encoding="utf-8")
    print(f"wrote {dest}: {len(result.chapters)} chapters, "
          + ", ".join(f"chapter {c.number} {len(c.sections)} sections" for c in result.chapters))
    print("Chapter and section titles and the section cuts are drafts (the raw text names none): read and edit "
          "course.md before ingest.\n")
    check = check_course(dest.parent)
    print(check.text())
    return 0 if check.ok else EXIT_CHECK_FAILED


def run_check(args: argparse.Namespace, services) -> int:
    from ..corpus.catalog import course_folders
    from ..corpus.check import check_course

    if args.all:
        settings = services.settings
        folders = course_folders(settings.courses_dir) if settings.courses_dir else []
        if not any(_same(f, settings.corpus_dir) for f in folders):
            folders.append(settings.corpus_dir)
    else:
        folders = [args.path or services.settings.corpus_dir]
    checks = [check_course(f) for f in folders]
    for check in checks:
        if check.course is not None and not check.errors:
            add_practice(check)
    if args.json:
        print_json(checks[0].as_dict() if len(checks) == 1 and not args.all else [c.as_dict() for c in checks])
    else:
        print("\n\n".join(c.text() for c in checks))
    failed = any(not c.ok or (args.strict and c.warnings) for c in checks)
    return EXIT_CHECK_FAILED if failed else 0


def add_practice(check) -> None:
    """Add to an author's check what practice quizzes each chapter's text supports (a warning under six items)."""
    from ..quiz.report import describe_capacity, practice_capacity

    can, cannot, warnings = describe_capacity(practice_capacity(check.course))
    check.can.extend(can)
    check.cannot.extend(cannot)
    for message in warnings:
        check.add("warning", "course.md", message)


def _same(a, b) -> bool:
    from pathlib import Path

    return Path(a).resolve() == Path(b).resolve()


def run_list(args: argparse.Namespace, services) -> int:
    catalog = services.catalog()
    if args.json:
        print_json({"courses": [{**c.public(catalog.default_id), "folder": str(c.folder)} for c in catalog.courses],
                    "problems": list(catalog.problems)})
        return 0
    for c in catalog.courses:
        mark = "*" if c.id == catalog.default_id else " "
        print(f"{mark} {c.id:<32} {c.title} (v{c.version})  {c.folder}")
    for problem in catalog.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not catalog.courses:
        print("no courses (set TUTOR_CORPUS_DIR or TUTOR_COURSES_DIR)", file=sys.stderr)
    return 0
