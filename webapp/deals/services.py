"""The deal ledger's services: the contract's steps of a deal once opened (its value, signing,
registering), the payment schedule, payments received and cancelling; with the input checks and
the announcements every step shares. Opening deals is in `webapp.deals.opening`, who may do what in
`webapp.deals.access`, the turnover figures in `webapp.deals.turnover`.

Like every service, nothing here commits; the caller does.

Money is whole 元 (int). The money received is kept on the deal (`received_total`) in the same
transaction as the payment, by a conditional UPDATE (`… WHERE received_total + :amount <=
contract_value`), and a CHECK constraint refuses anything above the value: two payments recorded at
the same moment cannot together exceed it.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit, clock
from webapp.core.db import utcnow
from webapp.core.formatting import format_day
from webapp.core.money import format_money, wan_figure
from webapp.core.permissions import require
from webapp.deals import signals
from webapp.deals.access import can_manage
from webapp.deals.models import Deal, DealState, LedgerRevision, Payment, PaymentInstalment
from webapp.extensions import db

TITLE_MAX = 200
NOTE_MAX = 1000
REGISTRATION_MAX = 40


class DealError(ValueError):
    """Bad input or a step the deal's state does not allow; the message is for the user. `field`
    names the input it concerns (the service's parameter), `conflict` marks a step the deal's
    state refuses, whatever the input."""

    def __init__(self, message: str, *, field: str | None = None, conflict: bool = False):
        super().__init__(message)
        self.errors = {field: message} if field else None
        self.conflict = conflict


# ---------------------------------------------------------------- input checks


def check_amount(value, what: str, field: str | None = None) -> int:
    """A positive whole number of 元; floats are refused (parse 万元 with `webapp.core.money`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DealError(_("%(what)s must be a whole number of yuan.", what=what), field=field)
    if value <= 0:
        raise DealError(_("%(what)s must be more than zero.", what=what), field=field)
    return value


def clean_text(value: str | None, limit: int, *, required: str | None = None, field: str | None = None) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise DealError(required, field=field)
        return None
    if len(value) > limit:
        raise DealError(_("The text is too long (at most %(count)d characters).", count=limit), field=field)
    return value


def _not_future(day: date, what: str, field: str) -> date:
    if not isinstance(day, date):
        raise DealError(_("%(what)s: give a date.", what=what), field=field)
    if day > clock.today():
        raise DealError(_("%(what)s cannot be in the future.", what=what), field=field)
    return day


def check_open(deal: Deal) -> None:
    if deal.cancelled_at is not None:
        raise DealError(_("This deal was cancelled."), conflict=True)


def snapshot(deal: Deal) -> dict:
    return audit.changes(
        deal, ["contract_value", "received_total", "signed_on", "registration_no", "registered_on", "cancelled_at"]
    ) | {"state": deal.state}


def ledger_changed(*days: date | None) -> None:
    """The turnover figures change with this transaction: the ledger's revision goes up by one (the
    figures' version, whatever order concurrent transactions commit in), and `signals.ledger_changed`
    says so (the dashboard computes its shared figures again after the commit, for the current periods
    and the years of `days`)."""
    bumped = db.session.execute(
        sa.update(LedgerRevision)
        .where(LedgerRevision.id == 1)
        .values(number=LedgerRevision.number + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not bumped:
        db.session.add(LedgerRevision(id=1, number=1))
        db.session.flush()
    signals.ledger_changed.send(None, days=days)


def announce_paid(deal: Deal, before: DealState) -> None:
    """The one place a deal becomes paid in full: `signals.paid_in_full` tells the packages above
    (the performance report falls due in this transaction)."""
    if deal.state is DealState.PAID and before is not DealState.PAID:
        signals.paid_in_full.send(deal)


def notify_parties(deal: Deal, kind: str, actor, **params) -> None:
    """Tell the parties' contacts (and the credited broker when someone else acted)."""
    from webapp.accounts.models import User
    from webapp.notifications.services import notify

    ids = set(deal.party_user_ids)
    if deal.broker_id is not None:
        ids.add(deal.broker_id)
    ids.discard(getattr(actor, "id", None))
    for user_id in sorted(ids):
        user = db.session.get(User, user_id)
        if user is not None and user.active:
            notify(user, kind, link=f"/deals/{deal.id}", title=deal.title, **params)


# ---------------------------------------------------------------- the contract's steps


def set_value(user, deal: Deal, contract_value: int) -> None:
    """Correct the contract value; never below what was already received."""
    require(can_manage(deal, user))
    check_open(deal)
    value = check_amount(contract_value, _("The contract value"), "contract_value")
    before = snapshot(deal)
    done = db.session.execute(
        sa.update(Deal)
        .where(Deal.id == deal.id, Deal.received_total <= value)
        .values(contract_value=value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(deal)
    if not done:
        raise DealError(
            _(
                "The value cannot be less than the %(amount)s already received.",
                amount=format_money(deal.received_total),
            ),
            field="contract_value",
        )
    if _scheduled(deal) > value:
        raise DealError(_("The payment schedule adds up to more than the contract value."), field="contract_value")
    audit.record("deal.value", deal, actor=user, before=before, after=snapshot(deal))
    ledger_changed(deal.signed_on, deal.registered_on)
    announce_paid(deal, before["state"])


def sign(user, deal: Deal, signed_on: date) -> None:
    require(can_manage(deal, user))
    check_open(deal)
    if deal.signed_on is not None:
        raise DealError(_("This contract is already signed."), conflict=True)
    before = snapshot(deal)
    deal.signed_on = _not_future(signed_on, _("The signing date"), "signed_on")
    db.session.flush()
    audit.record("deal.sign", deal, actor=user, before=before, after=snapshot(deal))
    ledger_changed(deal.signed_on)
    notify_parties(deal, "deal.signed", user, day=format_day(deal.signed_on))


def register(user, deal: Deal, registration_no: str, registered_on: date) -> None:
    """Record the technology-contract registration (技术合同登记号 and date)."""
    require(can_manage(deal, user))
    check_open(deal)
    if deal.signed_on is None:
        raise DealError(_("Only a signed contract can be registered."), conflict=True)
    if deal.registration_no is not None:
        raise DealError(_("This contract is already registered."), conflict=True)
    number = clean_text(
        registration_no, REGISTRATION_MAX, required=_("Give the registration number."), field="registration_no"
    )
    day = _not_future(registered_on, _("The registration date"), "registered_on")
    if day < deal.signed_on:
        raise DealError(_("The contract cannot be registered before it was signed."), field="registered_on")
    if db.session.scalar(sa.select(Deal.id).where(Deal.registration_no == number)) is not None:
        raise DealError(
            _("Registration number %(number)s is already used by another deal.", number=number),
            field="registration_no",
        )
    before = snapshot(deal)
    deal.registration_no, deal.registered_on = number, day
    db.session.flush()
    audit.record("deal.register", deal, actor=user, before=before, after=snapshot(deal))
    ledger_changed(deal.registered_on)
    notify_parties(deal, "deal.registered", user, number=number)


def _scheduled(deal: Deal) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PaymentInstalment.amount), 0)).where(
                PaymentInstalment.deal_id == deal.id
            )
        )
        or 0
    )


def replace_instalments(user, deal: Deal, instalments: list[tuple[date, int]]) -> list[PaymentInstalment]:
    """Set the payment schedule (due date, amount in 元); it may not add up to more than the value."""
    require(can_manage(deal, user))
    check_open(deal)
    rows = []
    for due_on, amount in instalments:
        if not isinstance(due_on, date):
            raise DealError(_("Each instalment needs its due date."), field="instalments")
        rows.append((due_on, check_amount(amount, _("An instalment"), "instalments")))
    total = sum(amount for _day, amount in rows)
    if total > deal.contract_value:
        raise DealError(_("The payment schedule adds up to more than the contract value."), field="instalments")
    before = [(i.due_on.isoformat(), i.amount) for i in deal.instalments]
    db.session.execute(sa.delete(PaymentInstalment).where(PaymentInstalment.deal_id == deal.id))
    made = [PaymentInstalment(deal_id=deal.id, due_on=day, amount=amount) for day, amount in sorted(rows)]
    db.session.add_all(made)
    db.session.flush()
    db.session.expire(deal, ["instalments"])
    audit.record(
        "deal.schedule",
        deal,
        actor=user,
        before={"schedule": before},
        after={"schedule": [(d.isoformat(), a) for d, a in sorted(rows)], "total": total},
    )
    return made


def add_instalment(user, deal: Deal, due_on: date, amount: int) -> PaymentInstalment:
    current = [(i.due_on, i.amount) for i in deal.instalments]
    made = replace_instalments(user, deal, current + [(due_on, amount)])
    return next(i for i in made if i.due_on == due_on and i.amount == amount)


def record_payment(user, deal: Deal, received_on: date, amount: int, evidence: str | None = None) -> Payment:
    """Money received on a signed deal; never more than what remains of the value, whatever another
    request recorded at the same moment (conditional UPDATE, and the database's CHECK)."""
    require(can_manage(deal, user))
    check_open(deal)
    if deal.signed_on is None:
        raise DealError(_("Payments are recorded on signed contracts only."), conflict=True)
    if deal.remaining <= 0:
        raise DealError(_("This deal is paid in full."), conflict=True)
    amount = check_amount(amount, _("The amount received"), "amount")
    day = _not_future(received_on, _("The date received"), "received_on")
    if day < deal.signed_on:
        raise DealError(_("Money cannot be received before the contract was signed."), field="received_on")
    evidence = clean_text(evidence, NOTE_MAX, field="evidence")
    before = snapshot(deal)
    done = db.session.execute(
        sa.update(Deal)
        .where(Deal.id == deal.id, Deal.cancelled_at.is_(None), Deal.received_total + amount <= Deal.contract_value)
        .values(received_total=Deal.received_total + amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(deal)
    if not done:
        check_open(deal)
        raise DealError(
            _(
                "%(amount)s is more than the %(remaining)s still to be received.",
                amount=format_money(amount),
                remaining=format_money(deal.remaining),
            ),
            field="amount",
            conflict=deal.remaining <= 0,
        )
    payment = Payment(deal_id=deal.id, received_on=day, amount=amount, evidence=evidence, recorded_by_id=user.id)
    db.session.add(payment)
    db.session.flush()
    db.session.expire(deal, ["payments"])
    audit.record(
        "deal.payment",
        deal,
        actor=user,
        before=before,
        after=snapshot(deal) | {"payment": payment.id, "amount": amount, "received_on": day.isoformat()},
    )
    ledger_changed(day)
    announce_paid(deal, before["state"])
    # The text reads "… (10k CNY) received": the amount goes in as a bare number of 万元, in no language.
    notify_parties(deal, "deal.payment", user, amount=wan_figure(amount), day=format_day(day))
    return payment


def cancel(user, deal: Deal, reason: str) -> None:
    """Cancel a deal with a reason; a fully paid deal stays as it is."""
    require(can_manage(deal, user))
    check_open(deal)
    reason = clean_text(reason, NOTE_MAX, required=_("Give the reason for cancelling."), field="reason")
    before = snapshot(deal)
    done = db.session.execute(
        sa.update(Deal)
        .where(Deal.id == deal.id, Deal.cancelled_at.is_(None), Deal.received_total < Deal.contract_value)
        .values(cancelled_at=utcnow(), cancel_reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(deal)
    if not done:
        check_open(deal)
        raise DealError(_("A fully paid deal cannot be cancelled."), conflict=True)
    audit.record("deal.cancel", deal, actor=user, before=before, after=snapshot(deal) | {"reason": reason})
    ledger_changed(deal.signed_on, deal.registered_on, *(payment.received_on for payment in deal.payments))
    notify_parties(deal, "deal.cancelled", user, reason=reason)
