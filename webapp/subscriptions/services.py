"""What people follow: technical fields and keywords, saved with an audit event (who hears of what
is published is `subscribers.py`)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.notifications.permissions import can_edit_preferences
from webapp.subscriptions.models import Subscription

KEYWORD_MAX = 40
KEYWORDS_MAX = 20
FIELDS_MAX = 20


class SubscriptionError(ValueError):
    """A rule about subscriptions was broken; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def of(user) -> list[Subscription]:
    return list(
        db.session.scalars(sa.select(Subscription).where(Subscription.user_id == user.id).order_by(Subscription.id))
    )


def parse_keywords(text: str | None) -> list[str]:
    from webapp.listings.text import split_list

    keywords = split_list(text)
    too_long = [k for k in keywords if len(k) > KEYWORD_MAX]
    if too_long:
        raise SubscriptionError(
            _("Keywords are at most %(max)d characters: %(k)s", max=KEYWORD_MAX, k=too_long[0][:40]),
            "followed_keywords",
        )
    if len(keywords) > KEYWORDS_MAX:
        raise SubscriptionError(_("Follow at most %(max)d keywords.", max=KEYWORDS_MAX), "followed_keywords")
    return keywords


def set_subscriptions(actor, user, *, field_ids: list[int], keywords: list[str]) -> bool:
    """Replace what the person follows; one audit event with what changed."""
    from webapp.taxonomy.models import TechField

    require(can_edit_preferences(actor, user))
    field_ids = list(dict.fromkeys(int(i) for i in field_ids))
    if len(field_ids) > FIELDS_MAX:
        raise SubscriptionError(_("Follow at most %(max)d fields.", max=FIELDS_MAX), "followed_fields")
    known = set(db.session.scalars(sa.select(TechField.id).where(TechField.id.in_(field_ids)))) if field_ids else set()
    unknown = [i for i in field_ids if i not in known]
    if unknown:
        raise SubscriptionError(
            _("Choose fields from the list: there is no field %(ids)s.", ids=", ".join(map(str, unknown))),
            "followed_fields",
        )
    current = of(user)
    before = {
        "fields": sorted(s.field_id for s in current if s.field_id),
        "keywords": [s.keyword for s in current if s.keyword],
    }
    after = {"fields": sorted(field_ids), "keywords": list(keywords)}
    if before["fields"] == after["fields"] and sorted(before["keywords"]) == sorted(after["keywords"]):
        return False
    for row in current:
        if (row.field_id and row.field_id not in field_ids) or (row.keyword and row.keyword not in keywords):
            db.session.delete(row)
    db.session.flush()
    have_fields = {s.field_id for s in current if s.field_id in field_ids}
    have_words = {s.keyword for s in current if s.keyword in keywords}
    for field_id in field_ids:
        if field_id not in have_fields:
            db.session.add(Subscription(user_id=user.id, field_id=field_id))
    for keyword in keywords:
        if keyword not in have_words:
            db.session.add(Subscription(user_id=user.id, keyword=keyword))
    db.session.flush()
    audit.record("notification.subscriptions", user, actor=actor, before=before, after=after)
    return True
