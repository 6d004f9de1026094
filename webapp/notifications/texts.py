"""The words of notifications in the audit log, and the notification kinds of subscriptions;
create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "notification.read": _l("Notification read"),
    "notification.read_all": _l("All notifications read"),
    "notification.preferences": _l("Notification settings changed"),
    "notification.unsubscribe": _l("E-mail unsubscribed by link"),
    "notification.subscriptions": _l("Followed fields and keywords changed"),
}

# Audit log objects (table names).
OBJECTS = {
    "notifications": _l("Notification"),
    "notification_preferences": _l("Notification setting"),
    "notification_subscriptions": _l("Followed field or keyword"),
    "notification_digests": _l("Digest e-mail"),
}

NOTIFICATIONS = {
    "subscription.need": _l("New need “%(title)s”, on “%(topic)s” that you follow."),
    "subscription.challenge": _l("New challenge “%(title)s”, on “%(topic)s” that you follow."),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
