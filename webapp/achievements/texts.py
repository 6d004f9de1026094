"""The words of achievements in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "achievement.create": _l("Achievement created"),
    "achievement.update": _l("Achievement edited"),
    "achievement.submit": _l("Achievement submitted for review"),
    "achievement.approve": _l("Achievement approved and published"),
    "achievement.return": _l("Achievement returned for changes"),
    "achievement.withdraw": _l("Achievement taken offline by its owner"),
    "achievement.take_down": _l("Achievement taken down by an administrator"),
    "achievement.access_request": _l("Access to confidential details requested"),
    "achievement.access_decision": _l("Access to confidential details decided"),
}

# Audit log objects (table names).
OBJECTS = {
    "achievements": _l("Achievement"),
    "achievement_access": _l("Access request"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "achievement.access_requested": _l("%(name)s asks to see the confidential part of “%(title)s”."),
    "achievement.access_granted": _l("You may now see the confidential part of “%(title)s”."),
    "achievement.access_denied": _l("Your request to see the confidential part of “%(title)s” was declined."),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
