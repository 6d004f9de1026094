"""Who may do what in matching: brokers work the suggestions, owners see their own listings',
introductions are closed by the broker who made them and seen by the people they concern."""

from __future__ import annotations

from webapp.accounts.models import Role


def can_broker(user) -> bool:
    """Brokers and admins work the suggestions."""
    return bool(user is not None and user.is_authenticated and user.role in (Role.BROKER, Role.ADMIN))


def is_admin(user) -> bool:
    """Admins edit the lexicon, start a full re-match and change the live weights."""
    return bool(user is not None and user.is_authenticated and user.is_admin)


def can_see_suggestions(listing, user) -> bool:
    """A listing's suggestions are shown to its owner, to brokers and to admins."""
    return can_broker(user) or (listing is not None and listing.is_owned_by(user))


def can_see_teams(challenge, user) -> bool:
    """The teams suggested for a challenge are shown to its enterprise, to brokers and to admins."""
    return can_broker(user) or (user is not None and user.is_authenticated and challenge.owner_id == user.id)


def can_set_outcome(introduction, user) -> bool:
    """The broker who made an introduction closes it, or an admin."""
    return is_admin(user) or (can_broker(user) and introduction.broker_id == user.id)


def can_view_introduction(introduction, user) -> bool:
    """The broker who made it, admins, and the owners of the two listings."""
    if not user.is_authenticated:
        return False
    if can_set_outcome(introduction, user):
        return True
    s = introduction.suggestion
    return s.need.is_owned_by(user) or s.achievement.is_owned_by(user)
