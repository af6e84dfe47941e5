"""Migration 0006 on SQLite: chat turns gain their question's vector; turns (and the feedback on them) made before
keep their data, with no vector, and read as before."""
from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, inspect, text

from imaging_tutor.storage.db import migrate
from imaging_tutor.tutor.resolve import past_turns

from .test_course_ids import _config


def test_turns_made_before_keep_their_data_and_have_no_vector(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0005")
        conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at, course_id) "
                          "VALUES ('old', 'ada', 't', '2024-01-01', '2024-01-01', 'c')"))
        conn.execute(text("INSERT INTO chat_turns (session_id, question, resolved_question, status, answer_json, "
                          "created_at) VALUES ('old', 'what is drift?', 'what is drift?', 'answered', "
                          "'{\"citations\": [{\"ref\": \"5.4\"}]}', '2024-01-01')"))
        conn.execute(text("INSERT INTO feedback (turn_id, learner_id, rating, comment, created_at, course_id) "
                          "VALUES (1, 'ada', 1, '', '2024-01-01', 'c')"))
    migrate(engine)
    with engine.begin() as conn:
        assert {"question_vector", "vector_model"} <= {c["name"] for c in inspect(conn).get_columns("chat_turns")}
        rows = conn.execute(text("SELECT question, status, answer_json, question_vector, vector_model "
                                 "FROM chat_turns")).all()
        assert conn.execute(text("SELECT count(*) FROM feedback")).scalar_one() == 1  # nothing cascaded away
    assert [(r.question, r.question_vector, r.vector_model) for r in rows] == [("what is drift?", None, "")]
    (turn,) = past_turns(rows, vector_model="all-MiniLM-L6-v2")
    assert turn.main_ref == "5.4" and turn.vector is None  # read as before: the next turn embeds the question
    engine.dispose()
