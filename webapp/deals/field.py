"""Correcting the technical field a deal is reported under (it comes from the achievement, the need
or the challenge when the deal is opened, and is sometimes missing or wrong)."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.permissions import require
from webapp.deals.access import can_manage
from webapp.deals.models import Deal
from webapp.deals.services import DealError
from webapp.extensions import db


def set_field(user, deal: Deal, field_id: int | None) -> None:
    """Set (or clear, with None) the deal's technical field; allowed on cancelled deals too, since
    the district's figures by field read every deal."""
    from webapp.taxonomy.models import TechField

    require(can_manage(deal, user))
    if field_id is not None and db.session.get(TechField, field_id) is None:
        raise DealError(_("Choose a technical field from the list."), field="field")
    if field_id == deal.field_id:
        return
    before = {"field": deal.field_id}
    deal.field_id = field_id
    db.session.flush()
    db.session.expire(deal, ["field"])
    audit.record("deal.field", deal, actor=user, before=before, after={"field": field_id})
