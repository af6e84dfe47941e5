"""Migration 0004 on SQLite: rows made before courses had ids keep their data and join the default course; a row
inserted without a course lands in it too; downgrade removes the columns again."""
from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text

from imaging_tutor.storage.db import MIGRATIONS, Database, migrate

TABLES = ("chat_sessions", "feedback", "quiz_sessions", "quiz_attempts", "quiz_review_cards", "eval_runs")


def _config(conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def test_existing_rows_get_the_default_course(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0003")
        conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                          "VALUES ('old', 'ada', 'before courses', '2024-01-01', '2024-01-01')"))
        conn.execute(text("INSERT INTO chat_turns (session_id, question, resolved_question, status, answer_json, "
                          "created_at) VALUES ('old', 'q', 'q', 'answered', '{}', '2024-01-01')"))
        conn.execute(text("INSERT INTO feedback (turn_id, learner_id, rating, comment, created_at) "
                          "VALUES (1, 'ada', 1, '', '2024-01-01')"))
        conn.execute(text("INSERT INTO eval_runs (id, set_name, status, report_json, created_at) "
                          "VALUES ('r1', 'grounding', 'done', '{}', '2024-01-01')"))
    migrate(engine, default_course_id="my-course")
    with engine.begin() as conn:
        for table in TABLES:
            assert "course_id" in {c["name"] for c in inspect(conn).get_columns(table)}
        assert conn.execute(text("SELECT course_id, title FROM chat_sessions")).all() == [("my-course", "before courses")]
        assert conn.execute(text("SELECT count(*) FROM chat_turns")).scalar_one() == 1  # nothing cascaded away
        assert conn.execute(text("SELECT course_id FROM feedback")).scalar_one() == "my-course"
        assert conn.execute(text("SELECT course_id FROM eval_runs")).scalar_one() == "my-course"
        conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                          "VALUES ('new', 'ada', 'no course named', '2024-01-02', '2024-01-02')"))
        assert conn.execute(text("SELECT course_id FROM chat_sessions WHERE id = 'new'")).scalar_one() == "my-course"
        command.downgrade(_config(conn), "0003")
        assert "course_id" not in {c["name"] for c in inspect(conn).get_columns("chat_sessions")}
        assert conn.execute(text("SELECT count(*) FROM chat_turns")).scalar_one() == 1
    engine.dispose()


def test_without_a_configured_course_the_only_indexed_course_is_the_default(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0003")
        conn.execute(text("INSERT INTO index_state (course_id, collection, fingerprint, course_version, model, "
                          "chunks, sentences, updated_at) VALUES ('only-one', 'c', 'f', '1', 'm', 1, 1, '2024-01-01')"))
        conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                          "VALUES ('old', 'ada', 't', '2024-01-01', '2024-01-01')"))
    engine.dispose()
    db = Database(url)  # no default course given
    with db.scope() as s:
        assert s.execute(text("SELECT course_id FROM chat_sessions")).scalar_one() == "only-one"
    db.close()
