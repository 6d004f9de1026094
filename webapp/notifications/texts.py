"""The words of notifications in the audit log; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "notification.read": _l("Notification read"),
    "notification.read_all": _l("All notifications read"),
    "notification.preferences": _l("Notification settings changed"),
    "notification.unsubscribe": _l("E-mail unsubscribed by link"),
}

# Audit log objects (table names).
OBJECTS = {
    "notifications": _l("Notification"),
    "notification_preferences": _l("Notification setting"),
    "notification_digests": _l("Digest e-mail"),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
