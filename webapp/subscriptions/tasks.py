from __future__ import annotations

from celery import shared_task


@shared_task(name="subscriptions.send_digests", ignore_result=True)
def send_digests() -> dict:
    """The beat's: the daily and weekly digests of the last finished day and week, once per person."""
    from webapp.subscriptions import digests

    return digests.send_due()
