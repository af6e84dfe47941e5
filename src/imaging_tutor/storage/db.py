"""Database access: one engine per Database, migrations applied with Alembic on first use, short transactions."""
from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DatabaseError, DataError, IntegrityError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InvalidInput, ServiceUnavailable
from .files import private_file

MIGRATIONS = Path(__file__).with_name("migrations")
# Alembic's command API keeps its context in module globals: two threads migrating at once (two Database objects
# in one process, e.g. the API's warm-up and a request) break each other. One migration at a time per process.
_MIGRATING = threading.Lock()


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL (None for other databases and in-memory SQLite)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("sqlite:///", 1)[-1]
    return Path(path) if path and path != ":memory:" and "mode=memory" not in path else None


def unavailable(exc: DatabaseError) -> ServiceUnavailable | InvalidInput | None:
    """What a database error means for the caller: the database is down or broken (503), the value cannot be
    stored (422), or None for errors the code handles itself (constraint conflicts) or that are bugs."""
    if isinstance(exc, (IntegrityError, ProgrammingError)):
        return None
    if isinstance(exc, DataError):
        return InvalidInput("a value cannot be stored (text with NUL characters, or a number out of range)")
    # OperationalError (unreachable, locked, read-only) and plain DatabaseError ("file is not a database",
    # "database disk image is malformed"): nothing the caller can fix; the details go to the log only.
    return ServiceUnavailable(f"database unavailable: {type(exc.orig).__name__}: {exc.orig}")


def make_engine(url: str) -> Engine:
    """An engine for a SQLAlchemy URL; SQLite gets WAL and a busy timeout so processes can share the file."""
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            private_file(path)  # SQLite gives its -wal and -shm files the mode of the database file
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


def head_revision() -> str:
    """The newest migration's id, read from the version files (their `revision` / `down_revision` lines)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)', source, re.M)
        down = re.search(r'^down_revision\s*=\s*["\']([^"\']+)', source, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must have one head, found {sorted(heads)}")
    return heads.pop()


def _at_head(engine: Engine) -> bool:
    """True when the database already records the head revision (then Alembic need not even be imported)."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False  # a new database
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    except DatabaseError as exc:
        mapped = unavailable(exc)
        if mapped is None:
            raise
        raise mapped from exc


def migrate(engine: Engine, default_course_id: str | None = None) -> None:
    """Bring the schema to Alembic head (safe to run from several processes: it takes a lock on PostgreSQL).

    `default_course_id` is the course rows made before courses had ids belong to (migration 0004). A database
    already at head is left alone without importing Alembic (a cold `ask` starts faster)."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    try:
        with _MIGRATING, engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(724011)"))
            cfg.attributes["connection"] = conn
            cfg.attributes["default_course_id"] = default_course_id
            command.upgrade(cfg, "head")
    except DatabaseError as exc:
        mapped = unavailable(exc)
        if mapped is None:
            raise
        raise mapped from exc


class Database:
    """The tutor's database: sessions, quizzes, progress, feedback, eval runs. Migrated once, on first use."""

    def __init__(self, url: str, default_course_id: str | None = None):
        self.url = url
        self.default_course_id = default_course_id  # for rows older than course ids (migration 0004)
        self._engine: Engine | None = None
        self._factory: sessionmaker | None = None
        self._lock = threading.Lock()
        self._file = sqlite_path(url)
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the SQLite file we opened

    @property
    def engine(self) -> Engine:
        self._check_file()
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    engine = make_engine(self.url)
                    try:
                        migrate(engine, self.default_course_id)
                    except BaseException:
                        engine.dispose()
                        raise
                    self._factory = sessionmaker(bind=engine, expire_on_commit=False)
                    if self._file is not None:
                        st = self._file.stat()
                        self._file_id = (st.st_dev, st.st_ino)
                    self._engine = engine
        return self._engine

    def _check_file(self) -> None:
        """A SQLite file deleted under a running process would keep taking writes into an unlinked inode, lost
        at exit: refuse instead (503). A file replaced by another (a restore) is opened afresh."""
        if self._file is None or self._file_id is None:
            return
        try:
            st = os.stat(self._file)
        except FileNotFoundError:
            raise ServiceUnavailable(f"database unavailable: the database file {self._file} is missing") from None
        if (st.st_dev, st.st_ino) != self._file_id:
            with self._lock:
                if self._engine is not None:
                    self._engine.dispose()
                self._engine, self._factory, self._file_id = None, None, None

    @contextmanager
    def scope(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on error; outages and a broken database become
        ServiceUnavailable, values the database cannot store InvalidInput."""
        self.engine  # noqa: B018 (creates and migrates on first use)
        session = self._factory()
        try:
            yield session
            session.commit()
        except DatabaseError as exc:
            session.rollback()
            mapped = unavailable(exc)
            if mapped is None:
                raise
            raise mapped from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> None:
        """Raise ServiceUnavailable unless the database answers a query on one of our tables."""
        try:
            with self.engine.connect() as conn:
                # A real table, not SELECT 1: a corrupted SQLite file still answers SELECT 1.
                conn.execute(text("SELECT course_id FROM index_state LIMIT 1")).all()
        except DatabaseError as exc:
            mapped = unavailable(exc)
            raise (mapped or ServiceUnavailable(f"database unavailable: {exc.orig}")) from exc

    def close(self) -> None:
        """Release pooled connections (tests and short-lived commands)."""
        if self._engine is not None:
            self._engine.dispose()
