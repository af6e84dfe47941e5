"""The fitted models shipped with the package (ranker, scope guard, follow-up, message acts, medical advice, quiz
requests, questions about the tutor, introductions).

Each model file records how it was made: the script, library versions, fingerprints of the courses and training
files it was fitted on, and the models it was fitted after (the guard reads the ranker's output, so it must be
refitted when the ranker changes). `stale_reasons` compares those records with what is on disk and installed now
(a new sentence-transformers release moved an eval number with none of ours changed); ingest and the API's startup
log a warning for each, and `make fit` refits everything in order.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parents[1]
RANKER_FILE = PACKAGE / "retrieval" / "ranker_model.json"
GUARD_FILE = PACKAGE / "tutor" / "guard_model.json"
FOLLOWUP_FILE = PACKAGE / "tutor" / "followup_model.json"
ACTS_FILE = PACKAGE / "tutor" / "acts_model.json"
MEDICAL_FILE = PACKAGE / "tutor" / "medical_model.json"
SENTENCE_FILE = PACKAGE / "tutor" / "sentence_model.json"
QUIZ_REQUEST_FILE = PACKAGE / "tutor" / "quiz_request_model.json"
ABOUT_FILE = PACKAGE / "tutor" / "about_model.json"
INTRODUCTION_FILE = PACKAGE / "tutor" / "introduction_model.json"
# Fitting order: each model may read the ones before it (`make fit`, scripts/fit_all.py, runs the scripts in this
# order). Acts, medical, quiz requests, questions about the tutor and introductions replay nothing, so they go first:
# every later fit replays turns through the first two (the quiz-request model is read by no fit; the about and
# introduction models take none of the replayed turns, tests/tutor/test_about.py, test_introduction.py).
ORDER = (("acts", ACTS_FILE), ("medical", MEDICAL_FILE), ("quiz_request", QUIZ_REQUEST_FILE),
         ("about", ABOUT_FILE), ("introduction", INTRODUCTION_FILE),
         ("followup", FOLLOWUP_FILE), ("ranker", RANKER_FILE), ("sentences", SENTENCE_FILE), ("guard", GUARD_FILE))
FIT_SCRIPTS = {"acts": "fit_acts.py", "medical": "fit_medical.py", "quiz_request": "fit_quiz_request.py",
               "about": "fit_about.py", "introduction": "fit_introduction.py",
               "followup": "fit_followup.py", "ranker": "fit_ranker.py", "sentences": "fit_sentences.py",
               "guard": "calibrate_guard.py"}


def read_model(path: Path) -> dict | None:
    """A model file as a dict, or None when it does not exist (the component then runs unfitted)."""
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def fingerprint_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def file_fingerprint(path: Path) -> str:
    return fingerprint_bytes(path.read_bytes()) if path.is_file() else "missing"


def course_fingerprint(course) -> str:
    """Identifies a course's indexed content (course.md text, titles) and its question bank."""
    h = hashlib.sha256(f"{course.id}\x1f{course.version}".encode())
    for s in course.sections:
        h.update(s.content_hash.encode())
    if course.path is not None:
        h.update(file_fingerprint(course.path.parent / "questions.jsonl").encode())
    return h.hexdigest()[:16]


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def model_header(script: str, training_files: list[str], courses: list, after: list[str] = ()) -> dict:
    """What a fitting script records about the fit (see the module docstring)."""
    return {"fitted_by": script,
            "versions": {d: _version(d) for d in ("scikit-learn", "numpy", "sentence-transformers")},
            "training_files": {f: file_fingerprint(ROOT / f) for f in training_files},
            "courses": {c.id: course_fingerprint(c) for c in courses},
            "fitted_after": {name: file_fingerprint(dict(ORDER)[name]) for name in after}}


def stale_reasons(name: str, model: dict | None, courses: list = ()) -> list[str]:
    """Why a shipped model no longer matches its inputs (empty when it does)."""
    if model is None or "training_files" not in model:
        return []
    reasons = [f"{name} model: {f} changed since it was fitted" for f, fp in model["training_files"].items()
               if (ROOT / f).is_file() and file_fingerprint(ROOT / f) != fp]
    fitted_courses = model.get("courses", {})
    reasons += [f"{name} model: course {c.id} changed since it was fitted" for c in courses
                if c.id in fitted_courses and course_fingerprint(c) != fitted_courses[c.id]]
    reasons += [f"{name} model: fitted with {dist} {fitted}, {_version(dist)} is installed (pinned in constraints.txt)"
                for dist, fitted in model.get("versions", {}).items() if _version(dist) != fitted]
    paths = dict(ORDER)
    reasons += [f"{name} model: fitted before the current {other} model" for other, fp in
                model.get("fitted_after", {}).items() if file_fingerprint(paths[other]) != fp]
    return reasons


@dataclass(frozen=True)
class FittedModels:
    """The weights every fitted component reads, as scripts/ wrote them."""

    ranker: dict | None
    guard: dict
    followup: dict | None = None  # without it every turn stands alone
    acts: dict | None = None  # without it every message is a question
    medical: dict | None = None  # required in practice: FittedModels.packaged refuses to start without it
    sentences: dict | None = None  # the extractive writer's sentence scores
    quiz_request: dict | None = None  # without it only the fixed phrase ("quiz me") starts a chat quiz
    about: dict | None = None  # without it a question about the tutor goes to retrieval like any other
    introduction: dict | None = None  # without it "hello, I'm a radiographer" goes to retrieval like any other
    files: dict = field(default_factory=dict, compare=False)

    @classmethod
    def packaged(cls) -> "FittedModels":
        guard, medical = read_model(GUARD_FILE), read_model(MEDICAL_FILE)
        for path, model in ((GUARD_FILE, guard), (MEDICAL_FILE, medical)):
            if model is None:
                raise FileNotFoundError(f"{path} is missing; run `make fit`")
        return cls(ranker=read_model(RANKER_FILE), guard=guard, followup=read_model(FOLLOWUP_FILE),
                   acts=read_model(ACTS_FILE), medical=medical, sentences=read_model(SENTENCE_FILE),
                   quiz_request=read_model(QUIZ_REQUEST_FILE), about=read_model(ABOUT_FILE),
                   introduction=read_model(INTRODUCTION_FILE))

    def stale_reasons(self, courses: list = ()) -> list[str]:
        """Every reason a shipped model no longer matches its training inputs or the course in use."""
        return [r for name, model in (("followup", self.followup), ("ranker", self.ranker), ("acts", self.acts),
                                      ("medical", self.medical), ("guard", self.guard),
                                      ("sentences", self.sentences), ("quiz_request", self.quiz_request),
                                      ("about", self.about), ("introduction", self.introduction))
                for r in stale_reasons(name, model, courses)]
