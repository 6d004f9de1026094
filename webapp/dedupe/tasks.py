"""Background flagging of near-duplicates, for imports too large to flag within the request."""

from __future__ import annotations

from celery import shared_task

from webapp.extensions import db


@shared_task(name="dedupe.flag_listings", ignore_result=True)
def flag_listings(kind: str, ids: list[int]) -> int:
    """Idempotent: each pair is recorded once, so a retried or repeated job adds nothing."""
    from webapp.dedupe.services import flag_many

    added = flag_many(kind, ids)
    db.session.commit()
    return added
