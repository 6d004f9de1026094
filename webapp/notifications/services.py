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
    "account.password_changed": _l("Your password was changed; every other login of your account was signed out."),
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
    "match.introduced": _l(
        "Technology broker %(broker)s introduced “%(title)s” to “%(other)s”; expect to be contacted."
    ),
    "match.deal": _l("The introduction of “%(title)s” to “%(other)s” ended in a deal."),
    "match.no_deal": _l("The introduction of “%(title)s” to “%(other)s” ended without a deal."),
    "challenge.submitted": _l("Challenge “%(title)s” is waiting for review."),
    "challenge.returned": _l("Your challenge “%(title)s” was returned for changes: %(reason)s"),
    "challenge.published": _l(
        "Your challenge “%(title)s” is published; applications are open from %(opens)s to %(closes)s."
    ),
    "challenge.withdrawn": _l("The challenge “%(title)s” was withdrawn by the enterprise."),
    "challenge.closed": _l(
        "Applications to “%(title)s” have closed with %(count)s submitted; the formal check begins."
    ),
    "challenge.failed_no_application": _l("The challenge “%(title)s” closed without any application (流榜)."),
    "challenge.failed_none_eligible": _l("No application to “%(title)s” passed the formal check (流榜)."),
    "challenge.review_started": _l("The expert review of “%(title)s” has started."),
    "challenge.notice": _l("Proposed winners of “%(title)s”: %(winners)s. Objections may be filed until %(until)s."),
    "challenge.review_reopened": _l(
        "An objection to the proposed winners of “%(title)s” was upheld; the applications are reviewed again."
    ),
    "challenge.awarded": _l("“%(title)s” was awarded to %(winners)s."),
    "challenge.won": _l("Your application to “%(title)s” won. Next, confirm the contract with the enterprise."),
    "challenge.not_selected": _l("Your application to “%(title)s” was not selected."),
    "challenge.contracted": _l("Both parties confirmed the contract of “%(title)s”."),
    "challenge.acceptance": _l("Every milestone of “%(title)s” is approved; the final acceptance is next."),
    "challenge.completed": _l("“%(title)s” passed the final acceptance and is completed."),
    "challenge.terminated": _l("“%(title)s” was terminated by an administrator: %(reason)s"),
    "challenge.application_submitted": _l("Your application to “%(title)s” was submitted."),
    "challenge.application_withdrawn": _l("Your application to “%(title)s” was withdrawn."),
    "challenge.application_eligible": _l("Your application to “%(title)s” passed the formal check."),
    "challenge.application_ineligible": _l("Your application to “%(title)s” did not pass the formal check: %(reason)s"),
    "challenge.expert_assigned": _l(
        "You are invited to review the applications to “%(title)s”; declare any conflict of interest first."
    ),
    "challenge.review_revision": _l(
        "An administrator asks you to revise your review of %(unit)s for “%(title)s”: %(note)s"
    ),
    "challenge.objection_filed": _l("An objection was filed against the proposed winners of “%(title)s”."),
    "challenge.objection_upheld": _l("Your objection concerning “%(title)s” was upheld: %(resolution)s"),
    "challenge.objection_dismissed": _l("Your objection concerning “%(title)s” was dismissed: %(resolution)s"),
    "challenge.contract_to_confirm": _l("%(name)s confirmed the contract of “%(title)s”; please confirm it too."),
    "challenge.milestone_reported": _l(
        "Milestone “%(milestone)s” of “%(title)s” was reported; approve it or send it back."
    ),
    "challenge.milestone_approved": _l(
        "Milestone “%(milestone)s” of “%(title)s” was approved; %(amount)s (10k CNY) is now due."
    ),
    "challenge.milestone_returned": _l("Milestone “%(milestone)s” of “%(title)s” was sent back: %(note)s"),
    "challenge.reminder_window_closing": _l(
        "Applications to “%(title)s” close at %(closes)s; your application is still a draft."
    ),
    "challenge.reminder_window_closing_owner": _l("Applications to your challenge “%(title)s” close at %(closes)s."),
    "challenge.reminder_review_due": _l("You still have %(count)s applications to score for “%(title)s”."),
    "challenge.reminder_milestone_due": _l("Milestone “%(milestone)s” of “%(title)s” is due on %(due)s."),
    "deal.opened": _l("A deal on “%(title)s” was opened by %(broker)s; it is now being negotiated."),
    "deal.signed": _l("The contract of “%(title)s” was signed on %(day)s."),
    "deal.registered": _l("The contract of “%(title)s” was registered as %(number)s."),
    "deal.payment": _l("%(amount)s (10k CNY) received on %(day)s for “%(title)s”."),
    "deal.cancelled": _l("The deal on “%(title)s” was cancelled: %(reason)s"),
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
