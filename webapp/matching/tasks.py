"""Matching in the background: one listing after it is published or edited, a batch after an
import, the full re-match job, and the index rebuild after a lexicon edit.

Every task is idempotent (matching a listing again replaces its undecided suggestions with the same
ones) and is retried when the database was unreachable or a concurrent transaction had to give way.
"""

from __future__ import annotations

from celery import shared_task
from sqlalchemy.exc import OperationalError

from webapp.extensions import db

RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 60, "max_retries": 5}


@shared_task(name="matching.match_listing", ignore_result=True, **RETRY)
def match_listing(kind: str, listing_id: int) -> int:
    """kind: "need" or "achievement"."""
    from webapp.matching.services import suggestions

    found = suggestions.refresh(kind, listing_id)
    db.session.commit()
    return found


@shared_task(name="matching.match_listings", ignore_result=True, **RETRY)
def match_listings(kind: str, ids: list[int]) -> int:
    from webapp.matching.services import suggestions

    return suggestions.refresh_many(kind, ids, commit=db.session.commit)


@shared_task(name="matching.rematch", ignore_result=True, **RETRY)
def rematch(job_id: int) -> None:
    """A finished job is left alone; an interrupted one continues after its last committed listing."""
    from webapp.matching.services.rematch import run_rematch

    run_rematch(job_id, commit=db.session.commit)


@shared_task(name="matching.rebuild_index", ignore_result=True, **RETRY)
def rebuild_index() -> dict:
    from webapp.matching import runtime

    facts = runtime.rebuild_index()
    db.session.rollback()  # read only
    return facts
