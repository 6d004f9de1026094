"""Notify people in the app and by e-mail (the e-mail goes through the outbox)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.core import audit, outbox
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.notifications import catalogue
from webapp.notifications.models import Notification


def notify(user, kind: str, *, link: str | None = None, email: bool = True, **params) -> Notification:
    """Record an in-app notification and, if the user wants e-mail, queue one."""
    if not catalogue.known(kind):
        raise KeyError(f"unknown notification kind {kind!r}")
    note = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(note)
    if email and user.email_notifications and user.active:
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = catalogue.render_text(kind, params)
            subject = _("[Jiebang] %(text)s", text=text[:60])
            url = current_app.config["SITE_URL"].rstrip("/") + (link or "/notifications")
            body = _("%(text)s\n\nOpen: %(url)s", text=text, url=url)
        queue_email(to=user.email, subject=subject, body=body)
    return note


def queue_email(*, to: str, subject: str, body: str) -> outbox.OutboxMessage:
    return outbox.enqueue("notifications.send_email", to=to, subject=subject, body=body, message_key=uuid.uuid4().hex)


def unread_count(user) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(user, note: Notification) -> None:
    if not note.can_edit(user):
        from werkzeug.exceptions import Forbidden

        raise Forbidden()
    if note.read_at is None:
        note.read_at = utcnow()
        audit.record("notification.read", note, actor=user)


def mark_all_read(user) -> int:
    count = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    if count:
        audit.record("notification.read_all", None, actor=user, after={"count": count})
    return count
