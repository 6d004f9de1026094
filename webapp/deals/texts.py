"""The words of deals and the turnover target in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "deal.create": _l("Deal opened"),
    "deal.value": _l("Contract value changed"),
    "deal.sign": _l("Contract signed"),
    "deal.register": _l("Contract registered"),
    "deal.schedule": _l("Payment schedule set"),
    "deal.payment": _l("Payment received"),
    "deal.cancel": _l("Deal cancelled"),
    "deal.evidence_export": _l("Agency subsidy evidence pack downloaded"),
    "deal.field": _l("Technical field of the deal corrected"),
    "deal.file": _l("Document added to the deal"),
    "dashboard.target": _l("Turnover target set"),  # recorded by the dashboard, which sets this deals model
}

# Audit log objects (table names).
OBJECTS = {
    "deals": _l("Deal record"),
    "turnover_targets": _l("Turnover target"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "deal.opened": _l("A deal on “%(title)s” was opened by %(broker)s; it is now being negotiated."),
    "deal.signed": _l("The contract of “%(title)s” was signed on %(day)s."),
    "deal.registered": _l("The contract of “%(title)s” was registered as %(number)s."),
    "deal.payment": _l("%(amount)s (10k CNY) received on %(day)s for “%(title)s”."),
    "deal.cancelled": _l("The deal on “%(title)s” was cancelled: %(reason)s"),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS)
