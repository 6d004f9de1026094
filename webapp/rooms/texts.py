"""The words of the negotiation rooms in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "room.message": _l("Message written in a negotiation room"),
    "room.file": _l("File kept in a negotiation room"),
    "room.next_step": _l("Next step of a negotiation agreed"),
    "room.terms_set": _l("Confidentiality terms of an achievement changed"),
    "room.terms_accept": _l("Confidentiality terms accepted"),
}

# Audit log objects (table names).
OBJECTS = {
    "room_messages": _l("Negotiation room message"),
    "room_files": _l("Negotiation room file"),
    "room_next_steps": _l("Next step of a negotiation"),
    "confidentiality_terms": _l("Confidentiality terms"),
    "terms_acceptances": _l("Acceptance of confidentiality terms"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "room.message": _l("%(who)s wrote in the negotiation room of “%(title)s”."),
    "room.file": _l("%(who)s kept the file “%(filename)s” in the negotiation room of “%(title)s”."),
    "room.next_step": _l("Next step in the negotiation of “%(title)s”, agreed by %(who)s: %(step)s (%(day)s)."),
    "room.terms_changed": _l(
        "The confidentiality terms of “%(title)s” changed (version %(version)s): the confidential part "
        "is shown again once the enterprise accepts them."
    ),
    "room.terms_accepted": _l(
        "%(who)s accepted the confidentiality terms of “%(title)s” (version %(version)s) in the negotiation room."
    ),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
