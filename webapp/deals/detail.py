"""What a deal's page shows: its steps, the schedule against the money received, payments with
their evidence, the files, and the deal's own audit events; with the forms of those who keep it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from webapp.achievements.models import Achievement
from webapp.challenges.models import Challenge
from webapp.core import clock
from webapp.core.audit import AuditEvent
from webapp.core.formatting import format_day
from webapp.core.money import format_money, wan_text
from webapp.deals import access, files
from webapp.deals.forms import (
    SCHEDULE_ROWS,
    CancelForm,
    FieldForm,
    FileForm,
    PaymentForm,
    RegisterForm,
    ScheduleForm,
    SignForm,
    ValueForm,
)
from webapp.deals.models import Deal, DealFileKind, DealState
from webapp.extensions import db
from webapp.matching.permissions import can_view_introduction

STEPS = (DealState.NEGOTIATING, DealState.SIGNED, DealState.REGISTERED, DealState.PAYING, DealState.PAID)


@dataclass
class Step:
    state: DealState
    done: bool
    current: bool


@dataclass
class ScheduleLine:
    due_on: date
    amount: int
    cumulative: int
    status: str  # paid, part, overdue, due


def steps(deal: Deal) -> list[Step]:
    reached = {
        DealState.NEGOTIATING: True,
        DealState.SIGNED: deal.signed_on is not None,
        DealState.REGISTERED: deal.registered_on is not None,
        DealState.PAYING: deal.received_total > 0,
        DealState.PAID: deal.received_total >= deal.contract_value,
    }
    state = deal.state
    return [Step(s, reached[s], s is state) for s in STEPS]


def percent(deal: Deal) -> int:
    return deal.received_total * 100 // deal.contract_value if deal.contract_value else 0


def schedule(deal: Deal, today: date | None = None) -> list[ScheduleLine]:
    """Each instalment is paid once the money received covers it and every earlier one."""
    today = today or clock.today()
    lines, cumulative = [], 0
    for item in deal.instalments:
        before, cumulative = cumulative, cumulative + item.amount
        if deal.received_total >= cumulative:
            status = "paid"
        elif deal.received_total > before:
            status = "part"
        else:
            status = "overdue" if item.due_on < today and deal.cancelled_at is None else "due"
        lines.append(ScheduleLine(item.due_on, item.amount, cumulative, status))
    return lines


def events(deal: Deal) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.object_type == Deal.__tablename__, AuditEvent.object_id == deal.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def event_detail(event: AuditEvent) -> str:
    """One line on what the event changed, in the reader's language."""
    after = event.after or {}
    if event.action == "deal.payment" and after.get("amount"):
        return format_money(after["amount"])
    if event.action in ("deal.create", "deal.value") and after.get("contract_value"):
        return format_money(after["contract_value"])
    if event.action == "deal.sign" and after.get("signed_on"):
        return format_day(date.fromisoformat(str(after["signed_on"])[:10]))
    if event.action == "deal.register":
        return after.get("registration_no") or ""
    if event.action == "deal.cancel":
        return after.get("reason") or ""
    if event.action == "deal.file":
        return after.get("filename") or ""
    if event.action == "deal.schedule":
        return _(
            "%(count)d instalments, %(total)s",
            count=len(after.get("schedule") or []),
            total=format_money(after.get("total") or 0),
        )
    if event.action == "deal.field":
        from webapp.taxonomy.models import TechField

        field = db.session.get(TechField, after["field"]) if after.get("field") else None
        return field.name if field else _("no field")
    return ""


def blank_forms(deal: Deal) -> dict:
    """Every form of the page, empty or holding the deal's current values."""
    value = ValueForm(formdata=None)
    value.value.data = wan_text(deal.contract_value)
    field = FieldForm(formdata=None)
    field.field.data = str(deal.field_id) if deal.field_id else ""
    sched = ScheduleForm(
        formdata=None,
        data={"rows": [{"due_on": item.due_on, "amount": wan_text(item.amount)} for item in deal.instalments]},
    )
    while len(sched.rows) < len(deal.instalments) + SCHEDULE_ROWS // 2 or len(sched.rows) < SCHEDULE_ROWS:
        sched.rows.append_entry()
    return {
        "value": value,
        "sign": SignForm(formdata=None),
        "register": RegisterForm(formdata=None),
        "schedule": sched,
        "payment": PaymentForm(formdata=None),
        "file": FileForm(formdata=None),
        "field": field,
        "cancel": CancelForm(formdata=None),
    }


def render_detail(deal: Deal, bound: dict | None = None, status: int = 200):
    """The page; `bound` holds a submitted form that goes back with its data and errors."""
    manage = access.can_manage(deal, current_user)
    forms = {}
    if manage:
        forms = blank_forms(deal) | (bound or {})
    deal_files = files.files_of(deal)
    by_payment: dict[int, list] = {}
    for stored in deal_files:
        if stored.payment_id is not None:
            by_payment.setdefault(stored.payment_id, []).append(stored)
    return render_template(
        "deals/detail.html",
        deal=deal,
        state=deal.state,
        steps=steps(deal),
        percent=percent(deal),
        schedule=schedule(deal),
        scheduled=sum(i.amount for i in deal.instalments),
        by_payment=by_payment,
        documents=[f for f in deal_files if f.kind is not DealFileKind.PAYMENT],
        events=events(deal),
        event_detail=event_detail,
        manage=manage,
        forms=forms,
        links=links(deal),
        open_=deal.cancelled_at is None,
        submitted=set(bound or {}),
    ), status


def links(deal: Deal) -> dict:
    """Where the deal came from, each only if the reader may open it."""
    out = {}
    if deal.introduction is not None:
        if can_view_introduction(deal.introduction, current_user):
            out["introduction"] = deal.introduction
        out["need"] = deal.introduction.suggestion.need
    if deal.challenge_id is not None:
        out["challenge"] = db.session.get(Challenge, deal.challenge_id)
    if deal.achievement_id is not None:
        out["achievement"] = db.session.get(Achievement, deal.achievement_id)
    return out
