"""Who may do what with deals: brokers and admins keep deals (an admin any deal, a broker the deals
they are credited with); the two parties' contacts and the credited agency's brokers may view them."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.deals.models import Deal


def role_of(user):
    from webapp.accounts.models import Role

    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", True):
        return None
    return user.role if isinstance(user.role, Role) else Role(user.role)


def can_create(user) -> bool:
    from webapp.accounts.models import Role

    return role_of(user) in (Role.BROKER, Role.ADMIN)


def can_open_from_introduction(user, introduction) -> bool:
    """The broker who made the introduction, or an admin."""
    from webapp.accounts.models import Role

    return can_create(user) and (role_of(user) is Role.ADMIN or introduction.broker_id == user.id)


def can_manage(deal: Deal, user) -> bool:
    """Admins keep every deal; a broker the deals they are credited with."""
    from webapp.accounts.models import Role

    role = role_of(user)
    return role is Role.ADMIN or (role is Role.BROKER and deal.broker_id == user.id)


def can_view(deal: Deal, user) -> bool:
    """A deal is for those named on it: admins, the credited broker and the brokers of the credited
    agency, and the two parties' contacts. Membership of a party's organisation is not enough: a
    university's other researchers and experts see none of its deals or payment evidence."""
    from webapp.accounts.models import Role

    if can_manage(deal, user):
        return True
    role = role_of(user)
    if role is None:
        return False
    if user.id in deal.party_user_ids:
        return True
    return role is Role.BROKER and deal.agency_id is not None and user.organisation_id == deal.agency_id


def deals_for(user):
    """A select of the deals `user` may see (the rule of can_view), newest first."""
    from webapp.accounts.models import Role

    query = sa.select(Deal).order_by(Deal.created_at.desc(), Deal.id.desc())
    role = role_of(user)
    if role is None:
        return query.where(sa.false())
    if role is Role.ADMIN:
        return query
    seen = [Deal.need_user_id == user.id, Deal.provider_user_id == user.id]
    if role is Role.BROKER:
        seen.append(Deal.broker_id == user.id)
        if user.organisation_id is not None:
            seen.append(Deal.agency_id == user.organisation_id)
    return query.where(sa.or_(*seen))
