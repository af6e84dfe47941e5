"""Readiness: can this process answer right now? A real query on the database, a real read of the vector store's
active collection, the index loaded. Reasons name the part that failed; details are for maintainers and the log."""
from __future__ import annotations

from ..errors import TutorError


def check_ready(services, limiter=None) -> dict:
    """Each check's outcome; status is 'ready' only when all required ones pass (reasons say what failed)."""
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

    def vector_store() -> str:
        services.store.heartbeat()
        try:
            collection = services.index().collection
        except Exception:  # no index yet, or the database that names it is down: the index check says which
            return "ok (heartbeat only: no index to read)"
        return f"ok ({services.store.count(collection)} vectors)"

    run("database", services.db.ping)
    run("vector_store", vector_store)
    run("index", lambda: f"{services.index().collection}")
    report = {"status": "ready" if not reasons else "unavailable", "checks": checks, "reasons": reasons}
    if limiter is not None and limiter.enabled:
        # Informational: the limiter fails open, so its storage being down does not take the host out of rotation.
        checks["rate_limits"] = "ok" if limiter.healthy() else "unavailable (limits not enforced)"
    return report


def public_report(report: dict, error_id: str | None) -> dict:
    """The report for a caller who is not a maintainer: which parts are up, nothing about hosts, files or queries."""
    checks = {name: ("failed" if value == "failed" else "ok" if not value.startswith("unavailable")
                     else "unavailable") for name, value in report["checks"].items()}
    reasons = [f"{reason.split(':', 1)[0]}: unavailable" for reason in report["reasons"]]
    if any(r.startswith("index:") for r in report["reasons"]) and "ingest" in " ".join(report["reasons"]):
        reasons = [r if not r.startswith("index:") else "index: not built yet; run `imaging-tutor ingest`"
                   for r in reasons]
    return {"status": report["status"], "checks": checks, "reasons": reasons, "error_id": error_id}
