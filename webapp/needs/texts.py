"""The words of needs in the audit log; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "need.create": _l("Need created"),
    "need.update": _l("Need edited"),
    "need.submit": _l("Need submitted for review"),
    "need.approve": _l("Need approved and published"),
    "need.return": _l("Need returned for changes"),
    "need.withdraw": _l("Need taken offline by its owner"),
    "need.take_down": _l("Need taken down by an administrator"),
}

# Audit log objects (table names).
OBJECTS = {
    "needs": _l("Need"),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
