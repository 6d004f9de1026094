"""/api/v1/deals: opening a deal and taking it through its steps, as the deal pages let brokers and
admins — the same services (webapp.deals.opening, services, field), the same permission rules
(webapp.deals.access), the same messages and audit events. Amounts are sent as on the forms, in 万元
text ("12.5"), and read by the forms' parse (webapp.core.money); they come back in whole 元."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _

from webapp.accounts.models import Organisation, Role, User
from webapp.api.auth import api_user
from webapp.api.common import write
from webapp.api.deal_schemas import (
    CancelIn,
    DealDetail,
    DealIn,
    FieldIn,
    PaymentIn,
    RegisterIn,
    ScheduleIn,
    SignIn,
    ValueIn,
)
from webapp.api.deals import bp, deal_detail, visible_deal
from webapp.core.money import MoneyError, parse_positive_wan
from webapp.core.permissions import require
from webapp.deals import access, opening, services
from webapp.deals.field import set_field
from webapp.deals.services import DealError
from webapp.extensions import db


class Invalid(ValueError):
    """Inputs refused before any service ran, with the message of each (422)."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(_("Some fields are not valid; see errors."))
        self.errors = errors


def _yuan(value, field: str, errors: dict) -> int | None:
    try:
        return parse_positive_wan(value)
    except MoneyError as exc:
        errors[field] = str(exc)
        return None


def _checked(errors: dict) -> None:
    if errors:
        raise Invalid(errors)


def _managed(deal_id: int):
    """(caller, deal) for a step on the deal's page: 404 if the caller may not see it, 403 if they
    may see but not keep it."""
    user = api_user()
    deal = visible_deal(deal_id, user)
    require(access.can_manage(deal, user))
    return user, deal


def _done(deal, user, status: int = 200, location: str | None = None):
    db.session.flush()
    db.session.refresh(deal)
    headers = {"Location": location} if location else {}
    return deal_detail(deal, user), status, headers


# ---------------------------------------------------------------- opening a deal


def _organisation(org_id: int | None, side: str, errors: dict) -> Organisation | None:
    if org_id is None:
        return None
    org = db.session.get(Organisation, org_id)
    if org is None or org.kind not in opening.side_kinds(side):
        errors[f"{side}_organisation"] = _("No organisation of that kind on the platform has this id.")
        return None
    return org


def _broker(broker_id: int | None, errors: dict) -> User | None:
    if broker_id is None:
        return None
    broker = db.session.get(User, broker_id)
    if broker is None or access.role_of(broker) is not Role.BROKER:
        errors["broker"] = _("Only a technology broker can be credited with a deal.")
        return None
    return broker


def _field_id(field_id: int | None, errors: dict) -> int | None:
    from webapp.taxonomy.models import TechField

    if field_id is not None and db.session.get(TechField, field_id) is None:
        errors["field"] = _("Unknown technical field; see /taxonomy.")
        return None
    return field_id


def _from_introduction(user, data: dict):
    from webapp.matching.models import Introduction
    from webapp.matching.permissions import can_view_introduction

    introduction = db.session.get(Introduction, data["introduction"])
    if introduction is None or not can_view_introduction(introduction, user):
        raise Invalid({"introduction": _("No introduction has this number.")})
    require(access.can_open_from_introduction(user, introduction))
    errors: dict = {}
    value = _yuan(data["contract_value"], "contract_value", errors)
    _checked(errors)
    return opening.create_from_introduction(
        user, introduction, contract_type=data["contract_type"], contract_value=value, title=data["title"]
    )


def _from_award(user, data: dict):
    from webapp.challenges.models import Award

    award = db.session.get(Award, data["award"])
    if award is None:
        raise Invalid({"award": _("No award has this number.")})
    errors: dict = {}
    broker = _broker(data["broker"], errors)
    _checked(errors)
    return opening.create_from_award(user, award, broker=broker)


def _direct(user, data: dict):
    errors: dict = {}
    value = _yuan(data["contract_value"], "contract_value", errors)
    need_org = _organisation(data["need_organisation"], "need", errors)
    provider_org = _organisation(data["provider_organisation"], "provider", errors)
    field_id = _field_id(data["field"], errors)
    broker = _broker(data["broker"], errors)
    contacts = {}
    for side, org in (("need_contact", need_org), ("provider_contact", provider_org)):
        try:
            contacts[side] = opening.party_contact(data[side], org.id if org else None, field=side)
        except DealError as exc:
            errors.update(exc.errors or {side: str(exc)})
    _checked(errors)
    parties = opening.Parties(
        need_party=need_org.name if need_org else (data["need_party"] or ""),
        need_org_id=need_org.id if need_org else None,
        need_user_id=contacts["need_contact"],
        provider_party=provider_org.name if provider_org else (data["provider_party"] or ""),
        provider_org_id=provider_org.id if provider_org else None,
        provider_user_id=contacts["provider_contact"],
        field_id=field_id,
    )
    return opening.create_direct(
        user,
        title=data["title"],
        parties=parties,
        contract_type=data["contract_type"],
        contract_value=value,
        broker=broker,
    )


@bp.post("/deals")
@write
@bp.arguments(DealIn)
@bp.response(201, DealDetail)
@bp.alt_response(409, response="CONFLICT")
def create_deal(data):
    """Open a deal, negotiating (brokers, credited themselves, and admins, crediting any broker):
    from an introduction the caller made (`introduction`, with `contract_type` and
    `contract_value`), from an award of a contracted challenge (`award`: signed already when both
    sides confirmed the contract), or directly (`title`, the two sides, `contract_type`,
    `contract_value`). 409 when the introduction or award already has its deal, or cannot have one."""
    user = api_user()
    require(access.can_create(user))
    if data["introduction"] is not None and data["award"] is not None:
        raise Invalid({"award": _("Give an introduction or an award, not both.")})
    if data["introduction"] is not None:
        deal = _from_introduction(user, data)
    elif data["award"] is not None:
        deal = _from_award(user, data)
    else:
        deal = _direct(user, data)
    return _done(deal, user, 201, url_for("api_deals.deal", deal_id=deal.id, _external=True))


# ---------------------------------------------------------------- the contract's steps


@bp.post("/deals/<int:deal_id>/value")
@write
@bp.arguments(ValueIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def set_value(data, deal_id: int):
    """Correct the contract value (never below the money received nor the schedule's total)."""
    user, deal = _managed(deal_id)
    errors: dict = {}
    value = _yuan(data["contract_value"], "contract_value", errors)
    _checked(errors)
    services.set_value(user, deal, value)
    return _done(deal, user)


@bp.post("/deals/<int:deal_id>/sign")
@write
@bp.arguments(SignIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def sign(data, deal_id: int):
    """Record the signing of a negotiating deal's contract."""
    user, deal = _managed(deal_id)
    services.sign(user, deal, data["signed_on"])
    return _done(deal, user)


@bp.post("/deals/<int:deal_id>/register")
@write
@bp.arguments(RegisterIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def register(data, deal_id: int):
    """Record a signed contract's registration (技术合同登记号 and date; the number is unique)."""
    user, deal = _managed(deal_id)
    services.register(user, deal, data["registration_no"], data["registered_on"])
    return _done(deal, user)


@bp.put("/deals/<int:deal_id>/schedule")
@write
@bp.arguments(ScheduleIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def replace_schedule(data, deal_id: int):
    """Replace the payment schedule of an open deal; it may not add up to more than the value."""
    user, deal = _managed(deal_id)
    errors: dict = {}
    rows = []
    for row in data["instalments"]:
        amount = _yuan(row["amount"], "instalments", errors)
        rows.append((row["due_on"], amount))
    _checked(errors)
    services.replace_instalments(user, deal, rows)
    return _done(deal, user)


@bp.post("/deals/<int:deal_id>/payments")
@write
@bp.arguments(PaymentIn)
@bp.response(201, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def record_payment(data, deal_id: int):
    """Record money received on a signed deal: not dated in the future (Beijing's day) nor before
    the signing, never more than what remains of the value. 409 on a deal not signed, cancelled or
    paid in full. Answers the deal with its new totals; send an Idempotency-Key so that a retried
    request never records the money twice."""
    user, deal = _managed(deal_id)
    errors: dict = {}
    amount = _yuan(data["amount"], "amount", errors)
    _checked(errors)
    services.record_payment(user, deal, data["received_on"], amount, data["evidence"])
    return _done(deal, user, 201, url_for("api_deals.payments", deal_id=deal.id, _external=True))


@bp.post("/deals/<int:deal_id>/cancel")
@write
@bp.arguments(CancelIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def cancel(data, deal_id: int):
    """Cancel an open deal with a reason (a deal paid in full stays as it is)."""
    user, deal = _managed(deal_id)
    services.cancel(user, deal, data["reason"])
    return _done(deal, user)


@bp.put("/deals/<int:deal_id>/field")
@write
@bp.arguments(FieldIn)
@bp.response(200, DealDetail)
@bp.alt_response(404, response="NOT_FOUND")
def set_technical_field(data, deal_id: int):
    """Correct the technical field the deal is reported under (cancelled deals too)."""
    user, deal = _managed(deal_id)
    set_field(user, deal, data["field"])
    return _done(deal, user)
