"""The words of imports in the audit log; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "import.upload": _l("File uploaded for import"),
    "import.batch": _l("Listings imported from a file (one batch)"),
}

# Audit log objects (table names).
OBJECTS = {
    "import_jobs": _l("Import"),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
