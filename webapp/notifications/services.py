"""Notify people in the app and by e-mail (the e-mail goes through the outbox)."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core import audit, outbox
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.notifications.models import Notification

# Every notification kind with its text; parameters are filled in the reader's language.
TEXTS = {
    "account.welcome": _l("Welcome to Jiebang, %(name)s. Your account is ready."),
    "account.password_changed": _l(
        "Your password was changed; every other login of your account was signed out."
    ),
    "account.created_by_admin": _l("An administrator created your %(role)s account."),
    "account.deactivated": _l("Your account was deactivated by an administrator."),
    "account.reactivated": _l("Your account was reactivated by an administrator."),
    "listing.approve": _l("“%(title)s” has been approved and published."),
    "listing.return": _l("“%(title)s” was returned for changes: %(reason)s"),
    "listing.take_down": _l("“%(title)s” was taken down by an administrator: %(reason)s"),
    "listing.awaiting_review": _l("“%(title)s” is waiting for review."),
    "listing.duplicate": _l("“%(title)s” was marked as a duplicate of “%(other)s”."),
    "achievement.access_requested": _l("%(name)s asks to see the confidential part of “%(title)s”."),
    "achievement.access_granted": _l("You may now see the confidential part of “%(title)s”."),
    "achievement.access_denied": _l("Your request to see the confidential part of “%(title)s” was declined."),
    "match.introduced": _l("Technology broker %(broker)s introduced “%(title)s” to “%(other)s”; expect to be contacted."),
    "match.deal": _l("The introduction of “%(title)s” to “%(other)s” ended in a deal."),
    "match.no_deal": _l("The introduction of “%(title)s” to “%(other)s” ended without a deal."),
}


def render_text(kind: str, params: dict) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return kind
    params = dict(params)
    if "role" in params:  # stored as the code, shown in the reader's language
        from webapp.accounts.models import Role

        params["role"] = Role(params["role"]).label
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


def notify(user, kind: str, *, link: str | None = None, email: bool = True, **params) -> Notification:
    """Record an in-app notification and, if the user wants e-mail, queue one."""
    if kind not in TEXTS:
        raise KeyError(f"unknown notification kind {kind!r}")
    note = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(note)
    if email and user.email_notifications and user.active:
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = render_text(kind, params)
            subject = _("[Jiebang] %(text)s", text=text[:60])
            url = current_app.config["SITE_URL"].rstrip("/") + (link or "/notifications")
            body = _("%(text)s\n\nOpen: %(url)s", text=text, url=url)
        queue_email(to=user.email, subject=subject, body=body)
    return note


def queue_email(*, to: str, subject: str, body: str) -> outbox.OutboxMessage:
    return outbox.enqueue(
        "notifications.send_email", to=to, subject=subject, body=body, message_key=uuid.uuid4().hex
    )


def unread_count(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    ) or 0


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
