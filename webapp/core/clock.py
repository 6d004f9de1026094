"""The application's clock and the district's calendar.

`now()` is the one current time of the whole application: every rule that depends on the date or the
hour reads it (a challenge's application window, notice period and reminders, the dashboard's current
period, the ledger's "not in the future"), and so do the columns' timestamps (`webapp.core.db.utcnow`).
It is the real UTC time, except inside `replay()`, where one piece of work (the demo load) writes a
past story step by step; other threads and requests keep the real time. Tests stop the clock by
replacing `now` for the whole process (tests/clock.py).

The dates people type and read are days of the district's calendar, Beijing time, whatever time zone
the server runs in: `today()` changes at 16:00 UTC, not at midnight UTC.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DISTRICT_ZONE = "Asia/Shanghai"

_replayed: ContextVar[datetime | None] = ContextVar("replayed_moment", default=None)


def now() -> datetime:
    """The current moment, timezone-aware UTC."""
    moment = _replayed.get()
    return moment if moment is not None else datetime.now(UTC)


@contextmanager
def replay() -> Iterator[Callable[[datetime], None]]:
    """Write history: inside the block, in this context only, `now()` reads the moment last given
    to the function this yields (timezone-aware); the real time again after the block."""

    def move(moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock needs a timezone-aware time")
        _replayed.set(moment.astimezone(UTC))

    token = _replayed.set(None)
    try:
        yield move
    finally:
        _replayed.reset(token)


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


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, or the month's last day when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
