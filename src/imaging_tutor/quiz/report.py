"""Quality report: validity of generated items over every section, course-key checks, and grading agreement."""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from ..corpus.course import Course
from . import calibration
from .candidates import section_candidates
from .generator import select
from .grading import THRESHOLDS
from .keys import check_keys, course_items, load_keys
from .schema import ITEM_TYPES
from .validate import check_items
from ..errors import InvalidInput


def chapter_quizzes(course: Course, embedder, course_dir=None, count: int = 30, seed: int = 1) -> dict:
    """`quiz generate --count 30` for each chapter: kinds, levels, true/false balance, and the distinct ceiling."""
    from .generator import course_key_pool, generate

    extra = course_key_pool(course_dir, course) if course_dir else []
    out = {}
    for ch in course.chapters:
        try:
            quiz = generate(course, embedder, chapters=[ch.number], count=count, seed=seed, extra=extra)
        except InvalidInput as exc:
            out[ch.number] = {"error": str(exc)}
            continue
        items = quiz.items
        tf = [it for it in items if it.type == "tf"]
        numeric = [it for it in items if it.type == "numeric"]
        from .computed import recompute

        out[ch.number] = {"items": len(items), "possible": quiz.possible,
                          "types": dict(Counter(it.type for it in items)),
                          "levels": dict(Counter(it.level for it in items)),
                          "apply_share": round(sum(it.level == "apply" for it in items) / len(items), 3),
                          "tf_false_share": round(sum(it.answer == "False" for it in tf) / len(tf), 3) if tf else None,
                          "computed_recompute": all(abs(recompute(it.numeric) - it.numeric.value) < 1e-9
                                                    for it in numeric)}
    return out


def item_validity(course: Course, embedder) -> dict:
    """Every candidate of every section through validation, then per-chapter assembly with duplicate removal."""
    per_type: dict[str, Counter] = defaultdict(Counter)
    reasons: Counter = Counter()
    sections_without = []
    for s in course.sections:
        items = section_candidates(course, s.ref, embedder)
        if not items:
            sections_without.append(s.ref)
        checked = check_items(items, course)
        for it in checked.valid:
            per_type[it.type]["valid"] += 1
        for r in checked.rejections:
            per_type[r.type]["rejected"] += 1
            reasons[f"{r.type}:{r.reason}"] += 1
    types = {t: {"candidates": c["valid"] + c["rejected"], "valid": c["valid"], "rejected": c["rejected"],
                 "valid_pct": round(100 * c["valid"] / max(1, c["valid"] + c["rejected"]), 1)}
             for t, c in sorted(per_type.items(), key=lambda kv: ITEM_TYPES.index(kv[0]))}
    chapters = {}
    dup_reasons: Counter = Counter()
    for ch in course.chapters:
        pool = [it for s in ch.sections for it in section_candidates(course, s.ref, embedder)]
        accepted, rejections = select(course, pool, list(ITEM_TYPES), seed=0, embedder=embedder)
        dup_reasons.update(r.reason for r in rejections if r.reason in ("duplicate", "same_source", "same_concept",
                                                                          "near_duplicate"))
        chapters[ch.number] = {"distinct_items": len(accepted), "by_type": dict(Counter(it.type for it in accepted))}
    total = sum(v["candidates"] for v in types.values())
    valid = sum(v["valid"] for v in types.values())
    return {"candidates": total, "valid": valid, "valid_pct": round(100 * valid / max(1, total), 1),
            "by_type": types, "rejected_by_reason": dict(reasons), "sections_without_items": sections_without,
            "per_chapter": chapters, "duplicates_removed_when_assembling": dict(dup_reasons)}


# A practice quiz of a chapter should hold at least this many items (the product's target for any course).
MIN_PRACTICE_ITEMS = 6
TYPE_NAMES = {"mcq": "multiple choice", "tf": "true/false", "cloze": "cloze", "short": "short answer",
              "numeric": "computed"}


def practice_capacity(course: Course) -> dict[int, Counter]:
    """Per chapter, the valid practice items its text supports by type, one per type and quoted sentence.

    No embedder (an author's check should not load the model): `quiz generate` also drops items too close in
    meaning, so it assembles somewhat fewer (measured: 60 of 66 on a three-chapter course, 98 of 115 on this one's
    chapter 1)."""
    out = {}
    for ch in course.chapters:
        valid = check_items([it for s in ch.sections for it in section_candidates(course, s.ref)], course).valid
        out[ch.number] = Counter(t for t, _ in {(it.type, it.explanation) for it in valid})
    return out


def describe_capacity(capacity: dict[int, Counter]) -> tuple[list[str], list[str], list[str]]:
    """(what the tutor can do, what it cannot, warnings) about practice quizzes, for `course check`."""
    can, cannot, warnings = [], [], []
    for number, by_type in capacity.items():
        total = sum(by_type.values())
        kinds = ", ".join(f"{n} {TYPE_NAMES[t]}" for t, n in sorted(by_type.items(), key=lambda kv: -kv[1]))
        if total >= MIN_PRACTICE_ITEMS:
            can.append(f"generate practice quizzes of chapter {number} from its text: about {total} items ({kinds})")
            continue
        cannot.append(f"fill a practice quiz of chapter {number} with more than {total} items")
        warnings.append(f"chapter {number}: its text supports only {total} practice item(s)"
                        f"{f' ({kinds})' if kinds else ''}; items come from sentences that define a term (\"X is …\", "
                        f"\"… is called X\"), state a checkable claim, or give an 'if …, …' situation")
    return can, cannot, warnings


def course_key_report(course_dir: Path, course: Course) -> dict:
    keys = load_keys(course_dir, course)
    items = course_items(course_dir, course)
    checked = check_items(items, course)
    return {"keys": len(keys), "problems": check_keys(course, keys), "valid_items": len(checked.valid),
            "rejected": [r.model_dump() for r in checked.rejections]}


def quality_report(services, *, labels: Path | None = None, calibrate: bool = False) -> dict:
    """The full report the `quiz report` command prints."""
    course, embedder, course_dir = services.course(), services.embedder, services.settings.corpus_dir
    examples = calibration.load_examples(course, course_dir, labels)
    grading = {"thresholds": THRESHOLDS.as_dict(), **calibration.agreement(examples, THRESHOLDS, embedder=embedder)}
    report = {"course": {"id": course.id, "version": course.version},
              "course_keys": course_key_report(course_dir, course),
              "generated_items": item_validity(course, embedder),
              "chapter_quizzes": chapter_quizzes(course, embedder, course_dir),
              "grading": grading,
              "correct_in_own_words": {
                  "eval (never fitted)": calibration.correct_agreement(course, course_dir, embedder,
                                                                       calibration.EVAL_FILE),
                  "roles (never fitted)": calibration.correct_agreement(course, course_dir, embedder,
                                                                        calibration.ROLES_FILE),
                  "fit": calibration.correct_agreement(course, course_dir, embedder, calibration.FIT_FILES[0])}}
    if calibrate:
        best, fit = calibration.calibrate(examples, embedder)
        report["calibration"] = {"best_thresholds": best.as_dict(), "fit": fit,
                                 "cross_validated": calibration.cross_validated(examples, embedder=embedder)}
    return report


def format_report(r: dict) -> str:
    """The report as plain text."""
    g = r["generated_items"]
    lines = [f"Quiz quality report — course {r['course']['id']} v{r['course']['version']}", "",
             f"Course quiz keys: {r['course_keys']['keys']} keys, {r['course_keys']['valid_items']} valid items, "
             f"{len(r['course_keys']['problems'])} problems"]
    lines += [f"  ! {p}" for p in r["course_keys"]["problems"]]
    lines += ["", f"Generated items over all {len(g['per_chapter'])} chapters: {g['valid']}/{g['candidates']} valid "
                  f"({g['valid_pct']}%)"]
    for t, v in g["by_type"].items():
        lines.append(f"  {t:6s} {v['valid']:4d} valid / {v['candidates']:4d} candidates ({v['valid_pct']}%)")
    lines.append("  rejected by reason: " + (", ".join(f"{k} {n}" for k, n in sorted(g["rejected_by_reason"].items()))
                                            or "none"))
    lines.append("  distinct items per chapter after removing duplicates: "
                 + ", ".join(f"ch{c} {v['distinct_items']}" for c, v in g["per_chapter"].items()))
    lines.append("  duplicates removed when assembling: "
                 + ", ".join(f"{k} {n}" for k, n in sorted(g["duplicates_removed_when_assembling"].items())))
    if g["sections_without_items"]:
        lines.append("  sections with no items: " + ", ".join(g["sections_without_items"]))
    lines += ["", "Chapter quizzes (`quiz generate --chapter N --count 30 --seed 1`):"]
    for c, v in r.get("chapter_quizzes", {}).items():
        if "error" in v:
            lines.append(f"  ch{c}: {v['error']}")
            continue
        lines.append(f"  ch{c}: {v['items']} items of {v['possible']} possible; types {v['types']}; apply "
                     f"{v['apply_share']:.0%}; true/false false {v['tf_false_share']:.0%}; computed answers "
                     f"re-compute: {v['computed_recompute']}")
    for name, c in r.get("correct_in_own_words", {}).items():
        lines += ["", f"'Correct' against the labels, {name}: precision {c['precision']:.3f}, recall {c['recall']:.3f} "
                      f"({c['n']} answers, {c['right']} right)"]
        for style, row in c["by_style"].items():
            lines.append(f"  {style:13s} ({row['label']:7s}) n={row['n']:3d}  marked correct {row['marked_correct']}")
    gr = r["grading"]
    lines += ["", f"Key-term score alone (it sets partial credit; 'correct' is the meaning model's call above), on "
                  f"{gr['n']} labelled answers: {gr['agreement']:.1%} "
                  f"(correct/partial/incorrect), {gr['binary_agreement']:.1%} (correct vs not); "
                  f"wrong answers marked correct: {gr['wrong_marked_correct']}"]
    for label, row in gr["by_label"].items():
        lines.append(f"  {label:9s} n={row['n']:3d}  → correct {row['correct']}, partial {row['partial']}, "
                     f"incorrect {row['incorrect']}")
    if "calibration" in r:
        c = r["calibration"]
        lines += ["", f"Calibration: best grid point {c['best_thresholds']}",
                  f"  fit agreement {c['fit']['agreement']:.1%}, 5-fold cross-validated "
                  f"{c['cross_validated']['agreement']:.1%} (binary {c['cross_validated']['binary_agreement']:.1%})"]
    return "\n".join(lines)
