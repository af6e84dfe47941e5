"""Sentence splitting: exact offsets, abbreviations that do not end sentences, paragraphs that always do."""
from __future__ import annotations

import pytest

from conftest import CORPUS
from imaging_tutor.corpus.course import load_course
from imaging_tutor.corpus.sentences import is_about_the_course, is_learning_objective, sentences, split_sentences


def test_offsets_are_exact_and_cover_all_text():
    text = "CT is fast. MRI is slow! Is ultrasound portable? Yes.\n\nA new paragraph starts here. It ends here."
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == [
        "CT is fast.", "MRI is slow!", "Is ultrasound portable?", "Yes.",
        "A new paragraph starts here.", "It ends here.",
    ]
    # Between sentences there is only whitespace: nothing is lost.
    gaps = [text[b:a] for (_, b), (a, _) in zip(spans, spans[1:])]
    assert all(not g.strip() for g in gaps) and spans[0][0] == 0 and spans[-1][1] == len(text)


@pytest.mark.parametrize("text, expected", [
    ("Use a protocol, e.g. CT angiography. Then read.", ["Use a protocol, e.g. CT angiography.", "Then read."]),
    ("Compare modalities, i.e. CT vs. MRI. Done.", ["Compare modalities, i.e. CT vs. MRI.", "Done."]),
    ("Ask Dr. Chen. She knows.", ["Ask Dr. Chen.", "She knows."]),
    ("The U.S. FDA clears devices. The EU uses CE marks.", ["The U.S. FDA clears devices.", "The EU uses CE marks."]),
    ("Scores, boxes, etc. All are outputs.", ["Scores, boxes, etc. All are outputs."]),
    ("He said “stop.” Then he left.", ["He said “stop.”", "Then he left."]),
    ("Two steps (see Fig. 2) follow. (1) Scan. (2) Read.", ["Two steps (see Fig. 2) follow.", "(1) Scan.", "(2) Read."]),
    ("Version 2.5 is out. 3 sites use it.", ["Version 2.5 is out.", "3 sites use it."]),
    ("no capital after. so one sentence", ["no capital after. so one sentence"]),
    # A numbered step's number opens its sentence, it is no sentence of its own.
    ("To lube it: 1. Rinse the chain. 2) Dry it well. 10. Oil it.",
     ["To lube it: 1. Rinse the chain.", "2) Dry it well.", "10. Oil it."]),
    ("1. Rinse the chain.", ["1. Rinse the chain."]),
    ("", []),
    ("   \n\n  ", []),
])
def test_boundaries(text, expected):
    assert sentences(text) == expected
    for (a, b), s in zip(split_sentences(text), expected):
        assert text[a:b] == s


def test_real_course_sentences_are_exact():
    course = load_course(CORPUS)
    total = 0
    for sec in course.sections:
        spans = split_sentences(sec.text)
        total += len(spans)
        assert spans, sec.ref
        for a, b in spans:
            s = sec.text[a:b]
            assert s and s == s.strip() and "\n\n" not in s, (sec.ref, s)
            assert not any(s.endswith(abbr) for abbr in ("e.g.", "i.e.", "vs.", "etc.")), (sec.ref, s)
        # Whole sections are covered: only whitespace between consecutive sentences.
        assert all(not sec.text[b:a].strip() for (_, b), (a, _) in zip(spans, spans[1:]))
        assert spans[0][0] == 0 and spans[-1][1] == len(sec.text)
        # A paragraph break always ends a sentence.
        for p in sec.paragraphs:
            start = sec.text.index(p)
            assert any(a == start for a, _ in spans) and any(b == start + len(p) for _, b in spans)
    assert total > 400


@pytest.mark.parametrize("sentence, objective", [
    ("Beginner outcome: you can explain, in plain language, how access is granted.", True),
    ("Goal: You will be able to read a forecast map.", True),
    ("Practical outcome: a safer workflow makes it easy to disagree with the AI.", False),  # a claim under a label
    ("A practical outcome: before deployment, teams should simulate the clinical workload.", False),
    ("You can lower the threshold to catch more cases.", False),  # no label: the course speaking to the reader
])
def test_a_learning_objective_under_a_label_is_recognised(sentence, objective):
    assert is_learning_objective(sentence) is objective


@pytest.mark.parametrize("sentence, meta", [
    ("This section supports the milestone of identifying real-world failure modes.", True),
    ("This connects to the earlier milestone of understanding training vs testing.", True),
    ("Milestone: Connect task type to output type.", True),
    ("The next beginner milestone is adoption: how to use AI in a real hospital.", True),
    ("Each chapter includes milestones and focused sections.", True),
    ("The sections below walk through each, using concrete examples.", True),
    # a milestone of the course's subject is a fact ("what's the first savings milestone?" is answered by it)
    ("The first milestone is a starter fund of 1,000 or one month of essential expenses.", False),
    ("Sensitivity is the share of true cases the model flags.", False),
])
def test_a_sentence_about_the_course_is_told_from_one_about_its_subject(sentence, meta):
    assert is_about_the_course(sentence) is meta
