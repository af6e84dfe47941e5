"""A course folder's `course.md` drafted from a course's raw text (no headings), for the author to review.

The raw format (as `../shared/course/*.txt` is written): a title line, a subtitle line, overview paragraphs; then per
chapter its introduction, "Practice note for Milestone: …: document your objective …" lines (boilerplate, repeated),
the body's paragraphs and the chapter quiz's numbered stems ("1. …" or "1) …"). Only those structural marks are read, never a
course's words: a run of numbered stems ends a chapter, the milestones become its objectives, and the body is cut
into sections where the topic shifts (the embedding of a paragraph pair against the next pair). The raw text names
no chapter or section, so titles are drafts (the closest milestone, else the section's opening words).
"""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .sentences import split_sentences

Embed = Callable[[Sequence[str]], np.ndarray]

PRACTICE = re.compile(r"^Practice note for Milestone:\s*(.+?):\s+document your objective", re.I)
STEM = re.compile(r"^(\d{1,2})[.)]\s+\S")  # "1. …" or "1) …"
STEP = re.compile(r"^\d{1,2}[.)]\s+")
PARAGRAPHS_PER_SECTION = 4  # a section of this format runs 3-5 paragraphs; the cut count is the body's length / 4
MIN_SECTION = 2  # paragraphs: a one-paragraph section is a cut in the wrong place more often than a section
TITLE_WORDS = 8
TITLE_TERMS = 3  # defined terms named in a section's draft title
MILESTONE_TITLE = 0.45  # cosine of a milestone to a section's paragraphs for the milestone to title the section


class RawFormatError(ValueError):
    """The text lacks the marks a chapter is found by."""


@dataclass
class DraftChapter:
    number: int
    title: str
    objectives: list[str]
    intro: list[str]
    sections: list[tuple[str, list[str]]]  # (title, paragraphs)
    stems: list[str]


@dataclass
class Draft:
    title: str
    subtitle: str
    overview: list[str]
    chapters: list[DraftChapter] = field(default_factory=list)

    def markdown(self, course_id: str, version: str = "1.0.0") -> str:
        out = ["---", f"id: {course_id}", f"title: {self.title}"]
        out += [f"subtitle: {self.subtitle}"] if self.subtitle else []
        out += [f"version: {version}", "---", ""]
        if self.overview:
            out += ["# Overview", ""] + [x for p in self.overview for x in (p, "")]
        for ch in self.chapters:
            out += [f"# Chapter {ch.number}: {ch.title}", ""]
            if ch.objectives:
                out += ["```objectives"] + [f"- {o}" for o in ch.objectives] + ["```", ""]
            if ch.intro:
                out += [f"## {ch.number}.0 Introduction", ""] + [x for p in ch.intro for x in (p, "")]
            for k, (title, paras) in enumerate(ch.sections, start=1):
                out += [f"## {ch.number}.{k} {title}", ""] + [x for p in paras for x in (p, "")]
            if ch.stems:
                out += ["```quiz"] + [f"{k}. {STEP.sub('', stem)}" for k, stem in enumerate(ch.stems, 1)] + ["```", ""]
        return "\n".join(out).rstrip() + "\n"


def slug(title: str) -> str:
    """A course id from its title: lowercase letters, digits and dashes."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", title.lower())).strip("-")[:60].strip("-") or "course"


def _stem_runs(lines: list[str]) -> list[tuple[int, int]]:
    """(first, last) line index of each run of stems numbered 1, 2, 3 …: a chapter quiz."""
    runs, i = [], 0
    while i < len(lines):
        m = STEM.match(lines[i])
        if m and m.group(1) == "1":
            j = i
            while j + 1 < len(lines) and (n := STEM.match(lines[j + 1])) and int(n.group(1)) == int(
                    STEM.match(lines[j]).group(1)) + 1:
                j += 1
            if j > i:
                runs.append((i, j))
                i = j + 1
                continue
        i += 1
    return runs


def _quizzes(lines: list[str], runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs that are chapter quizzes, not numbered steps in a chapter's body: when the text has milestones, a
    quiz is followed by the next chapter's milestones (or ends the text); without any, most of its lines ask."""
    if any(PRACTICE.match(ln) for ln in lines):
        kept = []
        for k, (first, last) in enumerate(runs):
            until = runs[k + 1][0] if k + 1 < len(runs) else len(lines)
            if k + 1 == len(runs) or any(PRACTICE.match(ln) for ln in lines[last + 1:until]):
                kept.append((first, last))
        return kept
    return [(a, b) for a, b in runs if sum(lines[i].rstrip().endswith("?") for i in range(a, b + 1)) * 2 > b - a + 1]


def draft(text: str, embed: Embed) -> Draft:
    """The course's structure read from its raw text (see the module docstring)."""
    lines = [ln.strip() for ln in text.replace("\r\n", "\n").split("\n") if ln.strip()]
    if len(lines) < 3:
        raise RawFormatError("the text has fewer than three non-empty lines: a title, a subtitle and paragraphs")
    runs = _quizzes(lines, _stem_runs(lines))
    if not runs:
        raise RawFormatError("no chapter quiz found (a run of lines numbered “1. …”, “2. …”): a chapter ends "
                             "with its quiz, so the chapters cannot be told apart")
    title, subtitle = lines[0], lines[1] if len(lines[1]) <= 200 else ""
    start = 2 if subtitle else 1
    regions, before = [], start
    for first, last in runs:
        regions.append((before, first, last))
        before = last + 1
    # text after the last quiz belongs to no chapter: kept as the last chapter's closing paragraphs
    tail = lines[before:]
    parts = []  # (intro-or-leading paragraphs, milestones, body paragraphs, stems)
    for r, (a, first, last) in enumerate(regions):
        chunk = lines[a:first]
        notes = [i for i, ln in enumerate(chunk) if PRACTICE.match(ln)]
        milestones = list(dict.fromkeys(PRACTICE.match(chunk[i]).group(1).strip() for i in notes))
        lead = chunk[:notes[0]] if notes else chunk[:1]
        body = [ln for ln in chunk[(notes[-1] + 1 if notes else 1):] if not PRACTICE.match(ln)]
        if r == len(regions) - 1:
            body += tail
        parts.append((lead, milestones, body, lines[first:last + 1]))
    # The first chapter's introduction is the end of what comes before its milestones; the rest is the overview.
    # How much: as long as the other chapters' introductions are (the median), one paragraph when alone.
    others = [len(p[0]) for p in parts[1:] if p[0]]
    keep = max(1, round(statistics.median(others))) if others else 1
    overview, first_intro = parts[0][0][:-keep], parts[0][0][-keep:]
    chapters = []
    for n, (lead, milestones, body, stems) in enumerate(parts, start=1):
        intro = first_intro if n == 1 else lead
        sections = _sections(body, milestones, embed)
        chapters.append(DraftChapter(n, milestones[0] if milestones else _opening(intro or body), milestones,
                                     intro, sections, stems))
    return Draft(title, subtitle, overview, chapters)


def _sections(paras: list[str], milestones: list[str], embed: Embed) -> list[tuple[str, list[str]]]:
    """The body cut where the topic shifts most, into about one section per PARAGRAPHS_PER_SECTION paragraphs."""
    if not paras:
        return []
    vectors = np.asarray(embed(paras), dtype=np.float64)
    cuts = _cuts(vectors)
    bounds = [0, *cuts, len(paras)]
    groups = [paras[a:b] for a, b in zip(bounds, bounds[1:])]
    centres = [vectors[a:b].mean(axis=0) for a, b in zip(bounds, bounds[1:])]
    titles = [_opening(g) for g in groups]
    if milestones:
        mv = np.asarray(embed(milestones), dtype=np.float64)
        sims = np.array([[float(c @ m / (np.linalg.norm(c) * np.linalg.norm(m))) for m in mv] for c in centres])
        used_s, used_m = set(), set()
        for flat in np.argsort(-sims, axis=None):
            s, m = divmod(int(flat), len(milestones))
            if sims[s, m] < MILESTONE_TITLE:
                break
            if s not in used_s and m not in used_m:
                titles[s] = milestones[m]
                used_s.add(s)
                used_m.add(m)
    return list(zip(titles, groups))


def _cuts(vectors: np.ndarray) -> list[int]:
    """Indices of the paragraphs that open a new section: the weakest links between a paragraph pair and the next."""
    n = len(vectors)
    want = max(1, round(n / PARAGRAPHS_PER_SECTION)) - 1
    if want == 0 or n < 2 * MIN_SECTION:
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    links = []
    for i in range(n - 1):
        a, b = unit[max(0, i - 1):i + 1].mean(axis=0), unit[i + 1:i + 3].mean(axis=0)
        links.append(float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))))
    chosen: list[int] = []
    for i in np.argsort(links, kind="stable"):
        cut = int(i) + 1
        if len(chosen) == want:
            break
        if cut < MIN_SECTION or n - cut < MIN_SECTION or any(abs(cut - c) < MIN_SECTION for c in chosen):
            continue
        chosen.append(cut)
    return sorted(chosen)


def retitle(result: Draft, defined: dict[str, list[str]]) -> Draft:
    """Sections no milestone titled take the terms they define, when they define any ("Dataset, label and model"
    reads better than "To evaluate imaging AI, you need a small…"). `defined`: ref -> terms, in course order."""
    for ch in result.chapters:
        for k, (title, paras) in enumerate(ch.sections, start=1):
            names = list(dict.fromkeys(defined.get(f"{ch.number}.{k}", [])))[:TITLE_TERMS]
            if title not in ch.objectives and names:
                joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
                ch.sections[k - 1] = (joined[:1].upper() + joined[1:], paras)
    return result


def _opening(paras: list[str]) -> str:
    """A draft title: the opening words of the first sentence."""
    if not paras:
        return "Untitled"
    text = STEP.sub("", paras[0])  # a step's number is not a title
    spans = split_sentences(text)
    first = text[spans[0][0]:spans[0][1]] if spans else text
    ws = first.rstrip(".!?:;,").split()
    return " ".join(ws[:TITLE_WORDS]) + ("…" if len(ws) > TITLE_WORDS else "")
