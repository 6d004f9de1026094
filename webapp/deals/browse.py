"""The list of deals a user may see, narrowed by the filters of the list page, and its export to
.xlsx with the money in exact 元 (whole numbers) and in 万元."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook

from webapp.core import spreadsheet
from webapp.core.formatting import format_day
from webapp.core.money import wan_decimal
from webapp.deals.access import deals_for
from webapp.deals.models import ContractType, Deal, DealState

EXPORT_CAP = 10_000


@dataclass
class DealFilter:
    state: DealState | None = None
    contract_type: ContractType | None = None
    broker_id: int | None = None  # admins only
    signed_from: date | None = None
    signed_to: date | None = None
    text: str = ""


def matching(user, flt: DealFilter):
    """A select of the deals `user` may see that pass the filter, newest first."""
    query = deals_for(user)
    if flt.state is not None:
        query = query.where(Deal.state == flt.state.value)
    if flt.contract_type is not None:
        query = query.where(Deal.contract_type == flt.contract_type)
    if flt.broker_id is not None and getattr(user, "is_admin", False):
        query = query.where(Deal.broker_id == flt.broker_id)
    if flt.signed_from is not None:
        query = query.where(Deal.signed_on >= flt.signed_from)
    if flt.signed_to is not None:
        query = query.where(Deal.signed_on <= flt.signed_to)
    words = flt.text.split()
    for word in words[:5]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                *(column.ilike(pattern, escape="\\") for column in (Deal.title, Deal.need_party, Deal.provider_party))
            )
        )
    return query


def columns() -> list[tuple[str, str]]:
    return [
        ("id", _("No.")),
        ("title", _("Title")),
        ("need_party", _("Need side")),
        ("provider_party", _("Provider side")),
        ("type", _("Contract type")),
        ("state", _("State")),
        ("value_yuan", _("Contract value (yuan)")),
        ("value_wan", _("Contract value (10k CNY)")),
        ("received_yuan", _("Received (yuan)")),
        ("received_wan", _("Received (10k CNY)")),
        ("signed_on", _("Signed on")),
        ("registration_no", _("Registration number")),
        ("registered_on", _("Registered on")),
        ("field", _("Technical field")),
        ("broker", _("Broker")),
        ("agency", _("Agency")),
    ]


def row(deal: Deal) -> dict:
    return {
        "id": deal.id,
        "title": deal.title,
        "need_party": deal.need_party,
        "provider_party": deal.provider_party,
        "type": deal.contract_type.label,
        "state": deal.state.label,
        "value_yuan": deal.contract_value,
        "value_wan": wan_decimal(deal.contract_value),
        "received_yuan": deal.received_total,
        "received_wan": wan_decimal(deal.received_total),
        "signed_on": format_day(deal.signed_on),
        "registration_no": deal.registration_no or "",
        "registered_on": format_day(deal.registered_on),
        "field": deal.field.name if deal.field else "",
        "broker": deal.broker.name if deal.broker else "",
        "agency": deal.agency.name if deal.agency else "",
    }


def to_xlsx(deals) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="deals")
    header = columns()
    spreadsheet.append(sheet, [label for _key, label in header])
    formats = [
        "#,##0" if key.endswith("_yuan") else "#,##0.####" if key.endswith("_wan") else None for key, _ in header
    ]
    for deal in deals:
        values = row(deal)
        spreadsheet.append(sheet, [values[key] for key, _label in header], formats)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
