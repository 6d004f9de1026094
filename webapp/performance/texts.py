"""The words of performance reports in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.notifications import catalogue
from webapp.performance.models import Rating

ACTIONS = {
    "performance.open": _l("Performance report fell due"),
    "performance.save": _l("Performance report saved as a draft"),
    "performance.submit": _l("Performance report submitted"),
    "performance.return": _l("Performance report returned for changes"),
    "performance.accept": _l("Performance report reviewed and rated"),
    "performance.file": _l("Evidence added to a performance report"),
    "performance.file_remove": _l("Evidence removed from a performance report"),
}

OBJECTS = {
    "performance_reports": _l("Performance report"),
}

NOTIFICATIONS = {
    "performance.due": _l(
        "“%(title)s” is done: its performance report (outcomes against the indicators) is due by %(due)s."
    ),
    "performance.reminder_before": _l("The performance report of “%(title)s” is due by %(due)s (in %(days)s days)."),
    "performance.reminder_due": _l("The performance report of “%(title)s” is due today (%(due)s)."),
    "performance.reminder_overdue": _l(
        "The performance report of “%(title)s” was due on %(due)s and is %(days)s days overdue."
    ),
    "performance.submitted": _l("The performance report of “%(title)s” was submitted; review and rate it."),
    "performance.returned": _l("Your performance report of “%(title)s” was returned for changes: %(comment)s"),
    "performance.accepted": _l("Your performance report of “%(title)s” was reviewed: rated %(rating)s."),
    # A report whose enterprise has no account: the admins file it on the enterprise's behalf.
    "performance.behalf_before": _l(
        "The performance report of “%(title)s” (%(enterprise)s, no account on the platform) is due by %(due)s "
        "(in %(days)s days): obtain the figures and file it on the enterprise’s behalf."
    ),
    "performance.behalf_due": _l(
        "The performance report of “%(title)s” (%(enterprise)s, no account on the platform) is due today "
        "(%(due)s): obtain the figures and file it on the enterprise’s behalf."
    ),
    "performance.behalf_overdue": _l(
        "The performance report of “%(title)s” (%(enterprise)s, no account on the platform) was due on %(due)s "
        "and is %(days)s days overdue: obtain the figures and file it on the enterprise’s behalf."
    ),
    "performance.behalf_returned": _l(
        "The performance report of “%(title)s” you filed on the enterprise’s behalf was returned for changes: "
        "%(comment)s"
    ),
    "performance.behalf_accepted": _l(
        "The performance report of “%(title)s” you filed on the enterprise’s behalf was reviewed: rated %(rating)s."
    ),
}


def _rating(value):
    try:
        return Rating(value).label
    except ValueError:
        return value


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS, params={"rating": _rating})
