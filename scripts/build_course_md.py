"""Build corpus/ai-in-medical-imaging/course.md from the raw course text (run once; the output is committed).

The raw text has no headings. The section map below (written by reading the course) names each
chapter and section and says which raw lines belong to it; every other line is either the overview,
a practice-note (boilerplate whose milestone name becomes a learning objective) or a quiz stem.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

CHAPTERS = [
    (1, "Medical imaging and AI: the big picture", (12, 14), [
        (1, "Imaging modalities: X-ray, CT, MRI and ultrasound", 25, 30),
        (2, "The imaging workflow: order, scan, read, report, treat", 31, 37),
        (3, "What “AI” means: learning patterns, not following rules", 38, 41),
        (4, "Key vocabulary: datasets, labels, models, sensitivity and specificity", 42, 45),
        (5, "Where AI lives: scanner, workstation and inbox", 46, 49),
        (6, "Realistic capabilities and limits", 50, 53),
    ], (54, 58)),
    (2, "How AI sees scans: from pixels to predictions", (59, 61), [
        (1, "Images as numbers: pixels, voxels and intensities", 71, 73),
        (2, "Defining the input: slices, series and DICOM metadata", 74, 76),
        (3, "Labels: what they are and why they are hard to get right", 77, 79),
        (4, "Training: learning from labeled examples", 80, 82),
        (5, "Inference: running the model on new scans", 83, 85),
        (6, "Task type and output type: score, box, mask or measurement", 86, 87),
    ], (88, 92)),
    (3, "Where AI helps: common clinical use cases", (93, 96), [
        (1, "Triage and prioritization", 105, 108),
        (2, "Detection support: AI as a second reader", 109, 112),
        (3, "Measurement and tracking over time", 113, 116),
        (4, "Workflow automation", 117, 120),
        (5, "Reporting support", 121, 124),
        (6, "What “value” means for patients and teams", 125, 128),
    ], (129, 133)),
    (4, "Performance basics: reading the numbers safely", (134, 137), [
        (1, "The confusion matrix", 145, 148),
        (2, "Sensitivity and specificity", 149, 153),
        (3, "PPV, NPV and prevalence", 154, 158),
        (4, "Scores, thresholds, ROC curves and AUC", 159, 163),
        (5, "Ground truth, reader studies and reference standards", 164, 168),
        (6, "Generalization: why a model that tests well can fail in practice", 169, 173),
    ], (174, 178)),
    (5, "Risks: data quality, bias, drift and overreliance", (179, 181), [
        (1, "Data quality: bad input problems", 191, 194),
        (2, "Bias and fairness", 195, 197),
        (3, "Shortcut learning", 198, 200),
        (4, "Distribution shift, drift and monitoring", 201, 203),
        (5, "Automation bias and overreliance", 204, 206),
        (6, "Safe use: guardrails, audits and escalation", 207, 209),
    ], (210, 214)),
    (6, "Adoption essentials: privacy, regulation, governance and vendors", (215, 217), [
        (1, "Privacy, de-identification and consent", 228, 231),
        (2, "Cybersecurity", 232, 234),
        (3, "Regulation and clinical validation", 235, 238),
        (4, "Accountability and clinical governance", 239, 243),
        (5, "Workflow integration and rollout", 244, 246),
        (6, "Buying smart: questions to ask vendors", 247, 252),
    ], (253, 257)),
]

PRACTICE = re.compile(r"^Practice note for Milestone: (.+?): document your objective")


def build(raw_path: Path) -> str:
    lines = raw_path.read_text(encoding="utf-8").splitlines()
    line = lambda n: lines[n - 1].strip()  # noqa: E731 - 1-based like the map
    out = [
        "---",
        "id: ai-in-medical-imaging",
        f"title: {line(1)}",
        f"subtitle: {line(2)}",
        "version: 1.0.0",
        "---",
        "",
        "# Overview",
        "",
    ]
    for n in range(3, 12):
        out += [line(n), ""]
    chapter_bounds = [c[2][0] for c in CHAPTERS] + [len(lines) + 1]
    for i, (num, title, (i0, i1), sections, (q0, q1)) in enumerate(CHAPTERS):
        objectives: list[str] = []
        for n in range(chapter_bounds[i], chapter_bounds[i + 1]):
            m = PRACTICE.match(line(n))
            if m and m.group(1) not in objectives:
                objectives.append(m.group(1))
        out += [f"# Chapter {num}: {title}", "", "```objectives"]
        out += [f"- {o}" for o in objectives]
        out += ["```", "", f"## {num}.0 Introduction", ""]
        for n in range(i0, i1 + 1):
            out += [line(n), ""]
        for s, stitle, a, b in sections:
            out += [f"## {num}.{s} {stitle}", ""]
            for n in range(a, b + 1):
                out += [line(n), ""]
        out += ["```quiz"]
        out += [line(n) for n in range(q0, q1 + 1)]
        out += ["```", ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    raw = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/course/ai-in-medical-imaging-beginner.txt")
    dest = Path(__file__).resolve().parents[1] / "corpus/ai-in-medical-imaging/course.md"
    dest.write_text(build(raw), encoding="utf-8")
    print(f"wrote {dest}")
