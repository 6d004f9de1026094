"""Who may change how someone is notified: the person themself (an unsubscribe link from their own
e-mail speaks for them, see `unsubscribe.py`)."""

from __future__ import annotations


def can_edit_preferences(actor, user) -> bool:
    return bool(actor is not None and actor.is_authenticated and user is not None and actor.id == user.id)
