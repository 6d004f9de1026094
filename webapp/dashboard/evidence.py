"""An agency's subsidy evidence pack (补贴证明材料) for a period: one `.xlsx` with a sheet per part —
the cover with the totals and the rule, the contracts, the payments received, the totals per broker,
and the agency's cancelled deals (listed, never counted).

The rule: the subsidy counts money received (到账) in the period on live contracts registered with a
technology-contract registration office by the period's last day. Every amount is whole 元, so that
an auditor adding up a column gets the cover's figure exactly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from webapp.core import audit, clock, spreadsheet
from webapp.core.db import utcnow
from webapp.core.permissions import require
from webapp.dashboard import periods
from webapp.dashboard.personal_board import on_days, received_in, within
from webapp.dashboard.tables import XLSX, Column, Table, write_sheet
from webapp.deals.models import Deal, DealFile, Payment
from webapp.extensions import db

bp = Blueprint("evidence", __name__)


def can_download(user, agency_id: int) -> bool:
    """Administrators, for any agency; a broker, for the agency they work for."""
    from webapp.accounts.models import Role

    if user is None or not user.is_authenticated or not user.active:
        return False
    return user.role is Role.ADMIN or (user.role is Role.BROKER and user.organisation_id == agency_id)


@dataclass
class Pack:
    agency: object
    period: periods.Period
    contracts: Table
    payments: Table
    brokers: Table
    cancelled: Table
    totals: dict = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        return [self.contracts, self.payments, self.brokers, self.cancelled]


def _beijing_day(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    return clock.local(moment).date()


def _yes(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def _in_period(day: date | None, period: periods.Period) -> bool:
    return day is not None and period.start <= day <= period.end


def build(agency, period: periods.Period) -> Pack:
    """The pack's tables, read from the ledger (no permission check: see `download`)."""
    paid = received_in(period)
    mine = Deal.agency_id == agency.id
    listed = db.session.execute(
        sa.select(Deal, sa.func.coalesce(paid.c.amount, 0))
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(
            mine, Deal.cancelled_at.is_(None), sa.or_(on_days(Deal.registered_on, period), paid.c.amount.is_not(None))
        )
    ).all()
    listed.sort(key=lambda pair: (pair[0].registered_on or date.max, pair[0].id))

    def counts(deal: Deal) -> bool:
        return deal.registered_on is not None and deal.registered_on <= period.end

    contract_rows = []
    for deal, amount in listed:
        contract_rows.append(
            {
                "title": deal.title,
                "type": deal.contract_type.label,
                "need_party": deal.need_party,
                "provider_party": deal.provider_party,
                "value": deal.contract_value,
                "signed_on": deal.signed_on,
                "registration_no": deal.registration_no,
                "registered_on": deal.registered_on,
                "registered_value": deal.contract_value if _in_period(deal.registered_on, period) else None,
                "broker": deal.broker.name if deal.broker else "",
                "in_period": int(amount),
                "counted": int(amount) if counts(deal) else 0,
            }
        )
    contracts = Table(
        "contracts",
        _("Contract list"),
        [
            Column("title", _("Contract")),
            Column("type", _("Contract type")),
            Column("need_party", _("Need side")),
            Column("provider_party", _("Provider side")),
            Column("value", _("Contract value"), "yuan"),
            Column("signed_on", _("Signed on"), "date"),
            Column("registration_no", _("Registration number")),
            Column("registered_on", _("Registered on"), "date"),
            Column("registered_value", _("Value registered in the period"), "yuan"),
            Column("broker", _("Broker")),
            Column("in_period", _("Received in the period"), "yuan"),
            Column("counted", _("Received in the period, counted"), "yuan"),
        ],
        contract_rows,
        total={
            "title": _("Total"),
            **{k: sum(r[k] or 0 for r in contract_rows) for k in ("registered_value", "in_period", "counted")},
        },
        note=_(
            "Live deals credited to the agency that were registered or received money in the period. Money "
            "received counts only on contracts registered by the period's last day."
        ),
    )

    deals = {deal.id: deal for deal, _amount in listed}
    payment_rows = []
    found = (
        list(
            db.session.scalars(
                sa.select(Payment)
                .where(Payment.deal_id.in_(list(deals)), on_days(Payment.received_on, period))
                .order_by(Payment.received_on, Payment.id)
            )
        )
        if deals
        else []
    )
    files: dict[int, list[str]] = {}
    if found:
        for payment_id, name in db.session.execute(
            sa.select(DealFile.payment_id, DealFile.filename)
            .where(DealFile.payment_id.in_([p.id for p in found]))
            .order_by(DealFile.id)
        ):
            files.setdefault(payment_id, []).append(name)
    for payment in found:
        deal = deals[payment.deal_id]
        payment_rows.append(
            {
                "deal": deal.title,
                "registration_no": deal.registration_no,
                "received_on": payment.received_on,
                "amount": payment.amount,
                "counted": payment.amount if counts(deal) else None,
                "evidence": payment.evidence or "",
                "files": "; ".join(files.get(payment.id, [])),
            }
        )
    payments = Table(
        "payments",
        _("Payments received"),
        [
            Column("deal", _("Contract")),
            Column("registration_no", _("Registration number")),
            Column("received_on", _("Received on"), "date"),
            Column("amount", _("Amount"), "yuan"),
            Column("counted", _("Counted"), "yuan"),
            Column("evidence", _("Evidence note")),
            Column("files", _("Evidence files")),
        ],
        payment_rows,
        total={
            "deal": _("Total"),
            "amount": sum(r["amount"] for r in payment_rows),
            "counted": sum(r["counted"] or 0 for r in payment_rows),
        },
    )

    per_broker: dict[str, dict] = {}
    for row in contract_rows:
        entry = per_broker.setdefault(
            row["broker"], {"broker": row["broker"], "deals": 0, "registered_value": 0, "in_period": 0, "counted": 0}
        )
        entry["deals"] += 1
        for key in ("registered_value", "in_period", "counted"):
            entry[key] += row[key] or 0
    broker_rows = sorted(per_broker.values(), key=lambda r: (-r["counted"], r["broker"]))
    brokers = Table(
        "brokers",
        _("By broker"),
        [
            Column("broker", _("Broker")),
            Column("deals", _("Deals"), "int"),
            Column("registered_value", _("Value registered in the period"), "yuan"),
            Column("in_period", _("Received in the period"), "yuan"),
            Column("counted", _("Received in the period, counted"), "yuan"),
        ],
        broker_rows,
        total={
            "broker": _("Total"),
            **{k: sum(r[k] for r in broker_rows) for k in ("deals", "registered_value", "in_period", "counted")},
        },
    )

    gone = db.session.execute(
        sa.select(Deal, sa.func.coalesce(paid.c.amount, 0))
        .outerjoin(paid, paid.c.deal_id == Deal.id)
        .where(
            mine,
            Deal.cancelled_at.is_not(None),
            sa.or_(within(Deal.cancelled_at, period), on_days(Deal.registered_on, period), paid.c.amount.is_not(None)),
        )
        .order_by(Deal.cancelled_at, Deal.id)
    ).all()
    cancelled = Table(
        "cancelled",
        _("Cancelled deals"),
        [
            Column("title", _("Contract")),
            Column("need_party", _("Need side")),
            Column("provider_party", _("Provider side")),
            Column("value", _("Contract value"), "yuan"),
            Column("registration_no", _("Registration number")),
            Column("registered_on", _("Registered on"), "date"),
            Column("cancelled_on", _("Cancelled on"), "date"),
            Column("reason", _("Reason")),
            Column("in_period", _("Received in the period (not counted)"), "yuan"),
        ],
        [
            {
                "title": d.title,
                "need_party": d.need_party,
                "provider_party": d.provider_party,
                "value": d.contract_value,
                "registration_no": d.registration_no,
                "registered_on": d.registered_on,
                "cancelled_on": _beijing_day(d.cancelled_at),
                "reason": d.cancel_reason,
                "in_period": int(amount),
            }
            for d, amount in gone
        ],
        note=_("Cancelled deals count nowhere: they are listed here and left out of every total."),
    )

    totals = {
        "deals": len(contract_rows),
        "registered": contracts.total["registered_value"],
        "received": contracts.total["counted"],
        "not_counted": contracts.total["in_period"] - contracts.total["counted"],
        "cancelled": len(cancelled.rows),
    }
    return Pack(agency, period, contracts, payments, brokers, cancelled, totals)


def _cover(book: Workbook, pack: Pack, user, made_at: datetime) -> None:
    sheet = book.active
    sheet.title = _("Cover")
    spreadsheet.append(sheet, [_("Subsidy evidence pack")])
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    lines = [
        (_("Agency"), pack.agency.name, None),
        (_("Period"), f"{pack.period.start.isoformat()} – {pack.period.end.isoformat()}", None),
        (_("Made at"), clock.local(made_at).strftime("%Y-%m-%d %H:%M"), None),
        (_("Made by"), user.name, None),
        (_("Deals in the pack"), pack.totals["deals"], "#,##0"),
        (_("Contract value of deals registered in the period (CNY)"), pack.totals["registered"], "#,##0"),
        (_("Money received in the period (CNY)"), pack.totals["received"], "#,##0"),
        (
            _("Money received in the period on contracts not registered by its last day, not counted (CNY)"),
            pack.totals["not_counted"],
            "#,##0",
        ),
        (_("Cancelled deals, listed separately and not counted"), pack.totals["cancelled"], "#,##0"),
        (
            _("Rule used"),
            _(
                "Subsidy counts money received (到账) in the period on registered, live contracts; "
                "cancelled deals count nowhere."
            ),
            None,
        ),
    ]
    sheet.append([])
    for label, value, number_format in lines:
        spreadsheet.append(sheet, [label, value], [None, number_format])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
        sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 60
    sheet.column_dimensions["B"].width = 60


def workbook(pack: Pack, user, made_at: datetime) -> bytes:
    book = Workbook()
    _cover(book, pack, user, made_at)
    taken = {book.active.title.lower()}
    heading = [
        _(
            "%(agency)s, %(start)s to %(end)s",
            agency=pack.agency.name,
            start=pack.period.start.isoformat(),
            end=pack.period.end.isoformat(),
        )
    ]
    for table in pack.tables:
        write_sheet(book, table, taken, heading)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def download(user, agency, period: periods.Period) -> bytes:
    """The pack as `.xlsx`, with the audit event of its download (the caller commits)."""
    require(can_download(user, agency.id))
    pack = build(agency, period)
    made_at = utcnow()
    content = workbook(pack, user, made_at)
    audit.record(
        "deal.evidence_export",
        agency,
        actor=user,
        after={
            "agency": agency.id,
            "agency_name": agency.name,
            "period": period.slug,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            **pack.totals,
        },
    )
    db.session.flush()
    return content


def _back():
    from webapp.accounts.models import Role

    if current_user.role is Role.ADMIN and "dashboard.index" in current_app.view_functions:
        return redirect(url_for("dashboard.index"))
    return redirect(url_for("my_dashboard.index"))


@bp.get("/dashboard/agency/<int:org_id>/evidence.xlsx")
@login_required
def agency_pack(org_id: int):
    from webapp.accounts.models import Organisation, OrgKind

    require(can_download(current_user, org_id))
    agency = db.session.get(Organisation, org_id)
    if agency is None or agency.kind is not OrgKind.AGENCY:
        abort(404)
    try:
        period = periods.parse(request.args)
    except periods.PeriodError as exc:
        flash(_("The evidence pack was not made: %(error)s", error=str(exc)), "warning")
        return _back()
    content = download(current_user, agency, period)
    db.session.commit()
    filename = _("%(agency)s evidence pack %(period)s.xlsx", agency=agency.name, period=period.slug)
    response = send_file(io.BytesIO(content), mimetype=XLSX, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response
