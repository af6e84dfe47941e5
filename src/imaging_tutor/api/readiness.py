"""Readiness: can this process answer right now? (index loaded, database reachable, vector store alive)."""
from __future__ import annotations

from ..errors import TutorError


def check_ready(services) -> dict:
    """Each check's outcome; status is 'ready' only when all pass (reasons say what failed)."""
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

    run("database", lambda: services.db.ping())
    run("vector_store", lambda: services.store.heartbeat())
    run("index", lambda: f"{services.index().collection}")
    return {"status": "ready" if not reasons else "unavailable", "checks": checks, "reasons": reasons}
