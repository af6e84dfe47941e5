"""Alembic on PostgreSQL: from empty to head, a re-run changes nothing, an upgrade keeps the data, the migrated
schema is exactly the models', and two processes starting at once do not race."""
from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

import imaging_tutor.storage.db
from imaging_tutor.storage.db import migrate
from imaging_tutor.storage.models import Base

pytestmark = pytest.mark.slow  # starts a real PostgreSQL

MIGRATIONS = Path(imaging_tutor.storage.db.__file__).with_name("migrations")


def _head() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _fresh(pg):
    return create_engine(pg.create_database(f"m_{uuid.uuid4().hex[:10]}"))


def _version(engine) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def test_from_empty_to_head_then_a_rerun_is_a_no_op(pg):
    engine = _fresh(pg)
    try:
        assert inspect(engine).get_table_names() == []
        migrate(engine)
        assert _version(engine) == _head()
        tables = set(inspect(engine).get_table_names())
        assert tables == set(Base.metadata.tables) | {"alembic_version"}
        with engine.connect() as conn:  # what the migrations built is what the models describe
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], diff

        with engine.begin() as conn:
            conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                              "VALUES ('keep-me', 'ada', 't', now(), now())"))
        migrate(engine)
        assert _version(engine) == _head() and set(inspect(engine).get_table_names()) == tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM chat_sessions")).scalar_one() == 1
    finally:
        engine.dispose()


def test_upgrade_from_the_first_revision_keeps_the_data(pg):
    engine = _fresh(pg)
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
            conn.execute(text("INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                              "VALUES ('old', 'ada', 'before quizzes existed', now(), now())"))
            conn.execute(text("INSERT INTO chat_turns (session_id, question, resolved_question, status, answer_json,"
                              " created_at) VALUES ('old', 'q', 'q', 'answered', '{}', now())"))
        assert "quiz_attempts" not in inspect(engine).get_table_names()
        migrate(engine)
        assert _version(engine) == _head() and "quiz_attempts" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT title FROM chat_sessions WHERE id = 'old'")).scalar_one() == \
                "before quizzes existed"
            assert conn.execute(text("SELECT count(*) FROM chat_turns")).scalar_one() == 1
    finally:
        engine.dispose()


def test_workers_migrating_at_once_do_not_race(pg):
    """Every API worker migrates on first use; the advisory lock makes the second one wait, then find head."""
    url = pg.create_database(f"m_{uuid.uuid4().hex[:10]}")
    engines = [create_engine(url) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def run(engine):
        try:
            start.wait(timeout=30)
            migrate(engine)
        except BaseException as exc:  # noqa: BLE001 — collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    try:
        assert errors == []
        assert _version(engines[0]) == _head()
    finally:
        for e in engines:
            e.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_0003_removes_duplicate_ratings_then_refuses_new_ones(pg, tmp_path, kind):
    """Before 0003 "one rating per learner and turn" had no constraint and races stored duplicates: the migration
    keeps the newest of each (turn, learner) and adds the unique constraint the upsert relies on."""
    from sqlalchemy.exc import IntegrityError

    engine = _fresh(pg) if kind == "postgresql" else create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    now = "now()" if kind == "postgresql" else "CURRENT_TIMESTAMP"
    try:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
            conn.execute(text(f"INSERT INTO chat_sessions (id, learner_id, title, created_at, updated_at) "
                              f"VALUES ('s', 'ada', 't', {now}, {now})"))
            conn.execute(text(f"INSERT INTO chat_turns (id, session_id, question, resolved_question, status, "
                              f"answer_json, created_at) VALUES (1, 's', 'q', 'q', 'answered', '{{}}', {now})"))
            for i, (learner, rating) in enumerate([("ada", -1), ("ada", 1), ("ada", -1), ("bob", 1), (None, 1),
                                                   (None, -1)], start=1):
                conn.execute(text(f"INSERT INTO feedback (id, turn_id, learner_id, rating, comment, created_at) "
                                  f"VALUES ({i}, 1, :who, {rating}, 'c{i}', {now})"), {"who": learner})
        migrate(engine)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, learner_id, comment FROM feedback ORDER BY id")).all()
        assert [(r.learner_id, r.comment) for r in rows] == [("ada", "c3"), ("bob", "c4"), (None, "c6")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(f"INSERT INTO feedback (turn_id, learner_id, rating, comment, created_at) "
                              f"VALUES (1, 'ada', 1, 'again', {now})"))
    finally:
        engine.dispose()
