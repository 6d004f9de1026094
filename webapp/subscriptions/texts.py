"""The words of subscriptions in the audit log and their notification kinds; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "notification.subscriptions": _l("Followed fields and keywords changed"),
}

# Audit log objects (table names).
OBJECTS = {
    "notification_subscriptions": _l("Followed field or keyword"),
}

# Category "subscriptions" (webapp.notifications.preferences).
NOTIFICATIONS = {
    "subscription.need": _l("New need “%(title)s”, on “%(topic)s” that you follow."),
    "subscription.needs_imported": _l(
        "%(count)d newly imported needs match what you follow (such as “%(topic)s”); the newest: “%(title)s”."
    ),
    "subscription.challenge": _l("New challenge “%(title)s”, on “%(topic)s” that you follow."),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
