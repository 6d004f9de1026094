"""What each signed-in user's own dashboard is made of (figures, tables, charts) and the queries the
boards of every role share; the boards are in `personal_broker`, `personal_expert` and
`personal_parties`. Figures are read from the ledger, the libraries and the challenge board.

Every query is narrowed to the user first (the broker credited, the owner of the listing, the
applicant, the party of the deal, the expert on the panel): nobody's dashboard counts another
user's records. Cancelled deals count nowhere (as in the district's figures); days of a period are
Beijing days, both ends included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import clock
from webapp.core.money import wan_number
from webapp.dashboard.periods import Period
from webapp.dashboard.tables import Column, Table
from webapp.deals.models import Deal, Payment
from webapp.extensions import db


@dataclass
class Figure:
    """One number at the top of a dashboard."""

    key: str
    label: str
    value: str


@dataclass
class Chart:
    id: str
    title: str
    spec: dict


@dataclass
class Board:
    """What a personal dashboard shows: figures, charts, and tables (each exportable)."""

    role: str
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def table(self, name: str) -> Table | None:
        return next((t for t in self.tables if t.name == name), None)


# ---------------------------------------------------------------- shared pieces


def instants(period: Period) -> tuple[datetime, datetime]:
    """The period's first moment and the moment after its last day, in UTC (for timestamp columns)."""
    start = clock.day_start(period.start).astimezone(UTC)
    end = clock.day_start(period.end + timedelta(days=1)).astimezone(UTC)
    return start, end


def within(column, period: Period):
    """A timestamp inside the period's days."""
    start, end = instants(period)
    return sa.and_(column >= start, column < end)


def on_days(column, period: Period):
    """A date inside the period (both ends included)."""
    return sa.and_(column >= period.start, column <= period.end)


def counted(query) -> dict:
    return {key: int(number) for key, number in db.session.execute(query).all()}


def month_key(column):
    hundred = sa.literal_column("100", sa.Integer)  # inlined, so that GROUP BY matches the selected expression
    return sa.func.extract("year", column) * hundred + sa.func.extract("month", column)


def month_label(key: int) -> str:
    return f"{key // 100}-{key % 100:02d}"


def status_table(name: str, title: str, what: str, counts: dict, labels: list, note: str | None = None) -> Table:
    """A count per state, in the enum's order, with its total."""
    rows = [{"status": str(member.label), "count": counts.get(member, 0)} for member in labels if counts.get(member, 0)]
    return Table(
        name,
        title,
        [Column("status", what), Column("count", _("Number"), "int")],
        rows,
        total={"status": _("Total"), "count": sum(counts.values())},
        note=note,
    )


def pie(table: Table) -> dict:
    return {
        "type": "pie",
        "categories": [r["status"] for r in table.rows],
        "series": [{"name": table.title, "data": [r["count"] for r in table.rows]}],
    }


def received_in(period: Period):
    """Per deal, the money received in the period (a subquery: deal_id, amount)."""
    return (
        sa.select(Payment.deal_id, sa.func.sum(Payment.amount).label("amount"))
        .where(on_days(Payment.received_on, period))
        .group_by(Payment.deal_id)
        .subquery()
    )


def deal_turnover(where, period: Period) -> dict[int, dict[str, int]]:
    """Signed, registered and received per month (yyyymm) for the live deals matching `where`."""
    live = Deal.cancelled_at.is_(None)
    months: dict[int, dict[str, int]] = {m: {"signed": 0, "registered": 0, "received": 0} for m in period.months}
    paid = sa.join(Payment, Deal, Payment.deal_id == Deal.id)
    parts = (
        ("signed", Deal.signed_on, Deal.contract_value, Deal.__table__),
        ("registered", Deal.registered_on, Deal.contract_value, Deal.__table__),
        ("received", Payment.received_on, Payment.amount, paid),
    )
    for name, day, amount, source in parts:
        key = month_key(day)
        query = (
            sa.select(key, sa.func.sum(amount))
            .select_from(source)
            .where(where, live, on_days(day, period))
            .group_by(key)
        )
        for month, total in db.session.execute(query):
            months.setdefault(int(month), {"signed": 0, "registered": 0, "received": 0})[name] = int(total or 0)
    return dict(sorted(months.items()))


def turnover_table(months: dict[int, dict[str, int]], title: str) -> tuple[Table, Chart]:
    rows = [{"month": month_label(m), **values} for m, values in months.items()]
    total = {"month": _("Total"), **{k: sum(r[k] for r in rows) for k in ("signed", "registered", "received")}}
    table = Table(
        "turnover",
        title,
        [
            Column("month", _("Month")),
            Column("signed", _("Signed"), "money"),
            Column("registered", _("Registered"), "money"),
            Column("received", _("Received"), "money"),
        ],
        rows,
        total=total,
        note=_("Cancelled deals are left out."),
    )
    spec = {
        "type": "bar",
        "unit": _("10k CNY"),
        "categories": [r["month"] for r in rows],
        "series": [
            {"name": _("Signed"), "data": [wan_number(r["signed"]) for r in rows]},
            {"name": _("Registered"), "data": [wan_number(r["registered"]) for r in rows]},
            {"name": _("Received"), "data": [wan_number(r["received"]) for r in rows]},
        ],
    }
    return table, Chart("chart-turnover", title, spec)


def deals_of(
    where, period: Period, name: str, title: str, columns: list[str], *, schedule: bool = False, note: str | None = None
) -> Table:
    """Live deals matching `where` (largest first): value, money received in all and in the period,
    what remains and, with `schedule`, the next instalment due. `columns` picks what is shown."""
    paid = received_in(period)
    query = (
        sa.select(Deal, sa.func.coalesce(paid.c.amount, 0))
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(where, Deal.cancelled_at.is_(None))
        .order_by(Deal.contract_value.desc(), Deal.id)
    )
    found = db.session.execute(query).all()
    due = next_instalments([deal for deal, _amount in found]) if schedule else {}
    rows = []
    for deal, in_period in found:
        day, amount = due.get(deal.id, (None, None))
        rows.append(
            {
                "title": deal.title,
                "need_party": deal.need_party,
                "provider_party": deal.provider_party,
                "state": deal.state.label,
                "value": deal.contract_value,
                "received": deal.received_total,
                "in_period": int(in_period),
                "remaining": deal.remaining,
                "due_on": day,
                "due": amount,
                "_link": f"/deals/{deal.id}",
            }
        )
    every = {
        "title": Column("title", _("Contract")),
        "need_party": Column("need_party", _("Need side")),
        "provider_party": Column("provider_party", _("Provider side")),
        "state": Column("state", _("State")),
        "value": Column("value", _("Contract value"), "money"),
        "received": Column("received", _("Received"), "money"),
        "in_period": Column("in_period", _("Received in the period"), "money"),
        "remaining": Column("remaining", _("Still to be paid"), "money"),
        "due_on": Column("due_on", _("Next instalment due"), "date"),
        "due": Column("due", _("Next instalment amount"), "money"),
    }
    summed = [k for k in ("value", "received", "in_period", "remaining", "due") if k in columns]
    total = {"title": _("Total"), **{k: sum(r[k] or 0 for r in rows) for k in summed}}
    return Table(
        name,
        title,
        [every[k] for k in columns],
        rows,
        total=total,
        note=note or _("Live deals only: cancelled deals are left out."),
    )


def next_instalments(deals: list[Deal]) -> dict[int, tuple[date, int]]:
    """Per deal, the first instalment of the schedule not yet covered by the money received, and how
    much of it is still due (payments are applied to the schedule in date order)."""
    from webapp.deals.models import PaymentInstalment

    ids = [d.id for d in deals]
    if not ids:
        return {}
    received = {d.id: d.received_total for d in deals}
    out: dict[int, tuple[date, int]] = {}
    cumulative: dict[int, int] = {}
    for row in db.session.scalars(
        sa.select(PaymentInstalment)
        .where(PaymentInstalment.deal_id.in_(ids))
        .order_by(PaymentInstalment.deal_id, PaymentInstalment.due_on, PaymentInstalment.id)
    ):
        if row.deal_id in out:
            continue
        cumulative[row.deal_id] = cumulative.get(row.deal_id, 0) + row.amount
        if cumulative[row.deal_id] > received[row.deal_id]:
            out[row.deal_id] = (row.due_on, min(row.amount, cumulative[row.deal_id] - received[row.deal_id]))
    return out
