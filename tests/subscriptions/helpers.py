"""Shared steps of the notification tests: people's choices saved through the services, and the
e-mails read back from the development mail folder."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.conftest import read_mail
from webapp.extensions import db

BEIJING = ZoneInfo("Asia/Shanghai")
LINK = re.compile(r"https?://\S+/notifications/unsubscribe/[\w.-]+")


def beijing(*args) -> datetime:
    """A moment given as Beijing wall-clock time, as UTC."""
    return datetime(*args, tzinfo=BEIJING).astimezone(UTC)


def reload(user):
    from webapp.accounts.models import User

    return db.session.get(User, user.id)


def choose(app, user, **deliveries) -> None:
    """Save the person's choices (category code = delivery value) through the settings service."""
    from webapp.notifications import preferences
    from webapp.notifications.models import Delivery

    with app.app_context():
        person = reload(user)
        preferences.set_deliveries(person, person, {code: Delivery(value) for code, value in deliveries.items()})
        db.session.commit()


def follow(app, user, *, fields=(), keywords=()) -> None:
    from webapp.subscriptions import services as subscriptions

    with app.app_context():
        person = reload(user)
        subscriptions.set_subscriptions(person, person, field_ids=list(fields), keywords=list(keywords))
        db.session.commit()


def send(app, user, kind="account.password_changed", link="/account", **params):
    from webapp.notifications.services import notify

    with app.app_context():
        note = notify(reload(user), kind, link=link, **params)
        db.session.commit()
        return note.id if note is not None else None


def run_digests(app) -> None:
    """The beat's task, as a worker runs it."""
    app.extensions["celery"].tasks["subscriptions.send_digests"].apply()


def mails(mailbox: Path, to: str | None = None) -> list:
    """(message, body) of every e-mail written, to one address if given."""
    found = [read_mail(path) for path in sorted(mailbox.glob("*.eml"))] if mailbox.exists() else []
    return [(m, b) for m, b in found if to is None or m["To"] == to]


def unsubscribe_link(body: str) -> str:
    match = LINK.search(body)
    assert match, body
    return match.group(0)
