"""The words of technical fields in the audit log; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "field.create": _l("Technical field created"),
    "field.update": _l("Technical field edited"),
    "field.delete": _l("Technical field deleted"),
}

# Audit log objects (table names).
OBJECTS = {
    "tech_fields": _l("Technical field"),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
