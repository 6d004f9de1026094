"""/api/v1/deals: the technology-contract ledger as the deal pages show it to the caller — the list
(webapp.deals.browse, the deals `access.deals_for` the caller may see), a deal with its schedule,
payments, documents and history (webapp.deals.detail), its payments. Only those named on a deal
see it (access.can_view): anyone else gets 404. Changing deals: webapp.api.deal_writes."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_smorest import Blueprint, abort

from webapp.api.auth import api_user
from webapp.api.common import by_day, get_visible
from webapp.api.deal_schemas import DealDetail, DealPage, DealQuery, PaymentPage
from webapp.api.schemas import Paging
from webapp.core.audit import action_label
from webapp.core.money import format_money
from webapp.deals import access, browse, detail, files
from webapp.deals.models import ContractType, Deal, DealFileKind, DealState, Payment
from webapp.extensions import db
from webapp.listings.paging import decode_cursor, encode_cursor

bp = Blueprint("api_deals", __name__, url_prefix="/api/v1", description="The technology-contract ledger.")

LIST_ORDER = "deals"  # the cursor's sort: the list page's, newest first


def money(yuan: int) -> dict:
    return {"yuan": int(yuan), "text": format_money(yuan)}


def _ref(thing) -> dict | None:
    return None if thing is None else {"id": thing.id, "name": thing.name or ""}


def deal_data(deal: Deal, user) -> dict:
    """A deal as its row in the list shows it to `user` (who may see it)."""
    state = deal.state
    field = deal.field
    return {
        "id": deal.id,
        "title": deal.title,
        "url": url_for("deals.detail", deal_id=deal.id, _external=True),
        "state": state.value,
        "state_label": state.label,
        "contract_type": deal.contract_type.value,
        "contract_type_label": deal.contract_type.label,
        "need_party": {"name": deal.need_party, "organisation_id": deal.need_org_id},
        "provider_party": {"name": deal.provider_party, "organisation_id": deal.provider_org_id},
        "field": None if field is None else {"id": field.id, "code": field.code, "name": field.display_name},
        "contract_value": money(deal.contract_value),
        "received": money(deal.received_total),
        "remaining": money(deal.remaining),
        "percent_received": detail.percent(deal),
        "signed_on": deal.signed_on,
        "registration_no": deal.registration_no,
        "registered_on": deal.registered_on,
        "broker": _ref(deal.broker),
        "agency": _ref(deal.agency),
        "introduction_id": deal.introduction_id,
        "challenge_id": deal.challenge_id,
        "achievement_id": deal.achievement_id,
        "created_at": deal.created_at,
        "cancelled_at": deal.cancelled_at,
        "cancel_reason": deal.cancel_reason,
        "can_manage": access.can_manage(deal, user),
    }


def _file(stored) -> dict:
    return {
        "id": stored.id,
        "kind": stored.kind.value,
        "filename": stored.filename,
        "size": stored.size,
        "uploaded_at": stored.uploaded_at,
    }


def _payment(payment: Payment, by_payment: dict) -> dict:
    return {
        "id": payment.id,
        "received_on": payment.received_on,
        "amount": money(payment.amount),
        "evidence": payment.evidence,
        "files": [_file(f) for f in by_payment.get(payment.id, [])],
    }


def _files_by_payment(deal: Deal) -> tuple[dict, list]:
    by_payment: dict[int, list] = {}
    documents = []
    for stored in files.files_of(deal):
        if stored.payment_id is not None:
            by_payment.setdefault(stored.payment_id, []).append(stored)
        elif stored.kind is not DealFileKind.PAYMENT:
            documents.append(stored)
    return by_payment, documents


def deal_detail(deal: Deal, user) -> dict:
    """Everything the deal's page shows `user`: the schedule against the money received, payments
    with their evidence, documents and the deal's history."""
    by_payment, documents = _files_by_payment(deal)
    return deal_data(deal, user) | {
        "schedule": [
            {
                "due_on": line.due_on,
                "amount": money(line.amount),
                "cumulative": money(line.cumulative),
                "status": line.status,
            }
            for line in detail.schedule(deal)
        ],
        "scheduled": money(sum(i.amount for i in deal.instalments)),
        "payments": [_payment(p, by_payment) for p in deal.payments],
        "documents": [_file(f) for f in documents],
        "history": [
            {
                "action": event.action,
                "label": action_label(event.action),
                "detail": detail.event_detail(event),
                "actor": event.actor.name if event.actor else None,
                "at": event.created_at,
            }
            for event in detail.events(deal)
        ],
    }


def signed_in():
    """The caller; 401 without a token (a deal is never anyone's but those named on it)."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    return user


def visible_deal(deal_id: int, user) -> Deal:
    """The deal if `user` may see it; 404 otherwise, so an id does not tell that a deal exists."""
    return get_visible(Deal, deal_id, lambda deal: access.can_view(deal, user))


def _filter(args: dict) -> browse.DealFilter:
    return browse.DealFilter(
        state=DealState(args["state"]) if args.get("state") else None,
        contract_type=ContractType(args["type"]) if args.get("type") else None,
        broker_id=args.get("broker"),
        signed_from=args.get("signed_from"),
        signed_to=args.get("signed_to"),
        text=args["q"].strip(),
    )


@bp.get("/deals")
@bp.arguments(DealQuery, location="query", as_kwargs=False)
@bp.response(200, DealPage)
@bp.alt_response(401, response="UNAUTHORIZED")
def deals(args):
    """The deals the caller may see, newest first, as the deals list shows them: an admin every
    deal; a broker those credited to them or their agency; anyone else the deals naming them as a
    side's contact. The list page's filters; `broker` counts for admins only."""
    user = signed_in()
    query = browse.matching(user, _filter(args))
    position = decode_cursor(args.get("cursor"), LIST_ORDER)
    if position is not None:
        when, last_id = position
        query = query.where(sa.or_(Deal.created_at < when, sa.and_(Deal.created_at == when, Deal.id < last_id)))
    rows = list(db.session.scalars(query.limit(args["limit"] + 1)))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    next_cursor = encode_cursor(LIST_ORDER, rows[-1].created_at, rows[-1].id) if more else None
    return {"items": [deal_data(deal, user) for deal in rows], "next_cursor": next_cursor}


@bp.get("/deals/<int:deal_id>")
@bp.response(200, DealDetail)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
def deal(deal_id: int):
    """One deal as its page shows it to the caller: the contract's steps, the money, the payment
    schedule, payments received, documents and its history."""
    user = signed_in()
    return deal_detail(visible_deal(deal_id, user), user)


def payments_page(deal: Deal, args: dict) -> dict:
    """The deal's payments in the page's order (date received, then as recorded)."""
    by_payment, _documents = _files_by_payment(deal)
    query = sa.select(Payment).where(Payment.deal_id == deal.id)
    page = by_day(query, Payment.received_on, Payment, args, lambda p: _payment(p, by_payment))
    return page | {"received": money(deal.received_total), "remaining": money(deal.remaining)}


@bp.get("/deals/<int:deal_id>/payments")
@bp.arguments(Paging, location="query", as_kwargs=False)
@bp.response(200, PaymentPage)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
def payments(args, deal_id: int):
    """The money received on a deal, oldest first, with its evidence, and the deal's totals."""
    user = signed_in()
    return payments_page(visible_deal(deal_id, user), args)
