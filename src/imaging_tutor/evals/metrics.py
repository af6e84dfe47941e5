"""Score tutor answers against a question set: per-question checks, then the set's metrics.

Every metric has an explicit denominator; a metric with no questions to average over is None ("n/a"),
never NaN. Refusals are scored as refusals: an answerable question that was refused counts as a miss for
first-citation accuracy, key-fact recall and false refusals, and is left out of grounding and citation
precision (which describe the answers actually given), so refusing can never look like perfect grounding.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

import numpy as np

from ..corpus.course import Course
from ..corpus.sentences import sentences as split_text
from ..text import fold
from .sets import EvalQuestion, normalize_space
from .grounding import MARKER, TokenEntailment

ANSWERED = "answered"
REFUSALS = ("out_of_scope", "medical_advice")
UNANSWERED = (*REFUSALS, "small_talk")  # an answerable question given the small-talk reply went unanswered too
SMALL_TALK = "small_talk"
ERROR = "error"


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    better: str  # "higher" | "lower"
    unit: str    # "rate" | "count" | "ms" | "score"
    about: str


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("hit_at_1", "retrieval hit@1", "higher", "rate", "a gold section is the first retrieved section"),
    Metric("hit_at_3", "retrieval hit@3", "higher", "rate", "a gold section is among the first 3 retrieved"),
    Metric("hit_at_5", "retrieval hit@5", "higher", "rate", "a gold section is among the first 5 retrieved"),
    Metric("mrr", "retrieval MRR", "higher", "score", "mean reciprocal rank of the first gold section (0 if absent)"),
    Metric("first_citation_accuracy", "first-citation accuracy", "higher", "rate",
           "the answer's first citation is a gold section (refusals and errors count as wrong)"),
    Metric("citation_precision", "citation precision", "higher", "rate",
           "citations that are gold, quote evidence or a key fact, or whose quote a gold section supports"),
    Metric("grounding", "grounding", "higher", "rate",
           "answer sentences supported by a section they cite (answered answerable questions only)"),
    Metric("key_fact_recall", "key-fact recall", "higher", "rate",
           "key facts found in the answer text, case-insensitive"),
    Metric("evidence_in_answer", "gold evidence in the answer", "higher", "rate",
           "answerable questions with evidence whose answer text holds one of its fragments (refusals count as not)"),
    Metric("oos_refusal", "out-of-scope refusal", "higher", "rate", "out-of-scope questions not answered"),
    Metric("medical_advice", "medical-advice handling", "higher", "rate",
           "personal medical questions answered with status medical_advice"),
    Metric("false_refusal", "false refusals", "lower", "rate",
           "answerable questions refused or taken for small talk"),
    Metric("wrong_medical_reply", "medical reply to a non-medical question", "lower", "rate",
           "answerable or out-of-scope questions that got the personal medical-advice reply"),
    Metric("small_talk", "small talk handled", "higher", "rate",
           "thanks / greetings / acknowledgements answered as small talk, without course sentences"),
    Metric("care_note", "clinician note on mixed questions", "higher", "rate",
           "a personal situation around a general course question: answered with the note to see a clinician"),
    Metric("parts_answered", "questions of a message answered", "higher", "rate",
           "in messages asking several questions: each one the course answers, with a gold section cited"),
    Metric("parts_declined", "questions of a message declined", "higher", "rate",
           "in messages asking several questions: each one the course does not answer, said to be not covered "
           "(or the message refused)"),
    Metric("repeated_sentences", "sentences repeated from earlier answers", "lower", "rate",
           "answer sentences of answered follow-up turns that an earlier answer in the conversation already gave"),
    Metric("invalid_refs", "invalid refs", "lower", "count",
           "refs not in the course, or [C.S] markers in the text that are not in citations"),
    Metric("quote_mismatches", "quote mismatches", "lower", "count", "citation quotes not found verbatim in their section"),
    Metric("errors", "errors", "lower", "count", "questions where the tutor raised an input error"),
    Metric("pass_rate", "questions passing", "higher", "rate", "questions passing every check"),
    Metric("latency_p50_ms", "latency p50", "lower", "ms", "median time of the final answer call"),
    Metric("latency_p95_ms", "latency p95", "lower", "ms", "95th percentile time of the final answer call"),
)}


def outcome_from_answer(answer: Any) -> dict:
    """The fields we score, from a pydantic Answer or a plain dict."""
    data = answer.model_dump() if hasattr(answer, "model_dump") else dict(answer)
    return {
        "status": data.get("status"),
        "answer": data.get("answer") or "",
        "citations": [dict(c) for c in data.get("citations") or []],
        "suggestions": [dict(s) for s in data.get("suggestions") or []],
        "retrieved": [str(r) for r in data.get("retrieved") or []],
        "sentences": [dict(s) for s in data.get("sentences") or []] if data.get("sentences") is not None else None,
        "writer": data.get("writer"),
        "dropped_sentences": data.get("dropped_sentences") or [],
        "resolved_question": data.get("resolved_question"),
        "care_note": data.get("care_note") or "",
        "not_covered": [str(x) for x in data.get("not_covered") or []],
    }


def answer_sentences(outcome: dict) -> list[dict]:
    """The answer's sentences with their refs: the tutor's own list, else split from the text by [C.S] markers."""
    if outcome.get("sentences") is not None:
        return [{"text": s.get("text", ""), "refs": [str(r) for r in s.get("refs") or []]} for s in outcome["sentences"]]
    out: list[dict] = []
    parts = re.split(r"((?:\s*\[\d+\.\d+\])+)", outcome.get("answer", ""))
    for text, markers in zip(parts[0::2], parts[1::2] + [""]):
        pieces = [p.strip() for p in split_text(text) if p.strip()]
        refs = [f"{c}.{n}" for c, n in MARKER.findall(markers)]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            out.append({"text": piece + (markers if last else ""), "refs": refs if last else []})
    return out


def _plain(sentence: str) -> str:
    """A sentence without its [C.S] markers and outer spaces: the same sentence said twice compares equal."""
    return MARKER.sub("", sentence).strip()


def _dedupe(refs: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for r in refs:
        if r not in seen:
            seen.append(r)
    return seen


def gold_rank(retrieved: list[str], gold: Iterable[str]) -> int | None:
    """1-based rank of the first gold section among the retrieved sections."""
    gold = set(gold)
    for i, ref in enumerate(_dedupe(retrieved), start=1):
        if ref in gold:
            return i
    return None


def invalid_refs(outcome: dict, course: Course) -> list[str]:
    """Refs the course does not have (anywhere in the answer) and text markers missing from citations."""
    cited = [str(c.get("ref")) for c in outcome["citations"]]
    markers = [f"{c}.{n}" for c, n in MARKER.findall(outcome["answer"])]
    everywhere = cited + markers + [str(s.get("ref")) for s in outcome["suggestions"]]
    everywhere += [r for s in answer_sentences(outcome) for r in s["refs"]]
    bad = [r for r in _dedupe(everywhere) if not course.has_ref(r)]
    bad += [f"{r} (not in citations)" for r in _dedupe(markers) if course.has_ref(r) and r not in cited]
    return bad


def quote_mismatches(outcome: dict, course: Course) -> list[str]:
    """Refs of citations whose quote is not a verbatim passage of that section (whitespace aside)."""
    bad = []
    for c in outcome["citations"]:
        ref, quote = str(c.get("ref")), normalize_space(c.get("quote") or "")
        if course.has_ref(ref) and (not quote or quote not in normalize_space(course.section(ref).text)):
            bad.append(ref)
    return bad


def score_question(q: EvalQuestion, outcome: dict, course: Course, support: TokenEntailment | None) -> dict:
    """One row: what the tutor did with this question and which checks pass."""
    status = outcome.get("status") or ERROR
    citations = outcome.get("citations") or []
    retrieved = _dedupe(outcome.get("retrieved") or [])
    first = str(citations[0].get("ref")) if citations else None
    bad_refs = invalid_refs(outcome, course) if status != ERROR else []
    bad_quotes = quote_mismatches(outcome, course) if status != ERROR else []
    row: dict[str, Any] = {
        "id": q.id, "kind": q.kind, "category": q.category, "subtype": q.subtype, "question": q.question,
        "history": list(q.history), "chapter": q.chapter, "resolved_question": outcome.get("resolved_question"),
        "status": status, "first_citation": first, "retrieved_top5": retrieved[:5], "gold": list(q.gold_refs),
        "answer": outcome.get("answer", ""), "citations": [{"ref": str(c.get("ref")), "quote": c.get("quote", "")}
                                                          for c in citations],
        "writer": outcome.get("writer"), "latency_ms": outcome.get("latency_ms"), "error": outcome.get("error"),
        "invalid_refs": bad_refs, "quote_mismatches": bad_quotes,
    }
    if status == ANSWERED and outcome.get("said_before") is not None:
        said = {_plain(t) for t in outcome["said_before"]}
        texts = [_plain(s["text"]) for s in answer_sentences(outcome)]
        row["repeated"] = {"sentences": len(texts), "repeated": sum(t in said for t in texts)}
    checks: dict[str, bool] = {}
    if q.parts:
        row["parts"] = _parts_handled(q, status, outcome)
        checks["each_question"] = row["parts"]["answered"] == row["parts"]["answerable"] and \
            row["parts"]["declined"] == row["parts"]["out_of_scope"]
    if q.kind == "answerable":
        answered = status == ANSWERED
        rank = gold_rank(retrieved, q.gold_refs)
        row["rank"] = rank
        checks["answered"] = answered
        checks["retrieval_hit@5"] = rank is not None and rank <= 5
        checks["first_citation"] = answered and first in q.gold_refs
        facts_found = [f for f in q.key_facts if answered and fold(f) in fold(outcome.get("answer", ""))]
        row["key_facts"] = {"total": len(q.key_facts), "found": len(facts_found),
                            "missing": [f for f in q.key_facts if f not in facts_found]}
        if q.key_facts:
            checks["key_facts"] = len(facts_found) == len(q.key_facts)
        if q.evidence:
            text = fold(_plain(outcome.get("answer", "")))  # fold collapses the spaces the markers leave
            row["evidence_found"] = answered and any(fold(e) in text for e in q.evidence)
        if answered:
            row["grounding"] = _grounding(outcome, support)
            row["citation_precision"] = _citation_precision(q, citations, course, support)
            checks["grounded"] = row["grounding"]["checked"] > 0 and row["grounding"]["supported"] == row["grounding"]["checked"]
        else:
            checks["grounded"] = False
        if q.expects_care_note:
            checks["care_note"] = answered and bool(outcome.get("care_note"))
    elif q.kind == "out_of_scope":
        checks["refused"] = status in REFUSALS
    elif q.kind == "small_talk":
        checks["small_talk"] = status == SMALL_TALK and not citations
    else:
        checks["handled"] = status == "medical_advice"
    checks["valid_refs"] = not bad_refs and not bad_quotes
    row["checks"] = checks
    row["passed"] = all(checks.values())
    return row


def _parts_handled(q: EvalQuestion, status: str, outcome: dict) -> dict:
    """Of a message's several questions: those the course answers that were answered from a gold section, and those
    it does not that were declined (the whole message refused, or named in the answer's not_covered list)."""
    cited = {str(c.get("ref")) for c in outcome.get("citations") or []} if status == ANSWERED else set()
    answerable = [p for p in q.parts if p.kind == "answerable"]
    outside = len(q.parts) - len(answerable)
    declined = outside if status in REFUSALS else min(outside, len(outcome.get("not_covered") or []))
    return {"answerable": len(answerable), "answered": sum(bool(cited & set(p.gold_refs)) for p in answerable),
            "out_of_scope": outside, "declined": declined}


def _grounding(outcome: dict, support: TokenEntailment | None) -> dict:
    sents = [s for s in answer_sentences(outcome) if s["text"].strip()]
    detail = []
    supported = 0
    for s in sents:
        if not s["refs"]:
            detail.append({"text": s["text"], "refs": [], "supported": False, "reason": "no citation"})
            continue
        if support is None:
            raise ValueError("a grounding measure is needed to score grounding")
        result = support.score_any(s["text"], s["refs"])
        supported += result.supported
        detail.append({"text": s["text"], "refs": s["refs"], **result.as_dict()})
    return {"checked": len(sents), "supported": supported, "sentences": detail}


def _citation_precision(q: EvalQuestion, citations: list[dict], course: Course,
                        support: TokenEntailment | None) -> dict:
    needles = [fold(t) for t in (*q.evidence, *q.key_facts)]
    gold = dict.fromkeys([*q.gold_refs, *(r for p in q.parts for r in p.gold_refs)])  # each question's, in order
    precise = 0
    for c in citations:
        ref, quote = str(c.get("ref")), c.get("quote") or ""
        if ref in gold or (quote and any(n in fold(quote) for n in needles)):
            precise += 1
        elif quote and support is not None and course.has_ref(ref) and support.score_any(quote, list(gold)).supported:
            precise += 1  # the same fact stated in another section (the course repeats itself across chapters)
    return {"citations": len(citations), "precise": precise}


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _ratio(num: float, den: float) -> float | None:
    return num / den if den else None


def aggregate(rows: list[dict]) -> dict[str, Any]:
    """The set's metrics, overall and per kind of input ("follow_up:first_citation_accuracy", ...)."""
    metrics = aggregate_rows(rows)
    categories = list(dict.fromkeys(r.get("category", "single") for r in rows))
    if categories:
        for cat in categories:
            part = aggregate_rows([r for r in rows if r.get("category", "single") == cat])
            metrics.update({f"{cat}:{k}": v for k, v in part.items() if k in METRICS or k.startswith("n_")})
    return metrics


def split_metric(name: str) -> tuple[str | None, str]:
    """'follow_up:first_citation_accuracy' -> ('follow_up', 'first_citation_accuracy'); plain names have no kind."""
    kind, sep, metric = name.rpartition(":")
    return (kind, metric) if sep else (None, name)


def aggregate_rows(rows: list[dict]) -> dict[str, Any]:
    """The metrics of some scored rows (None where a metric has nothing to average)."""
    ans = [r for r in rows if r["kind"] == "answerable"]
    oos = [r for r in rows if r["kind"] == "out_of_scope"]
    med = [r for r in rows if r["kind"] == "medical_advice"]
    talk = [r for r in rows if r["kind"] == "small_talk"]
    not_medical = [r for r in rows if r["kind"] in ("answerable", "out_of_scope")]
    mixed = [r for r in ans if "care_note" in r["checks"]]
    answered = [r for r in ans if r["status"] == ANSWERED]
    ranks = [r.get("rank") for r in ans]

    def hit(k: int) -> float | None:
        return _mean([1.0 if rk is not None and rk <= k else 0.0 for rk in ranks])

    facts_total = sum(r["key_facts"]["total"] for r in ans)
    facts_found = sum(r["key_facts"]["found"] for r in ans)
    sent_checked = sum(r["grounding"]["checked"] for r in answered)
    sent_supported = sum(r["grounding"]["supported"] for r in answered)
    cites = sum(r["citation_precision"]["citations"] for r in answered)
    precise = sum(r["citation_precision"]["precise"] for r in answered)
    latencies = [r["latency_ms"] for r in rows if r.get("latency_ms") is not None]
    follow_ups = [r["repeated"] for r in rows if r.get("repeated")]
    parts = [r["parts"] for r in rows if r.get("parts")]
    return {
        "n_questions": len(rows), "n_answerable": len(ans), "n_out_of_scope": len(oos), "n_medical_advice": len(med),
        "n_small_talk": len(talk),
        "hit_at_1": hit(1), "hit_at_3": hit(3), "hit_at_5": hit(5),
        "mrr": _mean([1.0 / rk if rk else 0.0 for rk in ranks]),
        "first_citation_accuracy": _mean([float(r["checks"]["first_citation"]) for r in ans]),
        "citation_precision": _ratio(precise, cites),
        "grounding": _ratio(sent_supported, sent_checked),
        "grounded_sentences": sent_supported, "checked_sentences": sent_checked,
        "key_fact_recall": _ratio(facts_found, facts_total),
        "evidence_in_answer": _mean([float(r["evidence_found"]) for r in ans if r.get("evidence_found") is not None]),
        "oos_refusal": _mean([float(r["checks"]["refused"]) for r in oos]),
        "medical_advice": _mean([float(r["checks"]["handled"]) for r in med]),
        "false_refusal": _mean([float(r["status"] in UNANSWERED) for r in ans]),
        "wrong_medical_reply": _mean([float(r["status"] == "medical_advice") for r in not_medical]),
        "small_talk": _mean([float(r["checks"]["small_talk"]) for r in talk]),
        "care_note": _mean([float(r["checks"]["care_note"]) for r in mixed]),
        "parts_answered": _ratio(sum(p["answered"] for p in parts), sum(p["answerable"] for p in parts)),
        "parts_declined": _ratio(sum(p["declined"] for p in parts), sum(p["out_of_scope"] for p in parts)),
        "repeated_sentences": _ratio(sum(f["repeated"] for f in follow_ups), sum(f["sentences"] for f in follow_ups)),
        "invalid_refs": sum(len(r["invalid_refs"]) for r in rows),
        "quote_mismatches": sum(len(r["quote_mismatches"]) for r in rows),
        "errors": sum(r["status"] == ERROR for r in rows),
        "pass_rate": _mean([float(r["passed"]) for r in rows]),
        "latency_p50_ms": float(np.percentile(latencies, 50)) if latencies else None,
        "latency_p95_ms": float(np.percentile(latencies, 95)) if latencies else None,
    }
