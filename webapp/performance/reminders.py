"""Reminders of the reports still to file (the `performance.remind` task, hourly): 30 days before the
due date, on the day, then every 30 days while overdue, each once, on the district's (Beijing)
calendar. A report that is submitted or accepted is reminded of no more; a returned one is, since it
is the enterprise's to file again.

Only the reminder the day calls for is sent (a report found 45 days overdue gets the 30-day one, not
every earlier one too). Every reminder sent is a ReportReminder row, unique per report and key, so
running the task twice, or two runs at once, sends nothing twice.

A report whose enterprise has no account (a deal from a need imported from the district's lists)
is filed by the admins on the enterprise's behalf, so its reminders go to them instead: on the same
days, each once per report (the same ReportReminder rows), to every active admin, in words of their
own (`performance.behalf_*`: the enterprise named, since the admin has to reach it outside the
platform). One whose enterprise account is deactivated is reminded of no more: it has an account,
so nobody files it on its behalf.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from webapp.core import clock
from webapp.core.db import writing
from webapp.extensions import db
from webapp.notifications.services import notify
from webapp.performance.models import OPEN_STATES, PerformanceReport, ReportReminder
from webapp.performance.services import link, tell_admins

BEFORE_DAYS = 30
OVERDUE_EVERY_DAYS = 30
# The reminder of a report without an enterprise account, as the admins who file it hear it.
BEHALF_KINDS = {
    "performance.reminder_before": "performance.behalf_before",
    "performance.reminder_due": "performance.behalf_due",
    "performance.reminder_overdue": "performance.behalf_overdue",
}


def reminder_for(due_on: date, today: date) -> tuple[str, str, int] | None:
    """(key, notification kind, days) of the reminder `today` calls for, or None. Pure."""
    if today < due_on - timedelta(days=BEFORE_DAYS):
        return None
    if today < due_on:
        return f"before:{BEFORE_DAYS}", "performance.reminder_before", (due_on - today).days
    late = (today - due_on).days
    if late < OVERDUE_EVERY_DAYS:
        return "due", "performance.reminder_due", 0
    steps = late // OVERDUE_EVERY_DAYS * OVERDUE_EVERY_DAYS
    return f"overdue:{steps}", "performance.reminder_overdue", late


def remind(commit: Callable[[], None] | None = None) -> int:
    """Send the reminders due today; `commit` after each (the task commits, tests may not)."""
    commit = commit or (lambda: None)
    today = clock.today()
    sent = 0
    open_ids = db.session.scalars(
        sa.select(PerformanceReport.id)
        .where(
            PerformanceReport.status.in_(OPEN_STATES),
            PerformanceReport.due_on <= today + timedelta(days=BEFORE_DAYS),
        )
        .order_by(PerformanceReport.id)
    ).all()
    commit()  # no read snapshot is kept into the writes below
    for report_id in open_ids:
        with writing():  # each report's transaction claims its reminder: on SQLite it waits its turn
            sent += _remind_one(report_id, today)
        commit()
    return sent


def _remind_one(report_id: int, today: date) -> int:
    """Send the report's reminder due today, once, to its enterprise (or, without an account, to the
    admins); 1 if it was sent."""
    report = db.session.get(PerformanceReport, report_id)
    found = reminder_for(report.due_on, today)
    person = report.enterprise
    if found is None or (person is not None and not person.active):
        return 0
    key, kind, days = found
    if _already(report.id, key):
        return 0
    try:
        with db.session.begin_nested():
            db.session.add(ReportReminder(report_id=report.id, key=key, sent_at=clock.now()))
            db.session.flush()
    except IntegrityError:
        return 0  # another run sent it a moment ago
    due = report.due_on.isoformat()
    if person is None:
        tell_admins(report, BEHALF_KINDS[kind], enterprise=report.enterprise_name, due=due, days=days)
    else:
        notify(person, kind, link=link(report), title=report.title, due=due, days=days)
    return 1


def _already(report_id: int, key: str) -> bool:
    return (
        db.session.scalar(
            sa.select(ReportReminder.id).where(ReportReminder.report_id == report_id, ReportReminder.key == key)
        )
        is not None
    )
