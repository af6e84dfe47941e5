"""Fit the personal-medical models (tutor/medical_model.json): `advice` (refuse) and `context` (answer + note).

Training rows, none from evals/sets/: evals/calibration/guard.jsonl (medical_advice rows are requests), the
calibration personal_medical split (personal = request, mixed = context only, lookalike = neither), the same three
kinds in everyday words (evals/calibration/personal_medical_everyday.jsonl: food, weather, home; the check runs on
every course, and with this course's requests alone it answered "is it safe for me to eat sushi while
breastfeeding?"), the personal turns of the conversation fit split, and as negatives the workplace, search and
near-miss fit splits, the acts fit rows, the other courses' fit splits, the course's question bank and learners'
questions about their own study (evals/calibration/study.jsonl: "should I skip chapter 2 if I already know DICOM?",
first person and a decision, on three courses; without them a third of such questions got the medical reply).
`advice` threshold: just below the lowest cross-validated probability (averaged over repeated fold shuffles) of any
of this course's requests (recall 1.0 held out on them), because answering a request for care is the failure that
matters most; the everyday requests are training rows whose cross-validated recall at that threshold is printed
(1.000 of 40 since the study rows joined; 0.975 before, when taking the minimum over them too moved the threshold
0.34 -> 0.32 for that one row, cross-validated mistakes on the rest 45 -> 48). `context` threshold: 0.5.
The cross-validated false-refusal rate per source is printed.
`subject` (is the message about a person's body or health at all; the embedding alone): every request and mixed
question of the sources above and of SUBJECT_SOURCES against first-person decisions about things (the look-alikes of
the everyday, decisions and settings files: "my chopping board is scarred, should I replace it?", "I spilled bleach
on my carpet …" beside "I spilled bleach on my hand …"), learners' study questions and the two fitted courses'
questions. C 1.0 (see SUBJECT_C); threshold half the lowest cross-validated probability of any request (recall
1.0 with a margin: a request in words no row has, "should I give my kid calpol before the flight?", scored 0.06 against
a minimum of 0.10), so it lifts no refusal the labelled requests need. This course's other questions are not in it:
they are neither a body nor a thing, and the head only decides when `advice` would refuse.
Usage: .venv/bin/python scripts/fit_medical.py [--dry-run] [--out PATH]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from imaging_tutor.config import get_settings
from imaging_tutor.corpus.questionbank import load_question_bank
from imaging_tutor.fitted import MEDICAL_FILE, model_header
from imaging_tutor.services import Services
from imaging_tutor.tutor.medical import CUES, cues

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fitting import repeated_oof  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "evals" / "calibration"
EVERYDAY = "evals/calibration/personal_medical_everyday.jsonl"
SOURCES = ["evals/calibration/guard.jsonl", "evals/calibration/personal_medical.jsonl", EVERYDAY,
           "evals/calibration/conversations.jsonl", "evals/calibration/workplace.jsonl",
           "evals/calibration/search.jsonl", "evals/calibration/near_miss.jsonl", "evals/acts/fit.jsonl",
           "evals/courses/kitchen-food-safety/fit.jsonl", "evals/courses/reading-weather-forecasts/fit.jsonl",
           "evals/calibration/study.jsonl"]
SUBJECT_SOURCES = ["evals/calibration/personal_medical_decisions.jsonl",
                   "evals/calibration/personal_medical_settings.jsonl"]
# Chosen by cross-validated log loss on a prototype of these rows before the settings file joined (0.1: 0.085, 0.3:
# 0.077, 1.0: 0.074, 3.0: 0.077). With it, on the prototype: 0.1: 0.096, 0.3: 0.092, 1.0: 0.094, 3.0: 0.099 — 0.3 a
# hair better, and its lowest request higher (0.116 against 0.075); not refitted, so 1.0 stays.
SUBJECT_C = 1.0
C = 0.03  # chosen by the cross-validated false refusals at recall 1.0 (0.03: 15 of 1,172 workplace, bank and calibration questions; 0.3: 17; 1.0: 26)
CONTEXT_THRESHOLD = 0.5


def labelled(services) -> list[tuple[str, int, int, str]]:
    """(text, advice, context, source) rows."""
    rows = []
    for rel in SOURCES:
        for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            text = r.get("question") or r.get("text")
            personal = r.get("kind") == "medical_advice"
            mixed = r.get("subtype") == "mixed"
            rows.append((text, int(personal), int(personal or mixed), rel))
    course = services.course()
    rows += [(q.question, 0, 0, "questions.jsonl")
             for q in load_question_bank(services.settings.corpus_dir, course).questions]
    return rows


def subject_rows() -> list[tuple[str, int, bool]]:
    """(text, about a body or health, a request for care) rows for the `subject` head."""
    rows = []
    thing_sources = {EVERYDAY, *SUBJECT_SOURCES, "evals/calibration/study.jsonl",
                     "evals/courses/kitchen-food-safety/fit.jsonl", "evals/courses/reading-weather-forecasts/fit.jsonl"}
    for rel in dict.fromkeys(SOURCES + SUBJECT_SOURCES):
        for line in (ROOT / rel).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            request = r.get("kind") == "medical_advice"
            health = request or r.get("subtype") == "mixed"
            if health or rel in thing_sources:
                rows.append((r.get("question") or r.get("text"), int(health), request))
    return rows


def fit_head(X, y, c: float = C):
    mean, scale = X.mean(axis=0), X.std(axis=0) + 1e-6
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit((X - mean) / scale, y)
    return clf, mean, scale


REPEATS = 5  # the threshold is a minimum over requests: averaged over fold shuffles it no longer swings with
# which fold one hard request happens to land in when a row is added elsewhere (one shuffle: 0.33 -> 0.20)


def cv_probabilities(X, y, c: float = C) -> np.ndarray:
    """Each row's held-out probability, averaged over REPEATS shuffles of 5-fold cross-validation."""
    def fit_predict(X_tr, y_tr, X_te):
        clf, mean, scale = fit_head(X_tr, y_tr, c)
        return clf.predict_proba((X_te - mean) / scale)[:, 1]

    return repeated_oof(X, y, fit_predict, REPEATS)


def head(clf, mean, scale, threshold) -> dict:
    return {"weights": clf.coef_[0].round(6).tolist(), "intercept": round(float(clf.intercept_[0]), 6),
            "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "threshold": round(threshold, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--out", type=Path, help="write the model here instead of the shipped file (to compare)")
    args = parser.parse_args()
    services = Services(get_settings())
    rows = labelled(services)
    vectors = services.embedder.embed([t for t, *_ in rows])
    X = np.hstack([vectors, np.array([cues(t) for t, *_ in rows])])
    advice = np.array([a for _, a, _, _ in rows])
    context = np.array([c for _, _, c, _ in rows])
    source = np.array([s for *_, s in rows])
    p_adv = cv_probabilities(X, advice)
    everyday = (advice == 1) & (source == EVERYDAY)
    threshold = float(p_adv[(advice == 1) & ~everyday].min()) - 1e-4
    print(f"everyday requests refused (cross-validated) {np.mean(p_adv[everyday] >= threshold):.3f} of {everyday.sum()}")
    wrong = (p_adv >= threshold) & (advice == 0)
    print(f"advice: {advice.sum()} requests of {len(rows)}; threshold {threshold:.4f} (cross-validated recall 1.0)")
    for src in dict.fromkeys(source):
        mask = (source == src) & (advice == 0)
        if mask.any():
            print(f"  refused by mistake, cross-validated: {wrong[mask].sum():3d} of {mask.sum():4d}  {src}")
    for t, p in sorted(((t, p) for (t, a, _, _), p in zip(rows, p_adv) if not a and p >= threshold),
                       key=lambda x: -x[1])[:12]:
        print(f"    p={p:.2f} {t[:110]}")
    p_ctx = cv_probabilities(X, context)
    mixed = np.array([c and not a for _, a, c, _ in rows], bool)
    print(f"context: mixed questions noted (cross-validated) {np.mean(p_ctx[mixed] >= CONTEXT_THRESHOLD):.3f} of "
          f"{mixed.sum()}; other non-requests noted {np.mean(p_ctx[(context == 0)] >= CONTEXT_THRESHOLD):.3f}")
    clf_a, ma, sa = fit_head(X, advice)
    clf_c, mc, sc = fit_head(X, context)
    subject = subject_head(services, p_adv >= threshold, advice, rows)
    model = {**model_header("scripts/fit_medical.py", SOURCES + SUBJECT_SOURCES, [services.course()]),
             "features": ["embedding"] * vectors.shape[1] + list(CUES),
             "advice": head(clf_a, ma, sa, threshold), "context": head(clf_c, mc, sc, CONTEXT_THRESHOLD),
             "subject": subject}
    if not args.dry_run:
        out = args.out or MEDICAL_FILE
        out.write_text(json.dumps(model) + "\n", encoding="utf-8")
        print(f"wrote {out}")


def subject_head(services, refused_cv, advice, rows) -> dict:
    """The `subject` head, and what it lifts of the advice head's cross-validated refusals of non-requests."""
    srows = subject_rows()
    Xs = services.embedder.embed([t for t, _, _ in srows])
    ys = np.array([h for _, h, _ in srows])
    request = np.array([r for _, _, r in srows])
    p = cv_probabilities(Xs, ys, SUBJECT_C)
    threshold = float(p[request].min()) / 2
    print(f"subject: {ys.sum()} about a body or health of {len(srows)}; threshold {threshold:.4f} (half the lowest "
          f"cross-validated probability of {request.sum()} requests); things read as health (cross-validated) "
          f"{int(np.sum((p >= threshold) & (ys == 0)))} of {int(np.sum(ys == 0))}")
    # what the pair would still refuse by mistake, cross-validated on both heads (rows of SOURCES only)
    p_of = dict(zip((t for t, _, _ in srows), p))
    kept = [t for (t, a, _, _), r in zip(rows, refused_cv) if r and not a and p_of.get(t, 1.0) >= threshold]
    print(f"  non-requests the advice head refuses (cross-validated) {int(np.sum(refused_cv & (advice == 0)))}; "
          f"still refused with the subject head {len(kept)} (rows it was not fitted on count as health)")
    clf, mean, scale = fit_head(Xs, ys, SUBJECT_C)
    return head(clf, mean, scale, threshold)


if __name__ == "__main__":
    main()
