"""Who may do what in matching: brokers work the suggestions, owners see their own listings',
introductions are closed by the broker who made them and seen by the people they concern, each of
whom agrees to it before the other learns who they are."""

from __future__ import annotations

from webapp.accounts.models import Role
from webapp.matching.models import SIDES, IntroductionOutcome


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


def can_answer_introduction(introduction, user) -> bool:
    """Each side answers for itself: the owner of the need or of the achievement. Brokers and admins
    see the answers and give one for a party only where `can_answer_for` allows."""
    return introduction.side_of(user) is not None


def can_answer_for(introduction, user, side: str) -> bool:
    """A side whose listing has no owner account (imported from the district's lists) cannot answer
    on the platform: the introduction's broker, or an admin, records the answer that party gave
    outside it (phone, visit). A side with an owner is only ever answered by that owner."""
    if side not in SIDES or not can_set_outcome(introduction, user):
        return False
    listing = introduction.listing_of(side)
    return listing is not None and listing.owner_id is None


def answerable_sides(introduction, user) -> list[str]:
    """The sides of an open introduction, not answered yet, whose answer `user` may give now: an
    owner's own side (`can_answer_introduction`), and for its broker or an admin each side without
    an owner account (`can_answer_for`). The page's forms and the API's `may_answer_sides` both read
    this."""
    if introduction.outcome is not IntroductionOutcome.NEGOTIATING:
        return []
    own = introduction.side_of(user)
    return [
        side
        for side in SIDES
        if introduction.answer_of(side) is None and (side == own or can_answer_for(introduction, user, side))
    ]


def sees_need_poster(introduction, user) -> bool:
    """On an introduction, the enterprise behind the need and how to reach it: whoever may know the
    poster anyway (the enterprise, brokers, admins, anyone if it shows who it is), and the
    researcher once both sides agreed."""
    return introduction.suggestion.need.can_see_identity(user) or (
        introduction.agreed and introduction.side_of(user) is not None
    )


def sees_researcher(introduction, user) -> bool:
    """On an introduction, the achievement's owner by name, phone and e-mail: brokers, admins, the
    owner, and the enterprise once both sides agreed. Its institution and the public achievement are
    shown to everyone who may open the introduction, as on the public page."""
    return (
        can_broker(user)
        or introduction.suggestion.achievement.is_owned_by(user)
        or (introduction.agreed and introduction.side_of(user) is not None)
    )


def sees_message(introduction, user, side: str) -> bool:
    """A side's message with its answer: that side, brokers and admins; the other side once both
    agreed (a decline's note never reaches the other side)."""
    mine = introduction.side_of(user)
    return can_broker(user) or mine == side or (introduction.agreed and mine is not None)
