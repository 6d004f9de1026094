"""The application's clock and the district's calendar.

`now()` is the real UTC time unless it has been set: tests, demos and the browser journey move it
(`set_time`, `advance`, `frozen`) to reach a deadline without waiting for it. The setting is per process
and shared by its threads, so a live server in a test sees the same time as the test. Every rule that
depends on the date or the hour reads it: a challenge's application window, notice period and reminders,
the dashboard's current period, the ledger's "not in the future".

The dates people type and read are days of the district's calendar, Beijing time, whatever time zone
the server runs in: `today()` changes at 16:00 UTC, not at midnight UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from webapp.core.db import utcnow

DISTRICT_ZONE = "Asia/Shanghai"

_fixed: datetime | None = None


def now() -> datetime:
    return _fixed if _fixed is not None else utcnow()


def set_time(moment: datetime | None) -> None:
    """Fix the time (timezone-aware), or give the real time back with None."""
    global _fixed
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware time")
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


def zone() -> ZoneInfo:
    """The district's time zone: the one the pages show times in (BABEL_DEFAULT_TIMEZONE)."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DISTRICT_ZONE) if has_app_context() else DISTRICT_ZONE
    return ZoneInfo(name)


def local(moment: datetime) -> datetime:
    """A stored (UTC) moment in the district's time."""
    return moment.astimezone(zone())


def local_now() -> datetime:
    return local(now())


def today() -> date:
    """The district's date on this clock."""
    return local_now().date()


def day_start(day: date) -> datetime:
    """The first moment of one of the district's days (compare it with UTC columns as it is)."""
    return datetime.combine(day, time.min, tzinfo=zone())
