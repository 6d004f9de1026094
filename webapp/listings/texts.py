"""The words of listings of either kind in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.notifications import catalogue

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "listing.approve": _l("“%(title)s” has been approved and published."),
    "listing.return": _l("“%(title)s” was returned for changes: %(reason)s"),
    "listing.take_down": _l("“%(title)s” was taken down by an administrator: %(reason)s"),
    "listing.awaiting_review": _l("“%(title)s” is waiting for review."),
}


def register() -> None:
    catalogue.register_texts(NOTIFICATIONS)
