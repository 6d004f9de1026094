from __future__ import annotations

from celery import shared_task


@shared_task(name="subscriptions.send_digests", ignore_result=True)
def send_digests() -> dict:
    """The beat's: the daily and weekly digests of the last finished day and week, once per person."""
    from webapp.subscriptions import digests

    return digests.send_due()


@shared_task(name="subscriptions.announce_imported", ignore_result=True)
def announce_imported(ids: list[int]) -> int:
    """The needs an import published, announced to the followers of their topics (one notification
    each)."""
    from webapp.extensions import db
    from webapp.subscriptions import subscribers

    told = subscribers.announce_imported(ids)
    db.session.commit()
    return told
