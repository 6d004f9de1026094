"""Need services: enterprises post and edit their technology needs."""

from __future__ import annotations

from webapp.accounts.models import Role
from webapp.core.permissions import require_role
from webapp.listings import services as listing_services
from webapp.listings.validation import clean_need
from webapp.needs.models import Need

AUTHOR_ROLES = (Role.ENTERPRISE, Role.ADMIN)


def can_create(user) -> bool:
    return bool(user and user.is_authenticated and user.role in AUTHOR_ROLES)


def save_need(
    actor,
    need: Need | None,
    data: dict,
    *,
    field=None,
    show_identity: bool | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
) -> Need:
    """Create (need=None) or edit. `data` holds raw form values; raises ListingInvalid."""
    require_role(actor, *AUTHOR_ROLES)
    cleaned = clean_need(data)
    creating = need is None
    if creating:
        need = Need(owner_id=actor.id, organisation_id=actor.organisation_id)
    if show_identity is not None:
        cleaned["show_identity"] = show_identity
    if contact_name is not None:
        cleaned["contact_name"] = contact_name.strip()[:100] or None
    if contact_phone is not None:
        cleaned["contact_phone"] = contact_phone.strip()[:30] or None
    listing_services.save(
        need,
        actor,
        cleaned,
        field=field,
        creating=creating,
        extra_audit=["budget_min", "budget_max", "deadline", "show_identity"],
    )
    return need
