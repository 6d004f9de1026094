"""The clock task with a controlled clock: windows closed at the deadline, reminders before the
window closes, when reviews are due and before milestones are due, each sent once however often
the task runs."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from tests import clock
from tests.challenges import factory
from webapp.challenges import deadlines, delivery, review
from webapp.challenges.models import ChallengeStatus, ReminderSent
from webapp.extensions import db
from webapp.notifications.models import Notification

S = ChallengeStatus
BEIJING = ZoneInfo("Asia/Shanghai")


def reminders(user, kind: str) -> list[Notification]:
    return list(
        db.session.scalars(sa.select(Notification).where(Notification.user_id == user.id, Notification.kind == kind))
    )


def test_applicants_with_drafts_and_the_enterprise_are_reminded_a_day_before_the_deadline_once(people):
    p = people
    challenge = factory.published(p)
    factory.apply(p.tju, challenge, submit=False)
    factory.apply(p.nku, challenge)  # submitted: nothing to remind
    clock.set_time(challenge.closes_at - timedelta(hours=25))
    assert deadlines.tick()["reminders"] == 0
    clock.set_time(challenge.closes_at - timedelta(hours=23))
    assert deadlines.tick()["reminders"] == 2
    assert deadlines.tick()["reminders"] == 0
    clock.advance(timedelta(hours=1))
    assert deadlines.tick()["reminders"] == 0
    [note] = reminders(p.tju, "challenge.reminder_window_closing")
    assert note.params["closes"] == challenge.closes_at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    assert len(reminders(p.owner, "challenge.reminder_window_closing_owner")) == 1
    assert reminders(p.nku, "challenge.reminder_window_closing") == []


def test_experts_with_applications_left_to_score_are_reminded_48_hours_into_the_review(people):
    p = people
    challenge, (tju, nku) = factory.in_review(p)
    review.score(p.expert, tju, factory.scores(challenge, 80, 80, 80), "好")
    review.score(p.expert, nku, factory.scores(challenge, 80, 80, 80), "好")
    review.score(p.expert_2, tju, factory.scores(challenge, 70, 70, 70), "可")
    clock.set_time(challenge.review_started_at + timedelta(hours=47))
    assert deadlines.tick()["reminders"] == 0
    clock.set_time(challenge.review_started_at + timedelta(hours=48))
    assert deadlines.tick()["reminders"] == 1
    assert deadlines.tick()["reminders"] == 0
    [note] = reminders(p.expert_2, "challenge.reminder_review_due")
    assert note.params["count"] == 1
    assert reminders(p.expert, "challenge.reminder_review_due") == []


def test_the_team_and_the_enterprise_are_reminded_three_days_before_a_milestone_is_due(people):
    p = people
    challenge, _apps = factory.contracted(p)
    first = challenge.milestones[0]
    three_days_before = datetime.combine(first.due_on - timedelta(days=3), time(0, 0), BEIJING)
    clock.set_time(three_days_before - timedelta(minutes=1))
    assert deadlines.tick()["reminders"] == 0
    clock.set_time(three_days_before)
    assert deadlines.tick()["reminders"] == 1
    clock.advance(timedelta(days=1))
    assert deadlines.tick()["reminders"] == 0
    assert len(reminders(p.tju, "challenge.reminder_milestone_due")) == 1
    assert len(reminders(p.owner, "challenge.reminder_milestone_due")) == 1
    delivery.report_milestone(p.tju, first, "按期完成", [("报告.pdf", factory.PDF)])
    delivery.approve_milestone(p.owner, first)
    second = challenge.milestones[1]
    clock.set_time(datetime.combine(second.due_on, time(9, 0), BEIJING))
    assert deadlines.tick()["reminders"] == 1
    assert (
        db.session.scalar(sa.select(sa.func.count(ReminderSent.id)).where(ReminderSent.challenge_id == challenge.id))
        == 2
    )


def test_the_scheduled_task_closes_the_window_and_is_safe_to_run_twice(people, app):
    from webapp.challenges.tasks import tick

    # Beat runs this task at least once a minute, so a window closes within a minute of its deadline.
    every = [e["schedule"] for e in app.extensions["celery"].conf.beat_schedule.values() if e["task"] == tick.name]
    assert len(every) == 1 and 0 < float(every[0]) <= 60
    p = people
    empty = factory.published(p)
    busy = factory.published(p)
    factory.apply(p.tju, busy)
    clock.set_time(busy.closes_at)
    db.session.flush()
    # `.result`, not `.get()`: Celery's "join would block" flag is process-wide, and an in-process task
    # of another thread (the live server's) may have it set at this moment.
    runs = [tick.apply(), tick.apply()]
    assert all(run.successful() for run in runs), [run.traceback for run in runs]
    first, second = (run.result for run in runs)
    assert (first["closed"], first["failed"]) == (1, 1) and (second["closed"], second["failed"]) == (0, 0)
    db.session.expire_all()
    assert (empty.status, busy.status) == (S.FAILED, S.FORMAL_CHECK)
