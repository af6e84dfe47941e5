"""A per-client sliding-window rate limiter (in process memory: each API worker counts its own requests)."""
from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Callable


class RateLimiter:
    """At most `limit` events per `window_s` seconds per key; `check` says how long to wait when over."""

    def __init__(self, limit: int, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 10_000):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> int:
        """Record one event for key; 0 when allowed, else the seconds to wait before retrying (≥ 1)."""
        if self.limit <= 0:
            return 0
        now = self.clock()
        with self._lock:
            events = self._events.get(key)
            if events is None:
                if len(self._events) >= self.max_keys:
                    self._evict(now)
                events = self._events[key] = deque()
            while events and now - events[0] >= self.window_s:
                events.popleft()
            if len(events) >= self.limit:
                return max(1, math.ceil(self.window_s - (now - events[0])))
            events.append(now)
            return 0

    def _evict(self, now: float) -> None:
        """Forget idle clients so a flood of distinct keys cannot grow memory without bound."""
        for key in [k for k, ev in self._events.items() if not ev or now - ev[-1] >= self.window_s]:
            del self._events[key]
        if len(self._events) >= self.max_keys:
            oldest = sorted(self._events, key=lambda k: self._events[k][-1])[: len(self._events) // 2]
            for key in oldest:
                del self._events[key]
