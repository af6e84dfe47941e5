"""The verifier against labelled claims: precision and recall of "supported", and acceptance per kind.

`imaging-tutor eval evals/verifier/eval.jsonl` (or any file of such rows, or `--verifier`) scores two measures on the
same labels: the runtime verifier (imaging_tutor.tutor.support, what decides which LLM sentences reach a learner) and
the eval's own grounding metric (imaging_tutor.evals.grounding, token-level entailment). It gates the runtime verifier
with the [verifier] tables of evals/thresholds.toml. The verifier's decision is fitted on evals/verifier/fit.jsonl
only; eval.jsonl is never used for fitting.
"""
from __future__ import annotations

import json
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..corpus.course import Course
from ..errors import InvalidInput
from .grounding import TokenEntailment

FAITHFUL = ("verbatim", "paraphrase", "simplification", "merge", "list_summary", "negation_reworded", "hedge",
            "true_elsewhere")
UNFAITHFUL = ("swapped_term", "invented_clause", "changed_number", "changed_quantifier", "antonym", "overclaim",
              "wrong_section", "outside_fact")
TABLE = "verifier"
METRICS = {"precision": "min", "recall": "min", "unfaithful_accepted": "max"}


@dataclass(frozen=True)
class Label:
    id: str
    sentence: str
    ref: str
    supported: bool
    kind: str


def looks_like_labels(path: str | Path) -> bool:
    """True when the file's first object is a labelled claim (has 'sentence' and 'supported'), not a question."""
    try:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    return isinstance(row, dict) and "sentence" in row and "supported" in row
    except (OSError, ValueError):
        return False
    return False


def load_labels(path: str | Path, course: Course) -> list[Label]:
    """Labelled claims, validated line by line (bad input raises InvalidInput naming the file and line)."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise InvalidInput(f"{p}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{p}: cannot read ({exc})") from None
    out: list[Label] = []
    seen: set[str] = set()
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{p}:{n}"
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise InvalidInput(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(row, dict):
            raise InvalidInput(f"{where}: expected a JSON object")
        for key, kind in (("sentence", str), ("ref", str), ("supported", bool), ("kind", str)):
            if not isinstance(row.get(key), kind) or (kind is str and not row[key].strip()):
                raise InvalidInput(f"{where}: {key!r} must be a {'non-empty string' if kind is str else 'boolean'}")
        if row["kind"] not in FAITHFUL + UNFAITHFUL:
            raise InvalidInput(f"{where}: unknown kind {row['kind']!r}")
        if (row["kind"] in FAITHFUL) != row["supported"]:
            raise InvalidInput(f"{where}: kind {row['kind']!r} contradicts supported={row['supported']}")
        if not course.has_ref(row["ref"]):
            raise InvalidInput(f"{where}: the course has no section {row['ref']!r}")
        label_id = str(row.get("id") or f"line-{n}")
        if label_id in seen:
            raise InvalidInput(f"{where}: duplicate id {label_id!r}")
        seen.add(label_id)
        out.append(Label(label_id, row["sentence"], row["ref"], row["supported"], row["kind"]))
    if not out:
        raise InvalidInput(f"{p}: no labelled claims")
    return out


def agreement(verdicts: Iterable[tuple[Label, bool, str]]) -> dict:
    """Precision/recall of 'supported' and the share accepted per kind, from (label, accepted, reason)."""
    tp = fp = fn = tn = 0
    per_kind: dict[str, list[int]] = {}
    errors = []
    reasons: Counter = Counter()
    for label, accepted, reason in verdicts:
        seen = per_kind.setdefault(label.kind, [0, 0])
        seen[0] += accepted
        seen[1] += 1
        tp += accepted and label.supported
        fp += accepted and not label.supported
        fn += not accepted and label.supported
        tn += not accepted and not label.supported
        if not accepted and not label.supported:
            reasons[reason.split(":")[0].split(" (")[0]] += 1
        if accepted != label.supported:
            errors.append({"id": label.id, "kind": label.kind, "ref": label.ref, "sentence": label.sentence,
                           "accepted": accepted, "reason": reason})
    kinds = {k: {"accepted": a, "n": n, "rate": a / n} for k, (a, n) in
             sorted(per_kind.items(), key=lambda kv: (kv[0] in UNFAITHFUL, kv[0]))}
    unfaithful = [v["rate"] for k, v in kinds.items() if k in UNFAITHFUL]
    return {"n": tp + fp + fn + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
            "precision": tp / (tp + fp) if tp + fp else None, "recall": tp / (tp + fn) if tp + fn else None,
            "unfaithful_accepted": max(unfaithful) if unfaithful else None, "kinds": kinds,
            "rejected_unfaithful_by": dict(reasons.most_common()), "errors": errors}


def load_rules(path: str | Path | None, course_id: str | None = None) -> dict[str, dict[str, float]]:
    """The [verifier.min] / [verifier.max] tables of a thresholds file ({} rules when there is none); for another
    course, its own [verifier-<course id>.min] / [... .max] tables when the file has them."""
    rules: dict[str, dict[str, float]] = {"min": {}, "max": {}}
    if path is None or not Path(path).is_file():
        return rules
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{path}: {exc}") from None
    name = f"{TABLE}-{course_id}" if course_id and f"{TABLE}-{course_id}" in data else TABLE
    table = data.get(name, {})
    for rule, values in table.items():
        if rule not in rules or not isinstance(values, dict):
            raise InvalidInput(f"{path}: [{name}] has {rule!r}; expected tables min, max")
        for metric, limit in values.items():
            if METRICS.get(metric) != rule or isinstance(limit, bool) or not isinstance(limit, (int, float)):
                raise InvalidInput(f"{path}: [{name}.{rule}] {metric!r} is not a {rule} rule with a number")
            rules[rule][metric] = float(limit)
    return rules


def gate(result: dict, rules: dict[str, dict[str, float]]) -> dict:
    failures = []
    checks = []
    for rule, values in rules.items():
        for metric, limit in values.items():
            value = result.get(metric)
            ok = value is not None and (value >= limit - 1e-9 if rule == "min" else value <= limit + 1e-9)
            checks.append({"metric": metric, "rule": rule, "limit": limit, "value": value, "ok": ok})
            if not ok:
                op = "≥" if rule == "min" else "≤"
                shown = "n/a" if value is None else f"{value:.3f}"
                failures.append(f"verifier {metric.replace('_', ' ')} {shown} must be {op} {limit:.3f}")
    return {"passed": not failures, "checks": checks, "failures": failures}


def run_verifier_eval(path: str | Path, services, thresholds: str | Path | None = None) -> dict:
    """Score the runtime verifier and the eval's grounding metric on labelled claims; gate the verifier."""
    from ..corpus.course import load_course
    from ..tutor.support import SupportMeasure

    started = time.perf_counter()
    course = load_course(services.settings.corpus_dir)
    labels = load_labels(path, course)
    if thresholds is None:
        from .gate import find_thresholds

        thresholds = find_thresholds(path)
    rules = load_rules(thresholds, course.id)
    measure = SupportMeasure(course, services.embedder)
    measure.prepare((label.sentence, [label.ref]) for label in labels)
    runtime = []
    for label in labels:
        got = measure.score(label.sentence, label.ref)
        runtime.append((label, got.supported, got.reason))
    verifier = agreement(runtime)
    grounding = TokenEntailment(course)
    metric = agreement((label, g.supported, g.reason) for label in labels
                       for g in [grounding.score(label.sentence, label.ref)])
    return {"set_path": str(path), "course": {"id": course.id, "version": course.version}, "n": len(labels),
            "verifier": verifier, "grounding_metric": metric,
            "gate": gate(verifier, rules), "thresholds": {"path": str(thresholds) if thresholds else None, **rules},
            "seconds": round(time.perf_counter() - started, 2)}


def text_table(result: dict) -> str:
    """Precision, recall and acceptance per kind for both measures, then the gate."""
    v, g = result["verifier"], result["grounding_metric"]

    def pct(x):
        return "n/a" if x is None else f"{x:.3f}"

    lines = [f"labelled claims: {result['set_path']} ({result['n']}; course {result['course']['id']})", "",
             f"{'':28} {'verifier':>10} {'grounding metric':>17}",
             f"{'precision of supported':28} {pct(v['precision']):>10} {pct(g['precision']):>17}",
             f"{'recall of supported':28} {pct(v['recall']):>10} {pct(g['recall']):>17}",
             f"{'worst unfaithful accepted':28} {pct(v['unfaithful_accepted']):>10} "
             f"{pct(g['unfaithful_accepted']):>17}", "", "accepted, by kind:"]
    for kind, row in v["kinds"].items():
        other = g["kinds"].get(kind, {})
        side = "unfaithful" if kind in UNFAITHFUL else "faithful"
        lines.append(f"  {kind:20} {side:10} {row['accepted']:>3}/{row['n']:<3} {row['rate']:6.0%}"
                     f"   {other.get('accepted', 0):>3}/{other.get('n', 0):<3} {other.get('rate', 0):6.0%}")
    if v["rejected_unfaithful_by"]:
        lines += ["", "unfaithful claims rejected by: " + ", ".join(f"{k} {n}" for k, n in
                                                               v["rejected_unfaithful_by"].items())]
    gate_ = result["gate"]
    lines += ["", "gate: " + ("PASS" if gate_["passed"] else "FAIL")]
    lines += [f"  - {f}" for f in gate_["failures"]]
    return "\n".join(lines)
