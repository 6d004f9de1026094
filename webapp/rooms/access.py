"""Who may do what in a negotiation room.

A room exists once both parties agreed to the introduction (never for a declined one). Its members
are the two parties (the need's owner and the achievement's owner), the broker who made the
introduction and the admins; they all read it and write in it while the introduction is open. Once
the introduction is closed the room is kept, read-only. Only the enterprise (the need's side)
accepts the 保密承诺; the achievement's owner sets them.
"""

from __future__ import annotations

from webapp.accounts.models import Role

NEED_SIDE = "need"


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and getattr(user, "active", True))


def is_open(introduction) -> bool:
    """The room exists: both parties agreed and neither declined."""
    return bool(introduction.agreed and not introduction.declined)


def is_closed(introduction) -> bool:
    return introduction.closed_at is not None


def is_member(introduction, user) -> bool:
    if not _signed_in(user):
        return False
    if user.role is Role.ADMIN:
        return True
    if user.role is Role.BROKER and introduction.broker_id == user.id:
        return True
    return introduction.side_of(user) is not None


def can_view(introduction, user) -> bool:
    return is_open(introduction) and is_member(introduction, user)


def can_write(introduction, user) -> bool:
    """Messages, files and the next step, while the introduction is open."""
    return can_view(introduction, user) and not is_closed(introduction)


def can_accept_terms(introduction, user) -> bool:
    """The enterprise, in an open room."""
    return can_write(introduction, user) and introduction.side_of(user) == NEED_SIDE


def can_set_terms(achievement, user) -> bool:
    """The achievement's owner (and admins, who may edit any listing)."""
    return _signed_in(user) and achievement.can_edit(user)
