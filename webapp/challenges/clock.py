"""The time every challenge rule reads (application window, notice period, reminders).

`now()` is the real UTC time unless it has been set: tests, demos and the browser journey move it
(`set_time`, `advance`, `frozen`) to reach a deadline without waiting for it. The setting is per process
and shared by its threads, so a live server in a test sees the same time as the test.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from webapp.core.db import utcnow

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else utcnow()


def set_time(moment: datetime | None) -> None:
    """Fix the time (timezone-aware), or give the real time back with None."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the challenge clock needs a timezone-aware time")
    _fixed = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a fixed clock forward (fixing it at the real time first if needed)."""
    set_time(now() + delta)
    return now()


def reset() -> None:
    set_time(None)


@contextmanager
def frozen(moment: datetime) -> Iterator[None]:
    previous = _fixed
    set_time(moment)
    try:
        yield
    finally:
        set_time(previous)
