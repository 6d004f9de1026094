"""The deal ledger's services: opening deals (from an introduction, a challenge award, or
directly), signing, registering, the payment schedule, payments received, cancelling, and the
turnover figures read from the ledger.

Brokers and admins keep deals: an admin any deal, a broker the deals they are credited with. The two
parties may view their deal. Like every service, nothing here commits; the caller does.

Money is whole 元 (int). The money received is kept on the deal (`received_total`) in the same
transaction as the payment, by a conditional UPDATE (`… WHERE received_total + :amount <=
contract_value`), and a CHECK constraint refuses anything above the value: two payments recorded at
the same moment cannot together exceed it.

Turnover: cancelled deals count nowhere — neither signed, registered nor received (money received on
a deal later cancelled is returned or disputed, and the district's figures count live contracts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit, clock
from webapp.core.db import utcnow
from webapp.core.formatting import format_day
from webapp.core.money import format_money, wan_figure
from webapp.core.permissions import require
from webapp.deals import signals
from webapp.deals.models import ContractType, Deal, LedgerRevision, Payment, PaymentInstalment
from webapp.extensions import db

TITLE_MAX = 200
NOTE_MAX = 1000
REGISTRATION_MAX = 40


class DealError(ValueError):
    """Bad input or a step the deal's state does not allow; the message is for the user."""


# ---------------------------------------------------------------- who may do what


def _role(user):
    from webapp.accounts.models import Role

    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", True):
        return None
    return user.role if isinstance(user.role, Role) else Role(user.role)


def can_create(user) -> bool:
    from webapp.accounts.models import Role

    return _role(user) in (Role.BROKER, Role.ADMIN)


def can_manage(deal: Deal, user) -> bool:
    """Admins keep every deal; a broker the deals they are credited with."""
    from webapp.accounts.models import Role

    role = _role(user)
    return role is Role.ADMIN or (role is Role.BROKER and deal.broker_id == user.id)


def can_view(deal: Deal, user) -> bool:
    """A deal is for those named on it: admins, the credited broker and the brokers of the credited
    agency, and the two parties' contacts. Membership of a party's organisation is not enough: a
    university's other researchers and experts see none of its deals or payment evidence."""
    from webapp.accounts.models import Role

    if can_manage(deal, user):
        return True
    role = _role(user)
    if role is None:
        return False
    if user.id in deal.party_user_ids:
        return True
    return role is Role.BROKER and deal.agency_id is not None and user.organisation_id == deal.agency_id


def deals_for(user):
    """A select of the deals `user` may see (the rule of can_view), newest first."""
    from webapp.accounts.models import Role

    query = sa.select(Deal).order_by(Deal.created_at.desc(), Deal.id.desc())
    role = _role(user)
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


# ---------------------------------------------------------------- input checks


def _amount(value, what: str) -> int:
    """A positive whole number of 元; floats are refused (parse 万元 with `webapp.core.money`)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DealError(_("%(what)s must be a whole number of yuan.", what=what))
    if value <= 0:
        raise DealError(_("%(what)s must be more than zero.", what=what))
    return value


def _text(value: str | None, limit: int, *, required: str | None = None) -> str | None:
    value = " ".join((value or "").split())
    if not value:
        if required:
            raise DealError(required)
        return None
    if len(value) > limit:
        raise DealError(_("The text is too long (at most %(count)d characters).", count=limit))
    return value


def _not_future(day: date, what: str) -> date:
    if not isinstance(day, date):
        raise DealError(_("%(what)s: give a date.", what=what))
    if day > clock.today():
        raise DealError(_("%(what)s cannot be in the future.", what=what))
    return day


def _open(deal: Deal) -> None:
    if deal.cancelled_at is not None:
        raise DealError(_("This deal was cancelled."))


def _snapshot(deal: Deal) -> dict:
    return audit.changes(
        deal, ["contract_value", "received_total", "signed_on", "registration_no", "registered_on", "cancelled_at"]
    ) | {"state": deal.state}


def _ledger_changed(*days: date | None) -> None:
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


def _notify(deal: Deal, kind: str, actor, **params) -> None:
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


# ---------------------------------------------------------------- opening deals


@dataclass
class Parties:
    need_party: str
    provider_party: str
    need_org_id: int | None = None
    need_user_id: int | None = None
    provider_org_id: int | None = None
    provider_user_id: int | None = None
    achievement_id: int | None = None
    field_id: int | None = None  # the technical field the deal is reported under


def party_contact(email: str | None, org_id: int | None) -> int | None:
    """The user who speaks for one side of a contract, given by e-mail; they will see the deal. When
    the side is an organisation on the platform, its contact must be one of its members."""
    from webapp.accounts.models import User

    email = (email or "").strip().lower()
    if not email:
        return None
    contact = db.session.scalar(sa.select(User).where(User.email == email, User.active.is_(True)))
    if contact is None:
        raise DealError(_("No active account has the e-mail %(email)s.", email=email))
    if org_id is not None and contact.organisation_id != org_id:
        raise DealError(_("%(name)s is not a member of the organisation chosen for this side.", name=contact.name))
    return contact.id


def _agency_of(broker) -> int | None:
    return broker.organisation_id if broker is not None else None


def _open_deal(
    user,
    *,
    title: str,
    parties: Parties,
    contract_type: ContractType,
    contract_value: int,
    broker=None,
    source: dict,
    **links,
) -> Deal:
    if not isinstance(contract_type, ContractType):
        try:
            contract_type = ContractType(contract_type)
        except ValueError:
            raise DealError(_("Choose the type of contract.")) from None
    broker = broker or user
    deal = Deal(
        title=_text(title, TITLE_MAX, required=_("Give the deal a title.")),
        need_party=_text(parties.need_party, 200, required=_("Name the need side of the contract.")),
        provider_party=_text(parties.provider_party, 200, required=_("Name the provider side of the contract.")),
        need_org_id=parties.need_org_id,
        need_user_id=parties.need_user_id,
        provider_org_id=parties.provider_org_id,
        provider_user_id=parties.provider_user_id,
        achievement_id=parties.achievement_id,
        field_id=parties.field_id,
        contract_type=contract_type,
        contract_value=_amount(contract_value, _("The contract value")),
        received_total=0,
        broker_id=broker.id,
        agency_id=_agency_of(broker),
        created_by_id=user.id,
        **links,
    )
    db.session.add(deal)
    db.session.flush()
    audit.record(
        "deal.create",
        deal,
        actor=user,
        after=_snapshot(deal) | source | {"broker": deal.broker_id, "agency": deal.agency_id, "type": contract_type},
    )
    _ledger_changed(deal.signed_on)
    _notify(deal, "deal.opened", user, broker=broker.name or broker.email)
    return deal


def _broker_for(user, broker):
    """An admin may credit any broker; a broker credits themselves."""
    from webapp.accounts.models import Role

    if broker is None or broker.id == user.id:
        return user
    require(_role(user) is Role.ADMIN)
    if _role(broker) is not Role.BROKER:
        raise DealError(_("Only a technology broker can be credited with a deal."))
    return broker


def create_direct(
    user, *, title: str, parties: Parties, contract_type: ContractType, contract_value: int, broker=None
) -> Deal:
    """A deal entered by a broker (credited to themselves) or an admin (crediting any broker)."""
    require(can_create(user))
    return _open_deal(
        user,
        title=title,
        parties=parties,
        contract_type=contract_type,
        contract_value=contract_value,
        broker=_broker_for(user, broker),
        source={"source": "direct"},
    )


def create_from_introduction(
    user, introduction, *, contract_type: ContractType, contract_value: int, title: str | None = None
) -> Deal:
    """An accepted introduction becomes a negotiating deal between the need's and the achievement's
    sides, credited to the introducing broker and their agency; the introduction ends in a deal."""
    from webapp.accounts.models import Role
    from webapp.matching.models import IntroductionOutcome

    require(can_create(user) and (_role(user) is Role.ADMIN or introduction.broker_id == user.id))
    if introduction.outcome is IntroductionOutcome.NO_DEAL:
        raise DealError(_("This introduction ended without a deal."))
    if db.session.scalar(sa.select(Deal.id).where(Deal.introduction_id == introduction.id)) is not None:
        raise DealError(_("This introduction already has its deal."))
    need, achievement = introduction.suggestion.need, introduction.suggestion.achievement
    need_org = need.organisation or (need.owner.organisation if need.owner else None)
    parties = Parties(
        need_party=need_org.name if need_org else (need.owner.name if need.owner else ""),
        need_org_id=need_org.id if need_org else None,
        need_user_id=need.owner_id,
        provider_party=achievement.institution_label or (achievement.owner.name if achievement.owner else ""),
        provider_org_id=achievement.organisation_id,
        provider_user_id=achievement.owner_id,
        achievement_id=achievement.id,
        field_id=achievement.field_id or need.field_id,
    )
    broker = introduction.broker or user
    deal = _open_deal(
        user,
        title=title or achievement.title,
        parties=parties,
        contract_type=contract_type,
        contract_value=contract_value,
        broker=broker,
        source={"introduction": introduction.id},
        introduction_id=introduction.id,
    )
    if introduction.outcome is IntroductionOutcome.NEGOTIATING:
        introduction.outcome = IntroductionOutcome.DEAL
        introduction.closed_at = utcnow()
        db.session.flush()
        audit.record(
            "match.outcome",
            introduction,
            actor=user,
            before={"outcome": IntroductionOutcome.NEGOTIATING},
            after={"outcome": IntroductionOutcome.DEAL, "deal": deal.id},
        )
    return deal


def create_from_award(user, award, *, broker=None) -> Deal:
    """An awarded challenge's contract becomes a 技术开发 deal with the contract's value (one deal per
    winner), signed on the contract's date once both sides confirmed it."""
    require(can_create(user))
    challenge = award.challenge
    contract = challenge.contract
    if contract is None:
        raise DealError(_("The challenge has no contract yet."))
    if db.session.scalar(sa.select(Deal.id).where(Deal.award_id == award.id)) is not None:
        raise DealError(_("This award already has its deal."))
    application = award.application
    owner = challenge.owner
    need_org_id = challenge.organisation_id or (owner.organisation_id if owner else None)
    from webapp.accounts.models import Organisation

    need_org = db.session.get(Organisation, need_org_id) if need_org_id else None
    parties = Parties(
        need_party=need_org.name if need_org else (owner.name if owner else ""),
        need_org_id=need_org_id,
        need_user_id=challenge.owner_id,
        provider_party=application.lead_unit,
        provider_org_id=application.organisation_id,
        provider_user_id=application.applicant_id,
        field_id=challenge.field_id,
    )
    deal = _open_deal(
        user,
        title=challenge.title,
        parties=parties,
        contract_type=ContractType.DEVELOPMENT,
        contract_value=contract.value,
        broker=_broker_for(user, broker),
        source={"challenge": challenge.id, "award": award.id},
        challenge_id=challenge.id,
        award_id=award.id,
    )
    if contract.confirmed:
        deal.signed_on = contract.signed_on
        db.session.flush()
        _ledger_changed(deal.signed_on)
    return deal


# ---------------------------------------------------------------- the contract's steps


def set_value(user, deal: Deal, contract_value: int) -> None:
    """Correct the contract value; never below what was already received."""
    require(can_manage(deal, user))
    _open(deal)
    value = _amount(contract_value, _("The contract value"))
    before = _snapshot(deal)
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
            )
        )
    if _scheduled(deal) > value:
        raise DealError(_("The payment schedule adds up to more than the contract value."))
    audit.record("deal.value", deal, actor=user, before=before, after=_snapshot(deal))
    _ledger_changed(deal.signed_on, deal.registered_on)


def sign(user, deal: Deal, signed_on: date) -> None:
    require(can_manage(deal, user))
    _open(deal)
    if deal.signed_on is not None:
        raise DealError(_("This contract is already signed."))
    before = _snapshot(deal)
    deal.signed_on = _not_future(signed_on, _("The signing date"))
    db.session.flush()
    audit.record("deal.sign", deal, actor=user, before=before, after=_snapshot(deal))
    _ledger_changed(deal.signed_on)
    _notify(deal, "deal.signed", user, day=format_day(deal.signed_on))


def register(user, deal: Deal, registration_no: str, registered_on: date) -> None:
    """Record the technology-contract registration (技术合同登记号 and date)."""
    require(can_manage(deal, user))
    _open(deal)
    if deal.signed_on is None:
        raise DealError(_("Only a signed contract can be registered."))
    if deal.registration_no is not None:
        raise DealError(_("This contract is already registered."))
    number = _text(registration_no, REGISTRATION_MAX, required=_("Give the registration number."))
    day = _not_future(registered_on, _("The registration date"))
    if day < deal.signed_on:
        raise DealError(_("The contract cannot be registered before it was signed."))
    if db.session.scalar(sa.select(Deal.id).where(Deal.registration_no == number)) is not None:
        raise DealError(_("Registration number %(number)s is already used by another deal.", number=number))
    before = _snapshot(deal)
    deal.registration_no, deal.registered_on = number, day
    db.session.flush()
    audit.record("deal.register", deal, actor=user, before=before, after=_snapshot(deal))
    _ledger_changed(deal.registered_on)
    _notify(deal, "deal.registered", user, number=number)


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
    _open(deal)
    rows = []
    for due_on, amount in instalments:
        if not isinstance(due_on, date):
            raise DealError(_("Each instalment needs its due date."))
        rows.append((due_on, _amount(amount, _("An instalment"))))
    total = sum(amount for _day, amount in rows)
    if total > deal.contract_value:
        raise DealError(_("The payment schedule adds up to more than the contract value."))
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
    _open(deal)
    if deal.signed_on is None:
        raise DealError(_("Payments are recorded on signed contracts only."))
    amount = _amount(amount, _("The amount received"))
    day = _not_future(received_on, _("The date received"))
    if day < deal.signed_on:
        raise DealError(_("Money cannot be received before the contract was signed."))
    evidence = _text(evidence, NOTE_MAX)
    before = _snapshot(deal)
    done = db.session.execute(
        sa.update(Deal)
        .where(Deal.id == deal.id, Deal.cancelled_at.is_(None), Deal.received_total + amount <= Deal.contract_value)
        .values(received_total=Deal.received_total + amount, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(deal)
    if not done:
        _open(deal)
        raise DealError(
            _(
                "%(amount)s is more than the %(remaining)s still to be received.",
                amount=format_money(amount),
                remaining=format_money(deal.remaining),
            )
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
        after=_snapshot(deal) | {"payment": payment.id, "amount": amount, "received_on": day.isoformat()},
    )
    _ledger_changed(day)
    # The text reads "… (10k CNY) received": the amount goes in as a bare number of 万元, in no language.
    _notify(deal, "deal.payment", user, amount=wan_figure(amount), day=format_day(day))
    return payment


def cancel(user, deal: Deal, reason: str) -> None:
    """Cancel a deal with a reason; a fully paid deal stays as it is."""
    require(can_manage(deal, user))
    _open(deal)
    reason = _text(reason, NOTE_MAX, required=_("Give the reason for cancelling."))
    before = _snapshot(deal)
    done = db.session.execute(
        sa.update(Deal)
        .where(Deal.id == deal.id, Deal.cancelled_at.is_(None), Deal.received_total < Deal.contract_value)
        .values(cancelled_at=utcnow(), cancel_reason=reason, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(deal)
    if not done:
        _open(deal)
        raise DealError(_("A fully paid deal cannot be cancelled."))
    audit.record("deal.cancel", deal, actor=user, before=before, after=_snapshot(deal) | {"reason": reason})
    _ledger_changed(deal.signed_on, deal.registered_on, *(payment.received_on for payment in deal.payments))
    _notify(deal, "deal.cancelled", user, reason=reason)


# ---------------------------------------------------------------- turnover from the ledger


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
