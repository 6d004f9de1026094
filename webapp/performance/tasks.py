"""Performance reports in the background: `performance.remind` runs every hour (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from webapp.extensions import db


@shared_task(
    name="performance.remind", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def remind() -> int:
    """Send the reminders of reports due, on the day and overdue; idempotent (see `reminders`)."""
    from webapp.performance import reminders

    return reminders.remind(commit=db.session.commit)
