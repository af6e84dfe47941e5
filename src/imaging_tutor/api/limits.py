"""Rate limits shared by every worker and host: the `limits` library, its counters in memory (one process, the
embedded default) or in Redis (the server stack), chosen by settings.rate_limit_storage.

Each limited action is counted per identity (the learner, or the client address for a caller without one), and
all limited actions together per client address, so neither a new learner id per request nor many addresses
behind one learner slip past. Sliding-window counters: two small counters per key, one round trip to Redis.
"""
from __future__ import annotations

import functools
import logging
import math
import threading
import time
import weakref
from dataclasses import dataclass

from ..config import Settings

log = logging.getLogger("imaging_tutor.api.limits")

# action -> (setting that holds its limit, what the 429 says)
ACTIONS = {
    "chat": ("rate_limit_chat", "chat requests"),
    "sessions": ("rate_limit_sessions", "new conversations"),
    "feedback": ("rate_limit_feedback", "ratings"),
    "quiz_answers": ("rate_limit_quiz_answers", "quiz answers"),
    "new_learners": ("rate_limit_new_learners", "new learner identities"),
}


@dataclass(frozen=True)
class Verdict:
    """Allowed, or how long to wait (seconds, ≥ 1) and what was exceeded."""

    wait: int = 0
    what: str = ""

    @property
    def allowed(self) -> bool:
        return self.wait == 0


class Limiter:
    """The deployment's limits over one storage (memory:// or redis://…)."""

    def __init__(self, settings: Settings):
        from limits import parse
        from limits.storage import storage_from_string
        from limits.strategies import SlidingWindowCounterRateLimiter

        self.enabled = settings.rate_limits_enabled
        self.uri = settings.rate_limit_storage
        options = {}
        if self.uri.startswith(("redis", "valkey")):
            # A slow or absent Redis must not hold requests: fail fast, then let the request through (below).
            options = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
        self.storage = (swept_memory_storage()(self.uri, wrap_exceptions=True) if self.uri.startswith("memory")
                        else storage_from_string(self.uri, wrap_exceptions=True, **options))
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)
        self.rules = {action: parse(getattr(settings, name)) for action, (name, _) in ACTIONS.items()}
        self.per_address = parse(settings.rate_limit_per_address)
        self._warned_at = 0.0

    @property
    def in_process(self) -> bool:
        """Whether a check is counted in this process's memory (so it never waits on the network)."""
        return not self.enabled or self.uri.startswith("memory")

    def check(self, action: str, identity: str | None, address: str) -> Verdict:
        """Count one `action` by `identity` (None: key on the address) from `address`."""
        if not self.enabled:
            return Verdict()
        from limits.errors import StorageError

        rule = self.rules[action]
        who = f"learner:{identity}" if identity else f"address:{address}"
        try:
            if not self.strategy.hit(rule, action, who):
                return Verdict(self._wait(rule, action, who), ACTIONS[action][1])
            if not self.strategy.hit(self.per_address, "address", address):
                return Verdict(self._wait(self.per_address, "address", address), "requests from your address")
        except StorageError as exc:
            # Fail open: an outage of the counter store must not take the tutor down with it; say so in the log.
            now = time.monotonic()
            if now - self._warned_at > 60:
                self._warned_at = now
                log.warning("rate-limit storage unavailable, limits not enforced: %s", exc)
        return Verdict()

    def _wait(self, rule, *identifiers: str) -> int:
        try:
            reset = self.strategy.get_window_stats(rule, *identifiers).reset_time
        except Exception:  # the wait is advice; a storage hiccup here must not turn a 429 into a 500
            return int(rule.get_expiry())
        return max(1, math.ceil(reset - time.time()))

    def healthy(self) -> bool:
        try:
            return bool(self.storage.check())
        except Exception:
            return False


@functools.cache
def swept_memory_storage() -> type:
    """limits' in-memory counters with their expired keys swept once a second by one long-lived thread.

    MemoryStorage starts a new 10 ms timer thread on nearly every hit, and Thread.start() waits until that thread
    runs: on a busy machine that held the API's event loop (the check runs there) for a scheduler slice per request.
    The counts are the same either way: every read drops an expired key itself; the sweep only frees memory."""
    from limits.storage import MemoryStorage

    if not all(hasattr(MemoryStorage, f"_MemoryStorage__{name}") for name in ("schedule_expiry", "expire_events")):
        return MemoryStorage  # a `limits` whose internals differ (written for 5.8): its own expiry, as before

    class SweptMemoryStorage(MemoryStorage):
        sweep_seconds = 1.0

        def __init__(self, uri: str | None = None, **options):
            super().__init__(uri, **options)
            self._sweep_lock = threading.Lock()
            self._sweeper = self._start_sweeper()

        def _start_sweeper(self) -> threading.Thread:
            stopped, ref, every = threading.Event(), weakref.ref(self), self.sweep_seconds

            def sweep() -> None:  # holds no reference between sweeps, so the storage can be collected
                while not stopped.wait(every):
                    storage = ref()
                    if storage is None:
                        return
                    storage._MemoryStorage__expire_events()
                    del storage

            thread = threading.Thread(target=sweep, name="rate-limit-sweep", daemon=True)
            thread.start()
            weakref.finalize(self, stopped.set)
            return thread

        def _MemoryStorage__schedule_expiry(self) -> None:
            """Called by MemoryStorage on every hit, where it started a timer thread; here only a check that the
            sweep still runs (a forked child inherits no threads: its first hit starts its own)."""
            if not self._sweeper.is_alive():
                with self._sweep_lock:
                    if not self._sweeper.is_alive():
                        self._sweeper = self._start_sweeper()

    return SweptMemoryStorage

