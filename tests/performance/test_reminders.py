"""Reminders of a report still to file: 30 days before the due date, on the day, then every 30 days
overdue; each once, on the Beijing calendar (whose day starts at 16:00 UTC), with the clock frozen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import clock
from tests.performance import factory
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.performance import reminders, services
from webapp.performance.models import ReportReminder


def beijing_midnight(day: date) -> datetime:
    """00:00 in Beijing on `day`: 16:00 UTC the day before."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 5, 31), None),
        (date(2027, 6, 1), ("before:30", "performance.reminder_before", 30)),
        (date(2027, 6, 30), ("before:30", "performance.reminder_before", 1)),
        (date(2027, 7, 1), ("due", "performance.reminder_due", 0)),
        (date(2027, 7, 30), ("due", "performance.reminder_due", 0)),
        (date(2027, 7, 31), ("overdue:30", "performance.reminder_overdue", 30)),
        (date(2027, 9, 14), ("overdue:60", "performance.reminder_overdue", 75)),
    ],
)
def test_the_reminder_each_day_calls_for(today, expected):
    assert reminders.reminder_for(date(2027, 7, 1), today) == expected


# The reminders of a report the admins file on the behalf of an enterprise without an account.
_ADMINS_HEAR = Notification.kind.in_(
    ["performance.behalf_before", "performance.behalf_due", "performance.behalf_overdue"]
)


def _reminders(user) -> list[Notification]:
    return db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, sa.or_(Notification.kind.like("performance.reminder%"), _ADMINS_HEAR))
        .order_by(Notification.id)
    ).all()


def test_each_reminder_goes_once_on_the_beijing_day(people):
    challenge = factory.completed(people, at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    report = factory.report_of(challenge=challenge)
    assert report.due_on == date(2027, 7, 1)

    clock.set_time(beijing_midnight(date(2027, 6, 1)) - timedelta(minutes=1))
    assert clock.today() == date(2027, 5, 31)  # 15:59 UTC on 31 May: still 31 May in Beijing
    assert reminders.remind() == 0
    clock.set_time(beijing_midnight(date(2027, 6, 1)))
    assert reminders.remind() == 1
    assert reminders.remind() == 0  # the same day again: nothing twice
    [before] = _reminders(people.owner)
    assert before.kind == "performance.reminder_before" and "30 days" in before.text and "2027-07-01" in before.text

    clock.set_time(beijing_midnight(date(2027, 6, 20)))
    assert reminders.remind() == 0
    clock.set_time(beijing_midnight(date(2027, 7, 1)))
    assert reminders.remind() == 1
    clock.set_time(beijing_midnight(date(2027, 7, 30)))
    assert reminders.remind() == 0
    clock.set_time(beijing_midnight(date(2027, 7, 31)))
    assert reminders.remind() == 1
    assert reminders.remind() == 0
    clock.set_time(beijing_midnight(date(2027, 8, 30)))
    assert reminders.remind() == 1
    kinds = [n.kind for n in _reminders(people.owner)]
    assert kinds == [
        "performance.reminder_before",
        "performance.reminder_due",
        "performance.reminder_overdue",
        "performance.reminder_overdue",
    ]
    assert "60 days overdue" in _reminders(people.owner)[-1].text
    keys = db.session.scalars(sa.select(ReportReminder.key).where(ReportReminder.report_id == report.id)).all()
    assert sorted(keys) == ["before:30", "due", "overdue:30", "overdue:60"]

    # Filed: no more reminders.
    services.add_evidence(people.owner, report, "台账.pdf", factory.PDF)
    services.submit(people.owner, report, factory.complete_input(report))
    clock.set_time(beijing_midnight(date(2027, 9, 29)))
    assert reminders.remind() == 0


def test_a_reminder_another_run_just_sent_is_not_sent_again(people, monkeypatch):
    report = factory.report_of(challenge=factory.completed(people, at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC)))
    clock.set_time(beijing_midnight(date(2027, 7, 1)))
    db.session.add(ReportReminder(report_id=report.id, key="due", sent_at=clock.now()))
    db.session.flush()
    monkeypatch.setattr(reminders, "_already", lambda *_args: False)  # the other run's row lands after the look
    assert reminders.remind() == 0
    assert _reminders(people.owner) == []


def test_the_task_sends_them(people, app):
    factory.report_of(challenge=factory.completed(people, at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC)))
    clock.set_time(beijing_midnight(date(2027, 7, 1)))
    beat = app.extensions["celery"].conf.beat_schedule["performance-remind"]
    # Read as finished, not with .get(): Celery refuses that while another thread of the process (a
    # live server finishing an earlier test's work) runs a task in-process.
    run = app.extensions["celery"].tasks[beat["task"]].apply()
    assert run.successful(), run.traceback
    assert run.result == 1
    assert [n.kind for n in _reminders(people.owner)] == ["performance.reminder_due"]


def test_the_reminders_of_a_report_without_an_enterprise_account_reach_the_admins_once(people):
    """Nobody else could file it: every active admin hears of it on the enterprise's days, each once."""
    clock.set_time(datetime(2026, 7, 1, 2, 0, tzinfo=UTC))
    broker, other_admin = factory.broker(), factory.admin()
    report = factory.report_of(deal=factory.paid(people, broker, ownerless=True))
    assert report.enterprise_id is None and report.due_on == date(2027, 7, 1)

    clock.set_time(beijing_midnight(date(2027, 7, 1)))
    assert reminders.remind() == 1
    assert reminders.remind() == 0  # the same day again: nothing twice
    for admin in (people.admin, other_admin):
        [due] = _reminders(admin)
        assert due.kind == "performance.behalf_due" and due.link == f"/performance/{report.id}"
        assert factory.IMPORTED_ENTERPRISE in due.text and "due today (2027-07-01)" in due.text
        assert "on the enterprise’s behalf" in due.text
    assert _reminders(broker) == [] and _reminders(people.owner) == []

    clock.set_time(beijing_midnight(date(2027, 7, 31)))
    assert reminders.remind() == 1
    assert reminders.remind() == 0
    assert [n.kind for n in _reminders(other_admin)] == ["performance.behalf_due", "performance.behalf_overdue"]
    assert "30 days overdue" in _reminders(other_admin)[-1].text
    keys = db.session.scalars(sa.select(ReportReminder.key).where(ReportReminder.report_id == report.id)).all()
    assert sorted(keys) == ["due", "overdue:30"]

    # Filed on the enterprise's behalf: no more reminders.
    services.add_evidence(people.admin, report, "电话核实记录.pdf", factory.PDF)
    services.submit(people.admin, report, factory.complete_input(report, filed_note="电话向企业财务核实"))
    clock.set_time(beijing_midnight(date(2027, 8, 30)))
    assert reminders.remind() == 0
