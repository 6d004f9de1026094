"""The words of the duplicate finder in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "duplicate.merge": _l("Merged as a duplicate"),
    "duplicate.dismiss": _l("Possible duplicate dismissed"),
}

# Audit log objects (table names).
OBJECTS = {
    "duplicate_candidates": _l("Possible duplicate"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "listing.duplicate": _l("“%(title)s” was marked as a duplicate of “%(other)s”."),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
