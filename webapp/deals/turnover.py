"""The turnover figures read from the ledger: signed, registered and received totals of a period.

Cancelled deals count nowhere — neither signed, registered nor received (money received on a deal
later cancelled is returned or disputed, and the district's figures count live contracts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from webapp.deals.models import Deal, Payment
from webapp.extensions import db


def ledger_mismatches() -> list[int]:
    """Deals whose money received differs from the sum of their payments (should be none: both are
    written in one transaction by `record_payment`); for a consistency check before reporting."""
    paid = sa.select(Payment.deal_id, sa.func.sum(Payment.amount).label("total")).group_by(Payment.deal_id).subquery()
    query = (
        sa.select(Deal.id)
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(Deal.received_total != sa.func.coalesce(paid.c.total, 0))
        .order_by(Deal.id)
    )
    return list(db.session.scalars(query))


@dataclass
class Turnover:
    signed: int = 0  # 元: value of live deals signed in the period
    registered: int = 0  # 元: value of live deals registered in the period
    received: int = 0  # 元: payments received in the period on live deals


def _month(column):
    hundred = sa.literal_column("100", sa.Integer)  # inlined: GROUP BY matches the selected expression
    return sa.func.extract("year", column) * hundred + sa.func.extract("month", column)


def turnover(period_start: date, period_end: date, by: str | None = None) -> Turnover | dict:
    """Signed, registered and received totals for the days period_start..period_end (both
    included), cancelled deals left out. `by=None` gives one Turnover; `by="month"` a dict keyed by
    yyyymm (int); `by="agency"` a dict keyed by the agency's organisation id (None: no agency)."""
    if by not in (None, "month", "agency"):
        raise ValueError(f"unknown grouping {by!r}")
    live = Deal.cancelled_at.is_(None)

    def grouped(column, amount, day, *joins):
        where = (live, day >= period_start, day <= period_end)
        if by is None:
            query = sa.select(sa.func.coalesce(sa.func.sum(amount), 0))
            for join in joins:
                query = query.select_from(join)
            return {0: int(db.session.scalar(query.where(*where)) or 0)}
        key = _month(day) if by == "month" else Deal.agency_id
        query = sa.select(key.label("k"), sa.func.coalesce(sa.func.sum(amount), 0))
        for join in joins:
            query = query.select_from(join)
        query = query.where(*where).group_by(key)
        return {(int(k) if k is not None else None): int(total) for k, total in db.session.execute(query)}

    parts = {
        "signed": grouped("signed", Deal.contract_value, Deal.signed_on),
        "registered": grouped("registered", Deal.contract_value, Deal.registered_on),
        "received": grouped(
            "received", Payment.amount, Payment.received_on, sa.join(Payment, Deal, Payment.deal_id == Deal.id)
        ),
    }
    if by is None:
        return Turnover(**{name: values.get(0, 0) for name, values in parts.items()})
    keys = set().union(*parts.values())
    return {key: Turnover(**{name: values.get(key, 0) for name, values in parts.items()}) for key in keys}
