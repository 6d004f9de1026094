"""The shapes of the deal ledger in the API (webapp.api.deals, webapp.api.deal_writes): money as whole
元 with the text the pages show, dates as days of the district's calendar (Beijing time)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.schemas import FieldRef, Money, Page, Paging
from webapp.deals.forms import SCHEDULE_MAX
from webapp.deals.models import ContractType, DealFileKind, DealState

ID = validate.Range(min=1, max=2**31 - 1)
WAN_INPUT = "In 万元 as typed on the form: 12.5 is 125,000 元 (at most four decimal places; no ranges, no 面议)."


class Party(Schema):
    name = fields.String(required=True, metadata={"description": "The side's name, as on the contract."})
    organisation_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "Its organisation on the platform, if any."}
    )


class NamedRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)


class DealOut(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "The deal's page."})
    state = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in DealState]),
        metadata={"description": "negotiating, signed, registered, paying, paid or cancelled."},
    )
    state_label = fields.String(required=True, metadata={"description": "The state in the request's language."})
    contract_type = fields.String(required=True, validate=validate.OneOf([t.value for t in ContractType]))
    contract_type_label = fields.String(required=True, metadata={"description": "In the request's language."})
    need_party = fields.Nested(Party, required=True, metadata={"description": "The need side (usually an enterprise)."})
    provider_party = fields.Nested(
        Party, required=True, metadata={"description": "The provider side (a university, institute or company)."}
    )
    field = fields.Nested(FieldRef, allow_none=True, required=True, metadata={"description": "Reported under."})
    contract_value = fields.Nested(Money, required=True)
    received = fields.Nested(Money, required=True, metadata={"description": "The sum of the payments received."})
    remaining = fields.Nested(Money, required=True, metadata={"description": "Still to be received."})
    percent_received = fields.Integer(required=True, metadata={"description": "Received, in whole percent."})
    signed_on = fields.Date(allow_none=True, required=True)
    registration_no = fields.String(allow_none=True, required=True, metadata={"description": "技术合同登记号."})
    registered_on = fields.Date(allow_none=True, required=True)
    broker = fields.Nested(NamedRef, allow_none=True, required=True, metadata={"description": "Credited broker."})
    agency = fields.Nested(NamedRef, allow_none=True, required=True, metadata={"description": "Credited agency."})
    introduction_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "The introduction it came from."}
    )
    challenge_id = fields.Integer(
        allow_none=True, required=True, metadata={"description": "The challenge it came from."}
    )
    achievement_id = fields.Integer(allow_none=True, required=True, metadata={"description": "The achievement."})
    created_at = fields.DateTime(required=True, metadata={"description": "When it was opened."})
    cancelled_at = fields.DateTime(allow_none=True, required=True)
    cancel_reason = fields.String(allow_none=True, required=True)
    can_manage = fields.Boolean(
        required=True, metadata={"description": "Whether the caller keeps it (the broker credited, or an admin)."}
    )


class ScheduleLine(Schema):
    due_on = fields.Date(required=True)
    amount = fields.Nested(Money, required=True)
    cumulative = fields.Nested(Money, required=True, metadata={"description": "This and every earlier instalment."})
    status = fields.String(
        required=True,
        validate=validate.OneOf(["paid", "part", "overdue", "due"]),
        metadata={"description": "paid, part (partly paid), overdue or due, against the money received."},
    )


class FileOut(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in DealFileKind]))
    filename = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "Bytes."})
    uploaded_at = fields.DateTime(required=True)


class PaymentOut(Schema):
    id = fields.Integer(required=True)
    received_on = fields.Date(required=True)
    amount = fields.Nested(Money, required=True)
    evidence = fields.String(allow_none=True, required=True, metadata={"description": "Bank slip or invoice number."})
    files = fields.List(fields.Nested(FileOut), required=True, metadata={"description": "Its evidence files."})


class EventOut(Schema):
    action = fields.String(required=True, metadata={"description": "deal.create, deal.sign, deal.payment, …"})
    label = fields.String(required=True, metadata={"description": "The action in the request's language."})
    detail = fields.String(required=True, metadata={"description": "What it changed, as the page's history says."})
    actor = fields.String(allow_none=True, required=True, metadata={"description": "Who did it; null: the system."})
    at = fields.DateTime(required=True)


class DealDetail(DealOut):
    schedule = fields.List(fields.Nested(ScheduleLine), required=True, metadata={"description": "By due date."})
    scheduled = fields.Nested(Money, required=True, metadata={"description": "The schedule's total."})
    payments = fields.List(
        fields.Nested(PaymentOut), required=True, metadata={"description": "Money received, oldest first."}
    )
    documents = fields.List(fields.Nested(FileOut), required=True, metadata={"description": "Contract, certificate…"})
    history = fields.List(fields.Nested(EventOut), required=True, metadata={"description": "The deal's audit events."})


class DealPage(Page):
    items = fields.List(fields.Nested(DealOut), required=True)


class PaymentPage(Page):
    items = fields.List(fields.Nested(PaymentOut), required=True)
    received = fields.Nested(Money, required=True, metadata={"description": "The deal's money received."})
    remaining = fields.Nested(Money, required=True, metadata={"description": "The deal's money still to come."})


class DealQuery(Paging):
    q = fields.String(
        load_default="", validate=validate.Length(max=100), metadata={"description": "Words of the title or a party."}
    )
    state = fields.String(validate=validate.OneOf([s.value for s in DealState]))
    type = fields.String(validate=validate.OneOf([t.value for t in ContractType]), metadata={"description": "Type."})
    broker = fields.Integer(validate=ID, metadata={"description": "The credited broker's user id (admins only)."})
    signed_from = fields.Date(metadata={"description": "Signed on or after this day."})
    signed_to = fields.Date(metadata={"description": "Signed on or before this day."})


def _text(max_length: int, description: str, **kwargs):
    return fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=max_length),
        metadata={"description": description},
        **kwargs,
    )


def _id(description: str):
    return fields.Integer(load_default=None, allow_none=True, validate=ID, metadata={"description": description})


class DealIn(Schema):
    """Opening a deal: from an introduction the caller made (`introduction`), from an awarded
    challenge's contract (`award`), or directly (the two sides, the type and the value)."""

    introduction = _id("Open it from this accepted introduction (the parties and field come from it).")
    award = _id("Open it from this award of a contracted challenge (type, value and parties come from it).")
    title = _text(1000, "Required for a direct deal; from an introduction the achievement's title by default.")
    contract_type = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf([t.value for t in ContractType])
    )
    contract_value = _text(100, WAN_INPUT)
    need_organisation = _id("Need side: an enterprise on the platform.")
    need_party = _text(1000, "…or the need side's name.")
    need_contact = _text(254, "E-mail of the need side's contact; they will see the deal.")
    provider_organisation = _id("Provider side: a university, institute or company on the platform.")
    provider_party = _text(1000, "…or the provider side's name.")
    provider_contact = _text(254, "E-mail of the provider side's contact; they will see the deal.")
    field = _id("A technical field id (see /taxonomy).")
    broker = _id("Credit this broker (admins only; brokers are credited themselves).")


class ValueIn(Schema):
    contract_value = fields.String(
        required=True, validate=validate.Length(max=100), metadata={"description": WAN_INPUT}
    )


class SignIn(Schema):
    signed_on = fields.Date(required=True, metadata={"description": "Not in the future (Beijing time)."})


class RegisterIn(Schema):
    registration_no = fields.String(
        required=True, validate=validate.Length(max=1000), metadata={"description": "登记号"}
    )
    registered_on = fields.Date(required=True, metadata={"description": "Not before signing, not in the future."})


class InstalmentIn(Schema):
    due_on = fields.Date(required=True)
    amount = fields.String(required=True, validate=validate.Length(max=100), metadata={"description": WAN_INPUT})


class ScheduleIn(Schema):
    instalments = fields.List(
        fields.Nested(InstalmentIn),
        required=True,
        validate=validate.Length(max=SCHEDULE_MAX),
        metadata={"description": "The whole schedule (it replaces the one before); at most the contract value."},
    )


class PaymentIn(Schema):
    received_on = fields.Date(required=True, metadata={"description": "Not before signing, not in the future."})
    amount = fields.String(required=True, validate=validate.Length(max=100), metadata={"description": WAN_INPUT})
    evidence = _text(2000, "Bank slip or invoice number.")


class CancelIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(max=2000), metadata={"description": "Why."})


class FieldIn(Schema):
    field = _id("A technical field id (see /taxonomy); null clears it.")
