"""Fit the quiz-request model (tutor/quiz_request_model.json): does a chat message ask to be quizzed?

"Quiz me" in a learner's conversation starts a chat quiz (quiz/chat.py). The fixed phrase catches "quiz me" and
"test me on drift" but, on the held-out acts set, only 6 of 45 requests ("give me a practice question", "can you
check whether I got it" are missed); the acts model's quiz_me class catches 42 of 45 there but also 12 of the 60
held-out study questions ("what score do I need on the quizzes to pass?"): a question *about* quizzes is not a
request for one. So this model is the acts model's four classes fitted again with learners' study questions (and
this course's other fit splits) as questions; only its quiz_me class is read, and it changes nothing else (the acts
model keeps deciding small talk and clarify: with the study rows its clarify class reached no threshold of 0.98
cross-validated precision). A binary request-vs-rest model on the same rows was tried first: it took 4 clarify and
2 small-talk messages of the held-out acts set for requests (precision 0.857), the four-class one 2. It reads a
message's request frame (acts.request_frame: the topic phrase the message ends with left out): on whole messages a
request that names a topic looks like a question about the topic (with such rows in training, cross-validated
precision 0.84 at recall 0.67; on frames 0.985 at 0.88).

Training rows, none from evals/sets/, an eval.jsonl or evals/acts/quiz_requests_eval.jsonl: scripts/fit_acts.py's
rows (evals/acts/fit.jsonl, the conversation and search fit splits), evals/acts/quiz_requests_fit.jsonl (requests
that name a topic, "give me a practice question on drift", and questions about a topic that mention tests or
questions, "how do you test a model for drift?", on three courses: the rows above have almost no requests with a
topic, and the first model fitted without these took 4 of 32 such requests for one), plus, as questions, the study
fit split (three courses) and this course's workplace, guard, near-miss and personal-medical fit splits. Features:
the message's embedding and the acts model's shape cues, each row's counted against its own course's vocabulary
(as at run time, where a topic word is a word of the course being served). C by 5-fold cross-validated log loss;
threshold: the acts model's rule (fit_acts.choose_thresholds: the lowest whose cross-validated precision for quiz_me
is >= 0.98; a question taken for a quiz request would go unanswered). Held-out numbers are printed, never used to
choose anything.
Usage: .venv/bin/python scripts/fit_quiz_request.py [--dry-run]
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from imaging_tutor.config import get_settings
from imaging_tutor.corpus.course import load_course
from imaging_tutor.fitted import QUIZ_REQUEST_FILE, model_header
from imaging_tutor.quiz.chat import is_quiz_request
from imaging_tutor.services import Services
from imaging_tutor.tutor.acts import ACTS, SHAPE_FEATURES, asks_for_quiz, request_frame, shape_features
from imaging_tutor.tutor.spelling import course_vocabulary

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit_acts  # noqa: E402
from fitting import course_catalog, read_rows, relative  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CAL = ROOT / "evals" / "calibration"
QUESTIONS = [CAL / f"{name}.jsonl" for name in ("study", "workplace", "guard", "near_miss", "personal_medical")]
WITH_TOPIC = ROOT / "evals" / "acts" / "quiz_requests_fit.jsonl"
HELD_OUT_ACTS = ROOT / "evals" / "acts" / "eval.jsonl"
HELD_OUT_WITH_TOPIC = ROOT / "evals" / "acts" / "quiz_requests_eval.jsonl"
HELD_OUT_STUDY = [ROOT / "evals" / "sets" / "study.jsonl", *sorted((ROOT / "evals" / "courses").glob("*/eval.jsonl"))]
HELD_OUT_SETS = sorted((ROOT / "evals" / "sets").glob("*.jsonl"))
C_GRID = (0.1, 0.3, 1.0, 3.0)
REQUEST = ACTS.index("quiz_me")


CATALOG = course_catalog()
THIS_COURSE = CATALOG.default_id  # rows without a "course" are the configured course's


def vocabularies() -> dict[str, dict[str, int]]:
    """Each course's own vocabulary, by id (rows without a course are this course's, as fit_acts.py counts them)."""
    ids = {THIS_COURSE, *(r.get("course", THIS_COURSE) for p in (WITH_TOPIC, HELD_OUT_WITH_TOPIC, *QUESTIONS)
                          for r in read_rows(p))}
    ids |= {p.parent.name for p in HELD_OUT_STUDY if p.parent.parent.name == "courses"}
    return {c: course_vocabulary(load_course(CATALOG.get(c).folder)) for c in sorted(ids)}


def training_rows() -> list[tuple[str, str, str]]:
    """(text, act, course id) once per text, with its last label."""
    rows = [(t, a, THIS_COURSE) for path in fit_acts.FIT for t, a in fit_acts.rows_of(path)]
    rows += [(r["text"], r["act"], r["course"]) for r in read_rows(WITH_TOPIC)]
    rows += [(r["question"], "question", r.get("course", THIS_COURSE)) for path in QUESTIONS for r in read_rows(path)]
    return [(t, a, c) for t, (a, c) in {t: (a, c) for t, a, c in rows}.items()]


def featurize(texts: list[str], services, vocabulary: dict[str, int] | list[dict[str, int]]) -> np.ndarray:
    """The features of each message's request frame, as the tutor computes them."""
    vocab = vocabulary if isinstance(vocabulary, list) else [vocabulary] * len(texts)
    frames = [request_frame(t) for t in texts]
    return np.hstack([services.embedder.embed(frames), np.array([shape_features(f, v) for f, v in zip(frames, vocab)])])


def out_of_fold(X: np.ndarray, y: np.ndarray, c: float, repeats: int = 3) -> np.ndarray:
    """Class probabilities of each row from the folds it was left out of, averaged over fold shuffles."""
    p = np.zeros((len(y), len(ACTS)))
    for seed in range(repeats):
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(X, y):
            clf, mean, scale = fit_acts.fit(X[tr], y[tr], c)
            got = np.zeros((len(te), len(ACTS)))
            got[:, clf.classes_] = clf.predict_proba((X[te] - mean) / scale)
            p[te] += got / repeats
    return p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    services = Services(get_settings())
    vocab = vocabularies()
    rows = training_rows()
    X = featurize([t for t, _, _ in rows], services, [vocab[c] for _, _, c in rows])
    y = np.array([ACTS.index(a) for _, a, _ in rows])
    want = y == REQUEST
    print(f"training rows: {len(y)} ({dict(Counter(a for _, a, _ in rows))})")
    oof = {c: out_of_fold(X, y, c) for c in C_GRID}
    losses = {c: log_loss(y, p, labels=list(range(len(ACTS)))) for c, p in oof.items()}
    c = min(losses, key=losses.get)
    print("cross-validated log loss by C: " + ", ".join(f"{k:g}: {v:.4f}" for k, v in losses.items()) + f" -> C {c:g}")
    request_p = oof[c][:, REQUEST]
    for t in (0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        sel = request_p >= t
        print(f"  cross-validated at {t}: precision {want[sel].mean() if sel.any() else float('nan'):.3f} recall "
              f"{sel[want].mean():.3f}, messages taken for requests {int((sel & ~want).sum())}")
    threshold = fit_acts.choose_thresholds(oof[c], y, list(range(len(ACTS))))["quiz_me"]
    picked = request_p >= threshold
    print(f"cross-validated at threshold {threshold}: precision {want[picked].mean():.3f} recall "
          f"{picked[want].mean():.3f}; other messages taken for requests: {int((picked & ~want).sum())} of "
          f"{int((~want).sum())}")
    clf, mean, scale = fit_acts.fit(X, y, c)
    # A longer frame than any labelled request's is read as no request, without embedding it.
    max_frame = max(len(request_frame(t).split()) for t, a, _ in rows if a == "quiz_me")
    model = {**model_header("scripts/fit_quiz_request.py",
                            [relative(p) for p in [*fit_acts.FIT, WITH_TOPIC, *QUESTIONS]], [services.course()]),
             "classes": [ACTS[k] for k in clf.classes_],
             "features": ["embedding"] * (X.shape[1] - len(SHAPE_FEATURES)) + list(SHAPE_FEATURES),
             "weights": clf.coef_.round(6).tolist(), "intercepts": clf.intercept_.round(6).tolist(),
             "mean": mean.round(6).tolist(), "scale": scale.round(6).tolist(), "thresholds": {"quiz_me": threshold},
             "C": c, "max_frame_words": max_frame}

    def flagged(texts: list[str], course_id: str | list[str] = THIS_COURSE) -> np.ndarray:
        ids = course_id if isinstance(course_id, list) else [course_id] * len(texts)
        services.embedder.embed([request_frame(t) for t in texts])  # one batch; asks_for_quiz reads the cache
        return np.array([asks_for_quiz(t, vocab[c], model, services.embedder.embed) for t, c in zip(texts, ids)],
                        dtype=bool)

    acts = read_rows(HELD_OUT_ACTS)
    got, is_request = flagged([r["text"] for r in acts]), np.array([r["act"] == "quiz_me" for r in acts])
    print(f"held out (evals/acts/eval.jsonl): precision {is_request[got].mean():.3f} recall "
          f"{got[is_request].mean():.3f} (n={int(is_request.sum())} requests, {len(acts)} messages); others taken "
          f"for requests by act: {dict(Counter(r['act'] for r, g in zip(acts, got) if g and r['act'] != 'quiz_me'))}")
    topic = read_rows(HELD_OUT_WITH_TOPIC)
    got = flagged([r["text"] for r in topic], [r["course"] for r in topic])
    is_request = np.array([r["act"] == "quiz_me" for r in topic])
    print(f"held out ({relative(HELD_OUT_WITH_TOPIC)}): precision {is_request[got].mean():.3f} recall "
          f"{got[is_request].mean():.3f} (n={int(is_request.sum())} requests naming a topic, {len(topic)} messages)")
    for name, rows_ in (("evals/acts/eval.jsonl", acts), (relative(HELD_OUT_WITH_TOPIC), topic)):
        want_ = np.array([r["act"] == "quiz_me" for r in rows_])
        phrase = np.array([is_quiz_request(r["text"]) for r in rows_])
        both = phrase | flagged([r["text"] for r in rows_], [r.get("course", THIS_COURSE) for r in rows_])
        print(f"held out {name}, as the tutor decides (the fixed phrase, or this model): precision "
              f"{want_[both].mean():.3f} recall {both[want_].mean():.3f}; the fixed phrase alone: recall "
              f"{phrase[want_].mean():.3f}")
    for path in HELD_OUT_STUDY:
        course_id = path.parent.name if path.parent.parent.name == "courses" else THIS_COURSE
        study = [r["question"] for r in read_rows(path) if r.get("category") == "study"]
        print(f"held out study questions taken for requests, {relative(path)}: "
              f"{int(flagged(study, course_id).sum())} of {len(study)}")
    for path in HELD_OUT_SETS:
        texts = list(dict.fromkeys(t for r in read_rows(path) for t in [r["question"], *(r.get("history") or [])]))
        print(f"held out {relative(path)}: {int(flagged(texts).sum())} of {len(texts)} messages taken for requests")
    if not args.dry_run:
        QUIZ_REQUEST_FILE.write_text(json.dumps(model) + "\n", encoding="utf-8")
        print(f"wrote {QUIZ_REQUEST_FILE}")


if __name__ == "__main__":
    main()
