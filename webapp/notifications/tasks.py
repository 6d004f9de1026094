from __future__ import annotations

from celery import shared_task

from webapp.core import mail


@shared_task(
    name="notifications.send_email", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_email(to: str, subject: str, body: str, message_key: str, headers: dict[str, str] | None = None) -> str:
    """`headers` came with unsubscribe links; messages queued before them have none."""
    return mail.deliver(to=to, subject=subject, body=body, message_key=message_key, headers=headers)
