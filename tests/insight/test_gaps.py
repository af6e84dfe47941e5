"""Grouping by meaning with the real model: paraphrases and one-topic questions together, other topics apart."""
from __future__ import annotations

from imaging_tutor.insight.gaps import GapQuestion, cluster_labels, group_gaps


def test_questions_group_by_topic_with_the_real_model(embedder):
    qs = ["What is the capital of France?", "Which city is the capital of France?", "whats the capital city of france",
          "How do I bake sourdough bread?", "sourdough bread recipe please",
          "How does quantum computing work?", "What is a qubit?",
          "Who won the football world cup in 2018?"]
    labels = cluster_labels(embedder.embed(qs))
    assert labels[0] == labels[1] == labels[2]
    assert labels[3] == labels[4] != labels[0]
    assert labels[5] == labels[6] not in (labels[0], labels[3])
    assert labels[7] not in (labels[0], labels[3], labels[5])
    assert labels[0] == 0  # the biggest group first


def test_a_group_is_labelled_by_its_most_central_question(embedder):
    texts = ["Which city is the capital of France?", "What is the capital of France?", "whats the capital city of france"]
    questions = [GapQuestion(t, "refused", f"L-{n}", f"2026-01-0{n + 1}", None) for n, t in enumerate(texts)]
    [group] = group_gaps(questions, embedder.embed(texts))
    public = group.public()
    assert public["label"] == "Which city is the capital of France?"
    assert public["count"] == 3 and public["learners"] == 3 and public["last_asked"] == "2026-01-03"
    assert group_gaps([], []) == []
