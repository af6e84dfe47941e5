"""Computed problems from the course's own methods: confusion-matrix counts to sensitivity, specificity, PPV, NPV and
accuracy; one test at two prevalences; thresholds that trade false positives for false negatives; alerts per day.

A method is offered for a section only when that section teaches it: it names the metric and has a sentence that
explains it (that sentence is the item's verbatim citation). The numbers come from a seed; the answer is computed
from them, the prompt states every number, and `recompute()` re-derives the answer so validation can check it.
Nothing here names a course: any course that teaches these measures gets these problems, others get none.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from ..corpus.course import Course, Section
from ..corpus.sentences import split_sentences
from .ids import digest, item_id, rng_for
from .schema import ItemCitation, NumericKey, QuizItem


def _pct(x: float) -> float:
    return round(100.0 * x, 1)


@dataclass(frozen=True)
class Method:
    name: str
    needs: tuple[str, ...]  # concept regexes the cited section must name (all of them)
    quote_cue: str  # a sentence naming this is the method's citation
    compute: Callable[[dict], float]
    unit: str = "%"
    explains: str = r"\b(?:is about|means|refers to|given|conditions? on|depends?|converts?|changes?)\b"


_SENS, _SPEC = r"\bsensitivity\b", r"\bspecificity\b"
_PPV, _NPV = r"positive predictive value|\bPPV\b", r"negative predictive value|\bNPV\b"
_PREV, _THRESH = r"\bprevalence\b", r"\bthresholds?\b"
_MATRIX = r"confusion matri(?:x|ces)|false[- ]positives?"

METHODS: dict[str, Method] = {m.name: m for m in (
    Method("sensitivity", (_SENS,), _SENS, lambda g: _pct(g["tp"] / (g["tp"] + g["fn"]))),
    Method("specificity", (_SPEC,), _SPEC, lambda g: _pct(g["tn"] / (g["tn"] + g["fp"]))),
    Method("ppv", (_PPV,), _PPV, lambda g: _pct(g["tp"] / (g["tp"] + g["fp"]))),
    Method("npv", (_NPV,), _NPV, lambda g: _pct(g["tn"] / (g["tn"] + g["fn"]))),
    Method("accuracy", (_MATRIX, r"\baccura"), _MATRIX,
           lambda g: _pct((g["tp"] + g["tn"]) / (g["tp"] + g["tn"] + g["fp"] + g["fn"]))),
    Method("ppv_at_prevalence", (_PPV, _PREV), _PREV,
           lambda g: _pct(g["sens"] * g["prev"] / (g["sens"] * g["prev"] + (1 - g["spec"]) * (1 - g["prev"])))),
    Method("npv_at_prevalence", (_NPV, _PREV), _PREV,
           lambda g: _pct(g["spec"] * (1 - g["prev"]) / (g["spec"] * (1 - g["prev"]) + (1 - g["sens"]) * g["prev"]))),
    Method("false_alarms_per_day", (_SPEC, r"false[- ]positives?|false alarms?", r"per day|workload"), _SPEC,
           lambda g: round(g["volume"] * (1 - g["prev"]) * (1 - g["spec"]), 1), unit="false alarms per day",
           explains=r"per day|counts?"),
    Method("missed_per_day", (_SENS, r"false[- ]negatives?|miss", r"per day|workload"), _SENS,
           lambda g: round(g["volume"] * g["prev"] * (1 - g["sens"]), 1), unit="missed cases per day",
           explains=r"per day|counts?"),
    Method("threshold_lowered_sensitivity", (_THRESH, _SENS), _THRESH,
           lambda g: _pct((g["tp"] + g["moved_tp"]) / (g["tp"] + g["fn"]))),
    Method("threshold_raised_specificity", (_THRESH, _SPEC), _THRESH,
           lambda g: _pct((g["tn"] + g["moved_fp"]) / (g["tn"] + g["fp"]))),
)}


def recompute(numeric: NumericKey) -> float:
    """The answer the stated numbers give (raises KeyError for an unknown method or a missing number)."""
    return METHODS[numeric.method].compute(numeric.given)


def fmt(x: float) -> str:
    return f"{x:g}" if abs(x - round(x)) > 1e-9 else str(int(round(x)))


def answer_text(numeric: NumericKey) -> str:
    return f"{fmt(numeric.value)}%" if numeric.unit == "%" else fmt(numeric.value)


_CONTEXT = re.compile(r"\b(?:an?|the) ((?:[A-Za-z-]+ ){0,3}?(?:tool|test|model|detector|classifier|system)) that "
                      r"(?:flags|detects|finds|marks) ([a-z][a-z -]{2,40}?)(?: for (?:possible )?([a-z][a-z -]{2,30}?))?"
                      r"(?=[,.;:]| and\b)", re.IGNORECASE)


def _context(course: Course, chapter: int) -> tuple[str, str]:
    """(tool, what it flags) from the chapter's own example, else neutral words."""
    for s in course.chapter(chapter).sections:
        m = _CONTEXT.search(s.text)
        if m:
            what = m.group(3) or m.group(2)
            return m.group(1), what.strip()
    for s in course.sections:
        m = _CONTEXT.search(s.text)
        if m:
            return m.group(1), (m.group(3) or m.group(2)).strip()
    return "test", "the condition"


def _quote(section: Section, method: Method) -> str | None:
    """The section's sentence naming the method that best explains it: one with the method's explaining words
    first, then any explanatory verb, then the first that names it (never a question)."""
    rx = re.compile(method.quote_cue, re.IGNORECASE)
    ranked = []
    for k, (a, b) in enumerate(split_sentences(section.text)):
        sent = section.text[a:b]
        if rx.search(sent) and "?" not in sent[-2:] and 6 <= len(sent.split()) <= 60:
            score = (2 * bool(re.search(method.explains, sent, re.IGNORECASE))
                     + bool(re.search(r"\b(?:is|are|means|plots|given)\b|\d", sent)))
            ranked.append((-score, k, sent))
    return min(ranked)[2] if ranked else None


def _best_sections(course: Course, chapter: int) -> dict[str, str]:
    """For each method, the one section of the chapter that teaches it most (names its measure most often)."""
    out = {}
    for name, method in METHODS.items():
        counts = [(len(re.findall(method.quote_cue, s.text, re.IGNORECASE)), s.ref)
                  for s in course.chapter(chapter).sections if teaches(s, method)]
        if counts:
            out[name] = max(counts)[1]
    return out


def teaches(section: Section, method: Method) -> bool:
    """The section names every concept the method needs, the method's own measure at least three times (a passing
    mention such as "prioritize high sensitivity" teaches nothing to compute)."""
    return (all(re.search(n, section.text, re.IGNORECASE) for n in method.needs)
            and len(re.findall(method.quote_cue, section.text, re.IGNORECASE)) >= 3)


def _counts(rng) -> dict[str, float]:
    positives = rng.choice([20, 25, 40, 50, 60, 80, 100])
    negatives = rng.choice([200, 300, 400, 500, 800, 900])
    tp = rng.randint(int(positives * 0.6), positives - 1)
    fp = rng.randint(max(2, negatives // 50), negatives // 6)
    return {"tp": tp, "fn": positives - tp, "fp": fp, "tn": negatives - fp}


def _outcomes(g: dict) -> str:
    return (f"{fmt(g['tp'])} true positives, {fmt(g['fn'])} false negatives, {fmt(g['fp'])} false positives and "
            f"{fmt(g['tn'])} true negatives")


_LABEL = {"sensitivity": "sensitivity", "specificity": "specificity", "ppv": "positive predictive value (PPV)",
          "npv": "negative predictive value (NPV)", "accuracy": "accuracy"}
_FORMULA = {"sensitivity": ("TP", "FN", "TP / (TP + FN)"), "specificity": ("TN", "FP", "TN / (TN + FP)"),
            "ppv": ("TP", "FP", "TP / (TP + FP)"), "npv": ("TN", "FN", "TN / (TN + FN)")}


def _problem(method: str, tool: str, what: str, rng) -> tuple[str, dict, list[str]]:
    """(prompt, given numbers, worked solution) for one method with seeded numbers."""
    prompt, given, steps = _problem_text(method, tool, what, rng)
    return re.sub(r"\b([Aa]) (?=[AEIOUaeiou])", r"\1n ", prompt), given, steps


def _problem_text(method: str, tool: str, what: str, rng) -> tuple[str, dict, list[str]]:
    if method in _FORMULA:
        g = _counts(rng)
        top, other, formula = _FORMULA[method]
        a, b = g[top.lower()], g[other.lower()]
        v = METHODS[method].compute(g)
        prompt = (f"A {tool} that flags {what} was checked against the reference standard: {_outcomes(g)}. "
                  f"What is its {_LABEL[method]}, in percent?")
        steps = [f"{_LABEL[method][:1].upper()}{_LABEL[method][1:]} = {formula}.", f"= {fmt(a)} / ({fmt(a)} + {fmt(b)}) = "
                 f"{fmt(a)} / {fmt(a + b)}.", f"= {a / (a + b):.4f} ≈ {fmt(v)}%."]
        return prompt, g, steps
    if method == "accuracy":
        g = _counts(rng)
        n = g["tp"] + g["tn"] + g["fp"] + g["fn"]
        v = METHODS[method].compute(g)
        prompt = (f"A {tool} that flags {what} was checked on {fmt(n)} cases: {_outcomes(g)}. What share of all "
                  f"cases did it get right (its accuracy), in percent?")
        steps = ["Accuracy = (TP + TN) / all cases.", f"= ({fmt(g['tp'])} + {fmt(g['tn'])}) / {fmt(n)} = "
                 f"{fmt(g['tp'] + g['tn'])} / {fmt(n)}.", f"≈ {fmt(v)}%. Note how the many true negatives carry "
                 "the number even when positives are missed."]
        return prompt, g, steps
    sens = rng.choice([0.8, 0.85, 0.9, 0.95])
    spec = rng.choice([0.8, 0.85, 0.9, 0.95])
    if method in ("ppv_at_prevalence", "npv_at_prevalence"):
        p1, p2 = rng.choice([(0.2, 0.01), (0.3, 0.02), (0.25, 0.05), (0.15, 0.01)])
        g = {"sens": sens, "spec": spec, "prev": p2, "prev_study": p1}
        v = METHODS[method].compute(g)
        which = "PPV" if method.startswith("ppv") else "NPV"
        prompt = (f"A {tool} has sensitivity {fmt(_pct(sens))}% and specificity {fmt(_pct(spec))}%. Its validation "
                  f"study had a prevalence of {fmt(_pct(p1))}%, but where you deploy it the prevalence is "
                  f"{fmt(_pct(p2))}%. What is its {which} in your setting, in percent?")
        if which == "PPV":
            steps = ["Take 10,000 cases. Positives = 10,000 × prevalence = " + fmt(10000 * p2) + "; negatives = "
                     + fmt(10000 * (1 - p2)) + ".",
                     f"True positives = {fmt(10000 * p2)} × {fmt(sens)} = {fmt(round(10000 * p2 * sens, 1))}; "
                     f"false positives = {fmt(10000 * (1 - p2))} × (1 − {fmt(spec)}) = "
                     f"{fmt(round(10000 * (1 - p2) * (1 - spec), 1))}.",
                     f"PPV = TP / (TP + FP) ≈ {fmt(v)}%. At the study's prevalence of {fmt(_pct(p1))}% it would be "
                     f"{fmt(METHODS[method].compute({**g, 'prev': p1}))}%: the same test, fewer real positives."]
        else:
            steps = ["Take 10,000 cases. Positives = " + fmt(10000 * p2) + "; negatives = " + fmt(10000 * (1 - p2)) + ".",
                     f"True negatives = {fmt(10000 * (1 - p2))} × {fmt(spec)} = {fmt(round(10000 * (1 - p2) * spec, 1))}; "
                     f"false negatives = {fmt(10000 * p2)} × (1 − {fmt(sens)}) = "
                     f"{fmt(round(10000 * p2 * (1 - sens), 1))}.",
                     f"NPV = TN / (TN + FN) ≈ {fmt(v)}%."]
        return prompt, g, steps
    if method in ("false_alarms_per_day", "missed_per_day"):
        volume = rng.choice([80, 120, 150, 200, 250])
        prev = rng.choice([0.02, 0.04, 0.05, 0.1])
        g = {"volume": volume, "prev": prev, "sens": sens, "spec": spec}
        v = METHODS[method].compute(g)
        if method == "false_alarms_per_day":
            prompt = (f"Your department reads {volume} studies a day, and {fmt(_pct(prev))}% of them have {what}. A "
                      f"{tool} has sensitivity {fmt(_pct(sens))}% and specificity {fmt(_pct(spec))}%. How many false "
                      f"alarms (false positives) should you expect per day?")
            steps = [f"Negatives per day = {volume} × (1 − {fmt(prev)}) = {fmt(round(volume * (1 - prev), 2))}.",
                     f"False positives = negatives × (1 − specificity) = {fmt(round(volume * (1 - prev), 2))} × "
                     f"{fmt(round(1 - spec, 2))} ≈ {fmt(v)} per day."]
        else:
            prompt = (f"Your department reads {volume} studies a day, and {fmt(_pct(prev))}% of them have {what}. A "
                      f"{tool} has sensitivity {fmt(_pct(sens))}% and specificity {fmt(_pct(spec))}%. How many cases "
                      f"with {what} would it miss (false negatives) per day?")
            steps = [f"Positives per day = {volume} × {fmt(prev)} = {fmt(round(volume * prev, 2))}.",
                     f"Missed = positives × (1 − sensitivity) = {fmt(round(volume * prev, 2))} × "
                     f"{fmt(round(1 - sens, 2))} ≈ {fmt(v)} per day."]
        return prompt, g, steps
    g = _counts(rng)
    if method == "threshold_lowered_sensitivity":
        moved = rng.randint(1, max(1, int(g["fn"]) - 1)) if g["fn"] > 1 else 1
        extra_fp = rng.randint(5, 40)
        g = {**g, "moved_tp": moved, "extra_fp": extra_fp}
        v = METHODS[method].compute(g)
        prompt = (f"At its current threshold a {tool} has {_outcomes({k: g[k] for k in ('tp', 'fn', 'fp', 'tn')})}. "
                  f"Lowering the threshold makes it flag {fmt(moved + extra_fp)} more cases: {fmt(moved)} of them have "
                  f"{what} and {fmt(extra_fp)} do not. What is its sensitivity at the new threshold, in percent?")
        steps = [f"New TP = {fmt(g['tp'])} + {fmt(moved)} = {fmt(g['tp'] + moved)}; the positives are still "
                 f"{fmt(g['tp'] + g['fn'])}.",
                 f"Sensitivity = {fmt(g['tp'] + moved)} / {fmt(g['tp'] + g['fn'])} ≈ {fmt(v)}% (it was "
                 f"{fmt(METHODS['sensitivity'].compute(g))}%).",
                 f"The price: {fmt(extra_fp)} more false positives, so specificity falls.",]
        return prompt, g, steps
    moved = rng.randint(1, max(1, int(g["fp"]) - 1))
    lost_tp = rng.randint(1, max(1, int(g["tp"]) // 5))
    g = {**g, "moved_fp": moved, "lost_tp": lost_tp}
    v = METHODS[method].compute(g)
    prompt = (f"At its current threshold a {tool} has {_outcomes({k: g[k] for k in ('tp', 'fn', 'fp', 'tn')})}. "
              f"Raising the threshold stops {fmt(moved + lost_tp)} flags: {fmt(moved)} were false positives and "
              f"{fmt(lost_tp)} were true positives. What is its specificity at the new threshold, in percent?")
    steps = [f"New TN = {fmt(g['tn'])} + {fmt(moved)} = {fmt(g['tn'] + moved)}; the negatives are still "
             f"{fmt(g['tn'] + g['fp'])}.",
             f"Specificity = {fmt(g['tn'] + moved)} / {fmt(g['tn'] + g['fp'])} ≈ {fmt(v)}% (it was "
             f"{fmt(METHODS['specificity'].compute(g))}%).",
             f"The price: {fmt(lost_tp)} more missed cases (false negatives), so sensitivity falls."]
    return prompt, g, steps


def tolerance(value: float, unit: str) -> float:
    """How far a right answer may be off: half a percentage point for a rate; for a count (alarms or misses per day,
    often one or two) a twentieth of it, at least 0.1: a fixed half would accept 0.8 for 1.2."""
    return 0.5 if unit == "%" else max(0.1, round(0.05 * abs(value), 2))


VARIANTS = 2  # problems per method and section: different numbers, one skill (quizzes take one of each)


def section_problems(course: Course, section: Section) -> list[QuizItem]:
    """Every computed problem the section teaches, VARIANTS per method, numbers seeded by course version and ref."""
    out: list[QuizItem] = []
    tool, what = _context(course, section.chapter)
    best = course.derived(f"quiz.computed_sections:{section.chapter}", lambda: _best_sections(course, section.chapter))
    for name, method in METHODS.items():
        if best.get(name) != section.ref:
            continue
        quote = _quote(section, method)
        if quote is None:
            continue
        for v in range(VARIANTS):
            rng = rng_for(course.version, section.ref, name, v)
            prompt, given, steps = _problem(name, tool, what, rng)
            value = method.compute(given)
            key = NumericKey(method=name, given=given, value=value, tolerance=tolerance(value, method.unit),
                             unit=method.unit)
            iid = item_id(course.version, section.ref, "numeric", "computed", f"{name}:{v}", prompt)
            out.append(QuizItem(
                id=iid, type="numeric", prompt=prompt, answer=answer_text(key), explanation=quote,
                citation=ItemCitation(ref=section.ref, section_title=section.section_title, quote=quote,
                                      chapter=section.chapter, chapter_title=section.chapter_title),
                difficulty="hard" if name.startswith(("threshold", "ppv_at", "npv_at")) else "medium",
                source_hash=digest(quote, name, v), kind="computed", origin="generated", concept=f"computed:{name}",
                level="apply", numeric=key, solution=steps))
    return out


def stated_numbers(item: QuizItem) -> list[str]:
    """The given numbers as the prompt must state them (counts as integers, rates as percent)."""
    out = []
    for k, v in (item.numeric.given if item.numeric else {}).items():
        out.append(fmt(_pct(v)) if k in ("sens", "spec", "prev", "prev_study") else fmt(v))
    return out
