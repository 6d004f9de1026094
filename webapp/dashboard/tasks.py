"""Background work of the dashboard: warming the shared figures after a change to the ledger."""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from webapp.extensions import db


@shared_task(
    name="dashboard.warm", ignore_result=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3
)
def warm(years: list[int] | None = None) -> int:
    """Idempotent: computes only the figures not yet cached for the ledger's current version."""
    from webapp.dashboard import warming

    try:
        return warming.warm(years or [])
    finally:
        db.session.rollback()
