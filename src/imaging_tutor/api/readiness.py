"""Readiness: can this process answer right now? (index loaded, database reachable, vector store alive)."""
from __future__ import annotations

from ..config import Settings
from ..errors import TutorError


def check_ready(settings: Settings) -> dict:
    """Each check's outcome; status is 'ready' only when all pass (reasons say what failed)."""
    from ..storage import db
    from ..index.snapshot import get_index
    from ..index.vectorstore import get_store

    checks: dict[str, str] = {}
    reasons: list[str] = []

    def run(name: str, fn) -> None:
        try:
            detail = fn()
            checks[name] = detail or "ok"
        except TutorError as exc:
            checks[name] = "failed"
            reasons.append(f"{name}: {exc}")
        except Exception as exc:  # a probe must report, never crash
            checks[name] = "failed"
            reasons.append(f"{name}: {type(exc).__name__}: {exc}")

    run("database", lambda: db.ping(settings))
    run("vector_store", lambda: get_store(settings).heartbeat())
    run("index", lambda: f"{get_index(settings).collection}")
    return {"status": "ready" if not reasons else "unavailable", "checks": checks, "reasons": reasons}
