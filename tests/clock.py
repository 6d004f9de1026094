"""The application's clock, stopped by tests.

`set_time` replaces `webapp.core.clock.now` for the whole process, so a live server (a thread of
this process, in the browser tests) and the threads of a concurrency test read the same moment as
the test; `webapp.core.db.utcnow`, the columns' timestamps, follows it. `reset` gives the real time
back; tests/conftest.py does so after every test.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from webapp.core import clock as app_clock

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Beijing: where challenge tests start

_real_now = app_clock.now


def set_time(moment: datetime) -> None:
    """Stop the clock at `moment` (timezone-aware)."""
    if moment.tzinfo is None:
        raise ValueError("the clock needs a timezone-aware time")
    fixed = moment.astimezone(UTC)
    app_clock.now = lambda: fixed


def advance(delta: timedelta) -> datetime:
    """Move a stopped clock forward (stopping it at the real time first if needed)."""
    set_time(app_clock.now() + delta)
    return app_clock.now()


def reset() -> None:
    app_clock.now = _real_now


def now() -> datetime:
    return app_clock.now()


def today() -> date:
    return app_clock.today()


def local_now() -> datetime:
    return app_clock.local_now()
