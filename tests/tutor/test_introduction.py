"""A learner introducing themselves gets a welcome, on the real model and the shipped introduction model; questions,
including introductions that go on to ask, never do, and no conversation the fitting scripts replay is changed."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from imaging_tutor.tutor import pipeline
from imaging_tutor.tutor.introduction import introduces_self, introduction_reply
from imaging_tutor.tutor.spelling import course_vocabulary

ROOT = Path(__file__).resolve().parents[2]


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


HELD_OUT = rows(ROOT / "evals/acts/introductions_eval.jsonl")


@pytest.fixture
def taken(tutor_services):
    """Whether the shipped model takes each message for an introduction (as pipeline.answer asks)."""
    model, vocab = tutor_services.models.introduction, course_vocabulary(tutor_services.course())
    assert model is not None

    def decide(texts: list[str]) -> list[bool]:
        vectors = tutor_services.embedder.embed(texts)
        return [introduces_self(v, t, vocab, model) for v, t in zip(vectors, texts)]
    return decide


def test_held_out_introductions_get_the_welcome(tutor_services):
    """evals/acts/introductions_eval.jsonl, never fitted on: before the model 41 of its 44 introductions were
    refused as not covered (35), answered with course sentences (5) or given the clinician reply (1); 37 got the
    welcome with the first fit, 36 since the refit of 2026-12-07 (the about-the-tutor negatives grew; "I teach
    biology at a high school" lost); still refused: "call me Jo", "radiographer here", "I run a small café"."""
    welcome = introduction_reply(tutor_services.course())
    answers = [pipeline.answer(tutor_services, r["text"]) for r in HELD_OUT if r["kind"] == "introduction"]
    welcomed = [a for a in answers if a.answer == welcome]
    assert len(welcomed) >= 35
    assert all(a.status == "small_talk" and not a.citations for a in welcomed)


def test_introductions_that_go_on_to_ask_are_answered_as_questions(tutor_services):
    """The held-out file's other 27 rows introduce the speaker and then ask or describe a problem ("I'm a nurse,
    what does PPV mean"): none gets the welcome."""
    welcome = introduction_reply(tutor_services.course())
    asked = [r["text"] for r in HELD_OUT if r["kind"] == "question"]
    assert len(asked) >= 25
    assert not [t for t in asked if pipeline.answer(tutor_services, t).answer == welcome]


def test_no_question_or_turn_of_any_eval_set_is_taken(taken):
    """Every message of every evals/sets file and every course's eval.jsonl, earlier turns included, and the
    held-out acts set: none is taken, so no eval number moves."""
    files = [*sorted((ROOT / "evals/sets").glob("*.jsonl")), *sorted((ROOT / "evals/courses").glob("*/eval.jsonl"))]
    texts = list(dict.fromkeys(t for f in files for r in rows(f)
                               for t in [r["question"], *(h for h in r.get("history") or [] if isinstance(h, str))]))
    texts += [r["text"] for r in rows(ROOT / "evals/acts/eval.jsonl")]
    assert len(texts) > 2000
    assert not [t for t, got in zip(texts, taken(texts)) if got]


def test_no_labelled_small_talk_or_clarify_message_is_taken(taken):
    """The model is read before the small-talk reply ("nice to meet you, I'm Tom" gets the welcome): none of the
    labelled small talk or clarify messages ("thanks!", "hi, it's me again", "simpler please") is taken."""
    acts = [r["text"] for name in ("fit", "eval") for r in rows(ROOT / f"evals/acts/{name}.jsonl")
            if r["act"] in ("small_talk", "clarify")]
    turns = [r["question"] for r in rows(ROOT / "evals/calibration/conversations.jsonl") if r.get("kind") == "small_talk"]
    assert len(acts) + len(turns) > 300
    assert not [t for t, got in zip(acts + turns, taken(acts + turns)) if got]


def test_no_replayed_conversation_turn_is_taken(taken):
    """The fits after this one replay the earlier turns of their conversations through pipeline.answer: none of those
    turns is taken, so they replay as before and need no refit after it."""
    files = [*sorted((ROOT / "evals/calibration").glob("*.jsonl")), *sorted((ROOT / "evals/courses").glob("*/fit.jsonl"))]
    history = list(dict.fromkeys(h for f in files for r in rows(f) for h in (r.get("history") or [])
                                 if isinstance(h, str)))
    assert len(history) > 300
    assert not any(taken(history))


def test_an_introduction_mid_conversation_keeps_the_topic(tutor_services):
    """After "what is PPV?", "btw I'm a radiographer" gets a short acknowledgement, and "and NPV?" is still read with
    the topic before it."""
    course = tutor_services.course()
    sid = pipeline.new_session(tutor_services)
    assert pipeline.answer(tutor_services, "what is PPV?", session_id=sid).status == "answered"
    said = pipeline.answer(tutor_services, "btw I'm a radiographer", session_id=sid)
    assert said.answer == introduction_reply(course, first=False)
    follow = pipeline.answer(tutor_services, "and NPV?", session_id=sid)
    assert follow.status == "answered" and "predictive value" in follow.answer.lower()


def test_a_second_introduction_is_acknowledged_not_welcomed_again(tutor_services):
    course = tutor_services.course()
    sid = pipeline.new_session(tutor_services)
    assert pipeline.answer(tutor_services, "hi, I'm a line cook", session_id=sid).answer == introduction_reply(course)
    again = pipeline.answer(tutor_services, "my name is Ana", session_id=sid)
    assert again.answer == introduction_reply(course, first=False)


def test_the_welcome_offers_questions_of_the_course_in_use_and_cites_nothing(tutor_services):
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.corpus.starters import starter_questions

    for course in (tutor_services.course(), load_course(ROOT / "tests/fixtures/courses/kitchen-food-safety")):
        reply = introduction_reply(course)
        assert course.title in reply
        assert all(s["question"] in reply for s in starter_questions(course, count=2))
        assert not re.search(r"\[\d+\.\d+\]", reply)
        assert not any(s.text[:60] in reply for s in course.sections)
    assert tutor_services.course().title not in introduction_reply(load_course(
        ROOT / "tests/fixtures/courses/kitchen-food-safety"))


def test_an_opening_introduction_is_not_read_as_whose_care_is_asked(tutor_services):
    """Held out: "I'm a paramedic; would AI help with stroke scans before hospital?" got the clinician reply for its
    "I'm"; read without the introduction it is a question. A request for care after an introduction still gets it."""
    assert pipeline.answer(tutor_services, "I'm a paramedic; would AI help with stroke scans before hospital?"
                           ).status != "medical_advice"
    for request in ("I'm a nurse and I'm worried about my own mammogram result",
                    "I'm a mum of two and my son's x-ray was flagged by AI"):
        assert pipeline.answer(tutor_services, request).status == "medical_advice", request


def test_no_labelled_request_for_care_loses_its_reply_to_the_introduction_reading(tutor_services):
    """Every labelled request for care (every personal-medical file, fit and held out) whose opening clause the model
    takes for an introduction ("My mum is 92, …", "I'm diabetic, …") is still refused read without it."""
    from imaging_tutor.tutor.medical import check as check_medical

    course, model = tutor_services.course(), tutor_services.models.medical
    files = [ROOT / "evals/sets/personal_medical.jsonl", *sorted((ROOT / "evals/calibration").glob("personal_medical*"))]
    requests = [r["question"] for f in files for r in rows(f) if r["kind"] == "medical_advice"]
    assert len(requests) > 150
    read = [(q, rest) for q in requests if (rest := pipeline._after_introduction(tutor_services, q, course))]
    assert read  # the reading does reach some of them
    vectors = tutor_services.embedder.embed([rest for _, rest in read])
    assert not [q for (q, rest), v in zip(read, vectors) if not check_medical(v, rest, model).refuse]
