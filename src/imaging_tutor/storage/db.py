"""Database access: one engine per Database, migrations applied with Alembic on first use, short transactions."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import ServiceUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite gets WAL and a busy timeout so processes can share the file."""
    if url.startswith("sqlite"):
        path = url.split("sqlite:///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):  # WAL lets readers and one writer work at once across processes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                         connect_args={"connect_timeout": 5} if url.startswith("postgresql") else {})


def migrate(engine: Engine) -> None:
    """Bring the schema to Alembic head (safe to run from several processes: it takes a lock on PostgreSQL)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(724011)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise ServiceUnavailable(f"database unreachable: {exc.orig}") from exc


class Database:
    """The tutor's database: sessions, quizzes, progress, feedback, eval runs. Migrated once, on first use."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._factory: sessionmaker | None = None
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = make_engine(self.url)
                    migrate(engine)
                    self._factory = sessionmaker(bind=engine, expire_on_commit=False)
                    self._engine = engine
        return self._engine

    @contextmanager
    def scope(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; outages become ServiceUnavailable."""
        self.engine  # noqa: B018 (creates and migrates on first use)
        session = self._factory()
        try:
            yield session
            session.commit()
        except OperationalError as exc:
            session.rollback()
            raise ServiceUnavailable(f"database unavailable: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except OperationalError as exc:
            raise ServiceUnavailable(f"database unreachable: {exc.orig}") from exc

    def close(self) -> None:
        """Release pooled connections (tests and short-lived commands)."""
        if self._engine is not None:
            self._engine.dispose()
