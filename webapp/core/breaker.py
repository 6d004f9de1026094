"""A circuit breaker: after a service fails (a broker, a cache, a counter store), callers leave it
alone for a while instead of each waiting on it in turn, so that a hung service costs one timeout,
not one per request. Each process keeps its own; a breaker may watch several addresses (`key`)."""

from __future__ import annotations

import threading
import time


class Breaker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open_until: dict[str, float] = {}

    def available(self, key: str = "") -> bool:
        """Whether the service may be tried (no failure within its back-off)."""
        return time.monotonic() >= self._open_until.get(key, 0.0)

    def failed(self, seconds: float, key: str = "") -> None:
        """The service failed: leave it alone for `seconds`."""
        with self._lock:
            self._open_until[key] = time.monotonic() + seconds

    def ok(self, key: str = "") -> None:
        """The service answered: try it again at once."""
        with self._lock:
            self._open_until.pop(key, None)

    def reset(self) -> None:
        """Forget every failure."""
        with self._lock:
            self._open_until.clear()
