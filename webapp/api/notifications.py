"""/api/v1/me/…: the caller's own notifications, how they hear of each category, and the technical
fields and keywords they follow — what the notifications page and the notification settings page
show and change, through the same services (webapp.notifications.services and .preferences,
webapp.subscriptions.services) with the same audit events. Every signed-in user has them, whatever
their role, as on the pages; nobody reads or changes anyone else's."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request, url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from webapp.api.auth import api_user
from webapp.api.common import caller_must, newest_first, write
from webapp.api.notification_schemas import (
    MarkReadIn,
    MarkReadOut,
    NotificationPage,
    NotificationQuery,
    SettingsIn,
    SettingsOut,
    SubscriptionsIn,
    SubscriptionsOut,
)
from webapp.core.security import is_safe_next
from webapp.extensions import db
from webapp.notifications import preferences, services
from webapp.notifications.models import Notification
from webapp.subscriptions import services as subscriptions

bp = Blueprint(
    "api_notifications",
    __name__,
    url_prefix="/api/v1",
    description="The caller's notifications, how they hear of each category, and the fields and keywords they follow.",
)

signed_in = caller_must(lambda user: True)
# The settings page's names for the fields of SubscriptionError, as this API's request names them.
SUBSCRIPTION_FIELDS = {"followed_fields": "field_ids", "followed_keywords": "keywords"}


def _invalid(messages: dict, message: str | None = None):
    abort(422, message=message or _("Some fields are not valid; see errors."), messages={"json": messages})


# ---------------------------------------------------------------------------- notifications


def _category(kind: str) -> str | None:
    try:
        return preferences.category_of(kind).code
    except KeyError:  # a kind no longer sent: shown as its code, as on the page
        return None


def notification_data(note: Notification) -> dict:
    """As the notifications page shows it: its text in the request's language, and where “Open”
    leads (its link when it is a path on this site, else the notifications page)."""
    target = note.link if is_safe_next(note.link) else url_for("notifications.index")
    return {
        "id": note.id,
        "kind": note.kind,
        "category": _category(note.kind),
        "text": note.text,
        "link": note.link,
        "url": request.url_root.rstrip("/") + target,
        "created_at": note.created_at,
        "read": note.read_at is not None,
        "read_at": note.read_at,
    }


@bp.get("/me/notifications")
@signed_in
@bp.arguments(NotificationQuery, location="query", as_kwargs=False)
@bp.response(200, NotificationPage)
def my_notifications(args):
    """The caller's notifications, newest first, as the notifications page lists them; with
    `unread=true` only those not read yet."""
    user = api_user()
    query = sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    if args["unread"]:
        query = query.where(Notification.read_at.is_(None))
    page = newest_first(query, Notification, args, notification_data)
    return page | {"unread": services.unread_count(user)}


@bp.post("/me/notifications/read")
@write
@bp.arguments(MarkReadIn)
@bp.response(200, MarkReadOut)
def mark_read(data):
    """Mark notifications read: `{"ids": [...]}` (as opening each on the page: one audit event
    each) or `{"all": true}` (as “Mark all as read”: one event). An id that is not one of the
    caller's notifications — another's, or none — is a 422 naming it, and nothing is marked: as the
    page, which never opens another's, the answer does not tell which."""
    user = api_user()
    if data["all"]:
        marked = services.mark_all_read(user)
    else:
        ids = list(dict.fromkeys(data["ids"]))
        found = {
            note.id: note
            for note in db.session.scalars(sa.select(Notification).where(Notification.id.in_(ids)))
            if note.can_edit(user)
        }
        missing = [i for i in ids if i not in found]
        if missing:
            text = _("You have no notification %(ids)s.", ids=", ".join(map(str, missing)))
            _invalid({"ids": [text]}, text)
        marked = 0
        for note_id in ids:
            note = found[note_id]
            marked += int(note.read_at is None)
            services.mark_read(user, note)
    db.session.flush()
    return {"marked": marked, "unread": services.unread_count(user)}


# ---------------------------------------------------------------------------- settings


def settings_data(user) -> dict:
    """As the settings page shows them: each category with its choice, saved or default."""
    chosen = preferences.choices_of(user)
    return {
        "email_notifications": bool(user.email_notifications),
        "categories": [
            {
                "code": category.code,
                "label": str(category.label),
                "hint": str(category.hint),
                "delivery": chosen[category.code].value,
                "choices": [{"delivery": d.value, "label": str(category.choice_label(d))} for d in category.choices],
                "can_switch_off": preferences.D.OFF in category.choices,
            }
            for category in preferences.CATEGORIES
        ],
    }


@bp.get("/me/notification-settings")
@signed_in
@bp.response(200, SettingsOut)
def notification_settings():
    """How the caller hears of each category of notifications, as the settings page shows it."""
    return settings_data(api_user())


@bp.put("/me/notification-settings")
@write
@bp.arguments(SettingsIn)
@bp.response(200, SettingsOut)
def change_notification_settings(data):
    """Change how the caller hears of some categories (the others stay as they are), through the
    settings page's service: one audit event when anything changed."""
    user = api_user()
    try:
        preferences.set_deliveries(user, user, preferences.parse(data["categories"]))
    except preferences.ChoiceError as exc:
        _invalid({"categories": {code: [text] for code, text in exc.errors.items()}}, str(exc))
    return settings_data(user)


# ---------------------------------------------------------------------------- subscriptions


def subscriptions_data(user) -> dict:
    followed = subscriptions.of(user)
    return {
        "fields_": [
            {"id": s.field.id, "code": s.field.code, "name": s.field.display_name} for s in followed if s.field
        ],
        "keywords": [s.keyword for s in followed if s.keyword],
    }


@bp.get("/me/subscriptions")
@signed_in
@bp.response(200, SubscriptionsOut)
def my_subscriptions():
    """The technical fields and keywords the caller follows: needs and challenges published on them
    are notified as chosen for the category subscriptions."""
    return subscriptions_data(api_user())


@bp.put("/me/subscriptions")
@write
@bp.arguments(SubscriptionsIn)
@bp.response(200, SubscriptionsOut)
def replace_subscriptions(data):
    """Replace what the caller follows (send both lists whole), by the settings page's rules and
    service: at most 20 fields and 20 keywords; one audit event when anything changed."""
    user = api_user()
    try:
        keywords = subscriptions.parse_keywords(", ".join(data["keywords"]))
        subscriptions.set_subscriptions(user, user, field_ids=data["field_ids"], keywords=keywords)
    except subscriptions.SubscriptionError as exc:
        _invalid({SUBSCRIPTION_FIELDS.get(exc.field, "field_ids"): [str(exc)]}, str(exc))
    return subscriptions_data(user)
