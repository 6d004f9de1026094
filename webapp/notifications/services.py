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
from webapp.notifications import catalogue, preferences, unsubscribe
from webapp.notifications.models import Delivery, DigestPeriod, Notification


def notify(user, kind: str, *, link: str | None = None, email: bool = True, **params) -> Notification | None:
    """Record an in-app notification and e-mail it as the person chose for its category (at once, in
    a digest, or not); nothing at all when they turned the category off. `email=False`: the sender
    never wants this one e-mailed (a heads-up for admins, a message written separately)."""
    if not catalogue.known(kind):
        raise KeyError(f"unknown notification kind {kind!r}")
    category = preferences.category_of(kind)
    delivery = preferences.delivery_of(user, category)
    if delivery is Delivery.OFF:
        return None
    by_mail = email and user.email_notifications and user.active
    digest = DigestPeriod(delivery.value) if by_mail and delivery in (Delivery.DAILY, Delivery.WEEKLY) else None
    note = Notification(user_id=user.id, kind=kind, params=params, link=link, digest=digest)
    db.session.add(note)
    if by_mail and delivery is Delivery.INSTANT:
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = catalogue.render_text(kind, params)
            subject = _("[Jiebang] %(text)s", text=text[:60])
            url = current_app.config["SITE_URL"].rstrip("/") + (link or "/notifications")
            scope = unsubscribe.category_scope(category.code)
            body = _("%(text)s\n\nOpen: %(url)s", text=text, url=url) + unsubscribe_footer(user, scope)
        queue_email(to=user.email, subject=subject, body=body, headers=unsubscribe.headers(user, scope))
    return note


def unsubscribe_footer(user, scope: str) -> str:
    return "\n\n-- \n" + _(
        "Stop these e-mails: %(link)s\nChoose how you hear of things: %(settings)s",
        link=unsubscribe.link(user, scope),
        settings=current_app.config["SITE_URL"].rstrip("/") + "/notifications/settings",
    )


def queue_email(*, to: str, subject: str, body: str, headers: dict[str, str] | None = None) -> outbox.OutboxMessage:
    extra = {"headers": headers} if headers else {}
    return outbox.enqueue(
        "notifications.send_email", to=to, subject=subject, body=body, message_key=uuid.uuid4().hex, **extra
    )


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
