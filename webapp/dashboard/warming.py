"""Warming the dashboard's shared figures after the ledger changes, so that nobody waits for them.

Every ledger service calls `ledger_changed` in its transaction; that adds one `dashboard.warm` task to
the outbox (one per transaction however many changes it makes), handed to Celery after the commit.
The task computes, for the ledger's new version, the periods people look at (this year, quarter and
month, and the years the change touched) into the shared cache (`shared_cache`), skipping any already
there, and returning at once when a warming that started after the change already read it (see `warm`).

Without a shared cache (no REDIS_URL: the embedded default, where tasks run in the request's process)
or with the cache turned off, nothing is queued: each process computes when asked, as before.
"""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import event
from sqlalchemy.orm import Session

from webapp.core import outbox
from webapp.dashboard import periods, shared_cache, stats_turnover
from webapp.extensions import db

TASK = "dashboard.warm"
_SESSION_KEY = "dashboard_warm_message"
# Seconds allowed between a change's call to `ledger_changed` and its commit (and for clocks apart).
COMMIT_MARGIN = 2.0


def ledger_changed(*days: date | None) -> None:
    """The ledger changes in this transaction; `days`: the dates of the change (signing, registration,
    payment), whose years are warmed beside the current periods."""
    if stats_turnover.cache_disabled() or not shared_cache.enabled():
        return
    years = {day.year for day in days if isinstance(day, date)}
    message = db.session.info.get(_SESSION_KEY)
    if message is not None:
        message.kwargs = {"years": sorted(set(message.kwargs.get("years") or []) | years), "changed_at": time.time()}
        db.session.flush()
        return
    db.session.info[_SESSION_KEY] = outbox.enqueue(TASK, years=sorted(years), changed_at=time.time())


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_SESSION_KEY, None)


def periods_to_warm(years: list[int] | tuple[int, ...] = ()) -> list[periods.Period]:
    now = periods.today()
    found = [periods.year(now.year), periods.quarter(now.year, (now.month - 1) // 3 + 1),
             periods.month(now.year, now.month)]
    found += [periods.year(y) for y in sorted(set(years)) if y != now.year and 2000 <= y <= 2100]
    return found


def warm(years: list[int] | tuple[int, ...] = (), changed_at: float | None = None) -> int:
    """Fill the shared cache for the ledger's current version; returns how many figures were computed
    (0 when all were there, or when there is no shared cache). Call it in a session of its own (the
    task's): it ends its read transaction after each period.

    Coalescing: a warming records when it started (per year, in Redis). A task for a change made well
    before the latest warming of a year started has nothing to add there (that warming read the change,
    or a later request will compute): of a steady stream of payments, about one warming per warming's
    duration computes, the other tasks return at once. Skipping never makes a figure stale, since every
    figure is keyed by the ledger's version; at worst a request computes what was not warmed."""
    if stats_turnover.cache_disabled() or not shared_cache.enabled():
        return 0
    now = periods.today()
    computed = 0
    for year, group in _groups(periods_to_warm(years), now.year).items():
        marker = shared_cache.key("warm-started", (year,), ())
        started = time.time()
        last = shared_cache.get(marker)
        if changed_at is not None and isinstance(last, (int, float)) and changed_at < last - COMMIT_MARGIN:
            continue
        shared_cache.put(marker, started)
        for period in group:
            # What the admin dashboard asks for this period (`stats.admin_dashboard`).
            computed += stats_turnover.warm("ledger", period.start, period.end, None)
            if period.start != date(period.end.year, 1, 1):
                computed += stats_turnover.warm("year_to_date", period.end)
            db.session.rollback()  # read only; no snapshot held between periods
    return computed


def _groups(found: list[periods.Period], current: int) -> dict[int, list[periods.Period]]:
    out: dict[int, list[periods.Period]] = {}
    for period in found:
        out.setdefault(period.start.year if period.kind == "year" else current, []).append(period)
    return out
