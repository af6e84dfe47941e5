"""The staff insight report on a busy course: how long GET /insight takes to build as stored questions grow.

Run: .venv/bin/python bench/insight.py [--turns 5000 --refused 1000 --attempts 5000]
Fills a fresh SQLite database with synthetic rows of this course (answered turns citing real sections, refused
questions drawn from a pool of off-course phrasings, thumbs-down ratings, quiz attempts) and times build_report:
cold (every refused question embedded) and warm (vectors cached by the services' CachingEmbedder, as in the API
after the first request). Prints one table; nothing is asserted.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

TOPICS = ["renew my passport", "bake sourdough bread", "the capital of France", "fix a flat bicycle tyre",
          "learn to play guitar", "file my tax return", "train a puppy", "grow tomatoes indoors",
          "choose a laptop", "the rules of cricket"]
FORMS = ["How do I {t}?", "Can you explain how to {t}?", "What should I know about {t}?", "Tell me about {t}",
         "Any tips on {t}?", "Where can I read about {t}?"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=5000)
    parser.add_argument("--refused", type=int, default=1000)
    parser.add_argument("--attempts", type=int, default=5000)
    args = parser.parse_args()

    from imaging_tutor.corpus.course import load_course
    from imaging_tutor.index.embedding import CachingEmbedder
    from imaging_tutor.insight.report import build_report
    from imaging_tutor.services import Services
    from imaging_tutor.config import Settings
    from imaging_tutor.storage.db import Database
    from imaging_tutor.storage.models import ChatSession, ChatTurn, Feedback, QuizAttempt, QuizSession

    course = load_course(ROOT / "corpus" / "ai-in-medical-imaging")
    rnd = random.Random(1)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/bench.db", default_course_id=course.id)
        refs = [s.ref for s in course.sections]
        with db.scope() as s:
            for n in range(200):
                s.add(ChatSession(id=f"s{n}", course_id=course.id, learner_id=f"anon-{n}"))
            for k in range(args.attempts // 150 + 1):  # each session answers 150 distinct items once
                s.add(QuizSession(id=f"qs{k}", course_id=course.id, learner_id=f"anon-{k % 200}", source="course",
                                  items_json="[]", total=150))
            s.flush()
            for n in range(args.turns + args.refused):
                refused = n >= args.turns
                ref = rnd.choice(refs)
                question = (rnd.choice(FORMS).format(t=rnd.choice(TOPICS)) + ("" if rnd.random() < .5 else f" #{n}")
                            if refused else f"question {n} about {ref}")
                answer = {"status": "out_of_scope" if refused else "answered", "answer": "",
                          "citations": [] if refused else [{"ref": ref}], "suggestions": [{"ref": ref}]}
                s.add(ChatTurn(id=n + 1, session_id=f"s{n % 200}", question=question,
                               status=answer["status"], answer_json=json.dumps(answer)))
            s.flush()
            for n in range(0, args.turns, 10):
                s.add(Feedback(turn_id=n + 1, course_id=course.id, learner_id=f"anon-{n % 200}", rating=-1))
            for n in range(args.attempts):
                s.add(QuizAttempt(session_id=f"qs{n // 150}", learner_id=f"anon-{(n // 150) % 200}",
                                  course_id=course.id, item_id=f"i{n % 150}", ref=rnd.choice(refs), response=rnd.choice("ABCD"),
                                  correct=rnd.random() < .6, score=0.0, verdict="x"))
        services = Services(Settings(data_dir=Path(tmp)))
        embedder = CachingEmbedder(services.embedder.inner if hasattr(services.embedder, "inner") else services.embedder)
        embedder.embed(["warm the model up"])
        rows = []
        for label in ("cold", "warm", "warm, chapter 4"):
            t0 = time.perf_counter()
            report = build_report(db, course, embedder, chapter=4 if "chapter" in label else None)
            rows.append((label, time.perf_counter() - t0, len(report["gaps"]), report["totals"]["refused"]))
        db.close()
    print(f"{args.turns} answered turns, {args.refused} refused, {args.attempts} quiz attempts "
          f"(embedder: {embedder.backend})")
    print(f"{'report':18} {'seconds':>8} {'gap groups':>11} {'refused':>8}")
    for label, seconds, groups, refused in rows:
        print(f"{label:18} {seconds:8.2f} {groups:11d} {refused:8d}")


if __name__ == "__main__":
    main()
