"""The challenge clock in the background: `challenges.tick` runs every minute (Celery beat)."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from webapp.extensions import db


@shared_task(
    name="challenges.tick", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def tick() -> dict:
    """Close the windows that are due and send the reminders; idempotent (see `deadlines`)."""
    from webapp.challenges import deadlines

    return deadlines.tick(commit=db.session.commit)
