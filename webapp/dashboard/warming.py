"""Warming the dashboard's shared figures after the ledger changes, so that nobody waits for them.

Every ledger service announces `webapp.deals.signals.ledger_changed` in its transaction; `init_app`
subscribes `ledger_changed` to it, which adds one `dashboard.warm` task to
the outbox (one per transaction however many changes it makes), handed to Celery after the commit.
The task computes, for the ledger's new version, the periods people look at (this year, quarter and
month, and the years the change touched) into the shared cache (`shared_cache`), skipping any already
there for that version (see `warm`).

Without a shared cache (no REDIS_URL: the embedded default, where tasks run in the request's process)
or with the cache turned off, nothing is queued: each process computes when asked, as before.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.core import outbox
from webapp.dashboard import periods, shared_cache, stats_turnover
from webapp.deals import signals
from webapp.extensions import db

TASK = "dashboard.warm"
_SESSION_KEY = "dashboard_warm_message"


def init_app(app) -> None:
    """Warm after every change to the ledger (connecting again, as each test app does, is harmless)."""
    signals.ledger_changed.connect(_on_ledger_changed)


def _on_ledger_changed(_sender, days: tuple[date | None, ...] = ()) -> None:
    ledger_changed(*days)


def ledger_changed(*days: date | None) -> None:
    """The ledger changes in this transaction; `days`: the dates of the change (signing, registration,
    payment), whose years are warmed beside the current periods."""
    if stats_turnover.cache_disabled() or not shared_cache.enabled():
        return
    years = {day.year for day in days if isinstance(day, date)}
    message = db.session.info.get(_SESSION_KEY)
    if message is not None:
        message.kwargs = {"years": sorted(set(message.kwargs.get("years") or []) | years)}
        db.session.flush()
        return
    db.session.info[_SESSION_KEY] = outbox.enqueue(TASK, years=sorted(years))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


def periods_to_warm(years: list[int] | tuple[int, ...] = ()) -> list[periods.Period]:
    now = periods.today()
    found = [
        periods.year(now.year),
        periods.quarter(now.year, (now.month - 1) // 3 + 1),
        periods.month(now.year, now.month),
    ]
    found += [periods.year(y) for y in sorted(set(years)) if y != now.year and 2000 <= y <= 2100]
    return found


def warm(years: list[int] | tuple[int, ...] = ()) -> int:
    """Fill the shared cache for the ledger's current version; returns how many figures were computed
    (0 when all were there, or when there is no shared cache). Call it in a session of its own (the
    task's): it ends its read transaction after each period.

    Coalescing is by version: a figure already cached for the ledger's current version is not computed
    again, so of a burst of payments the tasks that run after the burst's last commit compute once and
    the rest return at once. A figure is never stale (every figure is keyed by the version); at worst
    a request computes what was not warmed yet."""
    if stats_turnover.cache_disabled() or not shared_cache.enabled():
        return 0
    computed = 0
    for period in periods_to_warm(years):
        # What the admin dashboard asks for this period (`stats.admin_dashboard`).
        computed += stats_turnover.warm("ledger", period.start, period.end, None)
        if period.start != date(period.end.year, 1, 1):
            computed += stats_turnover.warm("year_to_date", period.end)
        db.session.rollback()  # read only; no snapshot held between periods
    return computed
