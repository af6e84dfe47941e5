"""Whether a message asks to be quizzed, on the real model and the shipped quiz-request model: requests in the
learner's own words are read as requests, questions *about* quizzes and other acts are not."""
from __future__ import annotations

import pytest

from imaging_tutor.tutor import acts
from imaging_tutor.tutor.pipeline import asks_for_quiz

# Written for this test, not taken from any eval or fit file. The fixed phrase of quiz/chat.py catches none of them.
REQUESTS = [
    "could you throw a question at me about that?",
    "I'd like to check I understood, ask me something",
    "can I have a practice question on sensitivity?",
    "pop quiz time!",
    "set me a question on what we just covered",
    "let's see if I remember it, go on, test my knowledge",
    "gimme a multiple choice question",
    "try me with a true or false",
    # naming a topic: read by the request's frame ("give me a practice question"), the topic left out
    "I'd love a practice question on data drift",
    "a question about reader studies please",
    "could you set me a true/false question covering heatmaps?",
]
NOT_REQUESTS = [
    "how are the chapter quizzes marked?",
    "do the quiz scores count towards my certificate?",
    "what does the quiz in chapter 4 cover?",
    "can you explain that again more simply?",
    "thanks, that helps",
    "what is a test set?",
    "how do you test an AI model before using it?",
    "why does a radiologist question the AI output?",
    "what kind of questions come up in the final exam?",
    "how do you test a model for bias?",
    "what questions should we ask about a vendor's validation study?",
    # asking to be shown or walked through something is a question (the model before 2026-12-05 quizzed the third)
    "show me how NPV is calculated",
    "walk me through that example with real numbers",
    "give me the working for the specificity figure",
]


@pytest.mark.parametrize("message", REQUESTS)
def test_a_request_in_other_words_is_read_as_one(services, message):
    from imaging_tutor.quiz.chat import is_quiz_request

    assert not is_quiz_request(message)
    assert asks_for_quiz(services, message)


@pytest.mark.parametrize("message", NOT_REQUESTS)
def test_a_question_about_quizzes_or_another_act_is_not_a_request(services, message):
    assert not asks_for_quiz(services, message)


def test_without_the_model_only_the_fixed_phrase_starts_a_quiz(embedder):
    assert acts.asks_for_quiz("pop quiz time!", {}, None, embedder.embed) is False


def test_the_request_frame_leaves_out_the_topic_it_ends_with():
    assert acts.request_frame("give me a practice question on drift") == "give me a practice question"
    assert acts.request_frame("can you ask me something about PPV and NPV?") == "can you ask me something?"
    # the phrase runs to the end of the message from its first preposition after the last comma; a pronoun or
    # "what" is not a topic
    assert acts.request_frame("test my knowledge of the end of chapter 4") == "test my knowledge"
    assert acts.request_frame("for revision, one question on triage") == "for revision, one question"
    assert acts.request_frame("ask me about it") == "ask me about it"
    assert acts.request_frame("what is drift?") == "what is drift?"


def test_held_out_requests_are_read_as_measured(embedder):
    """Floors just under what evals/README.md reports for the held-out files the model never saw, decided as the
    tutor decides (the fixed phrase, or the model on the request frame, the frame's cues counted against its own
    course): requests in other words, requests naming a topic, and learners' questions about their own study."""
    import json
    from pathlib import Path

    from imaging_tutor.config import Settings
    from imaging_tutor.corpus.catalog import build_catalog
    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.fitted import QUIZ_REQUEST_FILE, read_model
    from imaging_tutor.quiz.chat import is_quiz_request
    from imaging_tutor.tutor.spelling import course_vocabulary

    root = Path(__file__).resolve().parents[2]
    model = read_model(QUIZ_REQUEST_FILE)
    catalog = build_catalog(Settings(corpus_dir=root / "corpus/ai-in-medical-imaging",
                                     courses_dir=root / "tests/fixtures/courses"))
    vocab = {}

    def decided(text: str, course: str = "ai-in-medical-imaging") -> bool:
        if course not in vocab:
            vocab[course] = course_vocabulary(load_course(catalog.get(course).folder))
        return is_quiz_request(text) or acts.asks_for_quiz(text, vocab[course], model, embedder.embed)

    def rows(path: str) -> list[dict]:
        return [json.loads(line) for line in (root / path).read_text().splitlines() if line.strip()]

    for path, min_precision, min_recall in (("evals/acts/eval.jsonl", 0.9, 0.88),
                                            ("evals/acts/quiz_requests_eval.jsonl", 0.95, 0.75)):
        got = [(decided(r["text"], r.get("course", "ai-in-medical-imaging")), r["act"] == "quiz_me")
               for r in rows(path)]
        hits = sum(g and w for g, w in got)
        assert hits / sum(g for g, _ in got) >= min_precision and hits / sum(w for _, w in got) >= min_recall, path
    study = [r["question"] for r in rows("evals/sets/study.jsonl")]
    assert sum(map(decided, study)) <= 1


def test_a_learner_turn_embeds_its_request_frame_beside_the_message(services, monkeypatch):
    """The frame and the message go to the embedder together (side by side on a free core); a message whose frame
    the model never reads (longer than any labelled request) adds no embedding at all."""
    calls: list[list[str]] = []
    monkeypatch.setattr(services.embedder, "prefetch", lambda texts: calls.append(list(texts)))
    asks_for_quiz(services, "I'd love a practice question on data drift")
    assert calls == [["I'd love a practice question", "I'd love a practice question on data drift"]]
    calls.clear()
    asks_for_quiz(services, "our radiographers keep asking me whether the triage tool looks at the whole study "
                            "or only the first series that arrives")
    assert calls == []


def test_a_course_term_typed_alone_is_looked_up_not_a_request(make_services, tmp_path):
    """On the weather course "PoP" (its probability of precipitation) started a chat quiz: the model read it as
    "pop quiz". A message that is nothing but terms the course defines looks them up."""
    from pathlib import Path

    from imaging_tutor.config import Settings

    folder = Path(__file__).parents[1] / "fixtures" / "courses" / "reading-weather-forecasts"
    weather = make_services(Settings(data_dir=tmp_path / "data", corpus_dir=folder))
    assert not asks_for_quiz(weather, "PoP")
    assert not asks_for_quiz(weather, "PoP?")
    assert asks_for_quiz(weather, "pop quiz on PoP please")
