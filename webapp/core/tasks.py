"""Background tasks of the core: the outbox relay."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from webapp.core import outbox


@shared_task(name="core.relay_outbox", ignore_result=True)
def relay_outbox(min_age_seconds: float = 5) -> int:
    """Re-send outbox rows that were committed but never reached the broker (e.g. Redis was down)."""
    return outbox.dispatch(older_than=timedelta(seconds=min_age_seconds))
