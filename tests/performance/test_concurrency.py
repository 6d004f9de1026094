"""Eight runs of the reminder task at the same moment, each in a session and a connection of its own
on the live database: the report's reminder of the day goes out once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError, OperationalError

from tests import clock
from tests.challenges.factory import make_people
from tests.conftest import make_race_app
from tests.performance import factory
from webapp.extensions import db
from webapp.notifications.models import Notification
from webapp.performance import reminders
from webapp.performance.models import ReportReminder

pytestmark = pytest.mark.live
RUNS = 8


@pytest.fixture(scope="module")
def race_app(live_app, live_database_url, tmp_path_factory):
    return make_race_app(live_database_url, tmp_path_factory, RUNS)


def test_simultaneous_reminder_runs_send_the_days_reminder_once(race_app):
    with race_app.app_context(), force_locale("en"):
        clock.set_time(clock.T0)
        people = make_people()
        report = factory.report_of(challenge=factory.completed(people))
        report_id, owner_id, due_on = report.id, people.owner.id, report.due_on
        db.session.commit()
    clock.set_time(datetime(due_on.year, due_on.month, due_on.day, tzinfo=UTC) - timedelta(hours=8))  # 00:00 Beijing
    start = threading.Barrier(RUNS)

    def run(_number: int) -> str:
        with race_app.app_context():
            start.wait(timeout=60)
            try:
                reminders.remind(commit=db.session.commit)
                db.session.commit()
                return "ran"
            except (OperationalError, IntegrityError):  # SQLite refuses a writer whose snapshot is stale
                db.session.rollback()
                return "refused by the database"

    try:
        with ThreadPoolExecutor(max_workers=RUNS) as pool:
            outcomes = list(pool.map(run, range(RUNS)))
    finally:
        clock.reset()

    assert "ran" in outcomes, outcomes
    with race_app.app_context():
        keys = db.session.scalars(sa.select(ReportReminder.key).where(ReportReminder.report_id == report_id)).all()
        assert keys == ["due"]
        sent = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == owner_id, Notification.kind == "performance.reminder_due"
            )
        )
        assert sent == 1
