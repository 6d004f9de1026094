"""The shapes of the challenges' operations (揭榜挂帅): the board, a challenge as its page shows it,
its terms as the enterprise writes them, and applications. Money is read as on the forms (万元 text)
and written in whole 元 with the text the pages show."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from webapp.api.schemas import FieldRef, Money, Page, Paging
from webapp.challenges.board import SORTS
from webapp.challenges.models import (
    PUBLIC_STATES,
    ApplicationStatus,
    ChallengeStatus,
    Eligibility,
    Failure,
    MilestoneStatus,
    UnitKind,
)
from webapp.core.clock import DISTRICT_ZONE

TEXT_LIMIT = validate.Length(max=100_000)
NAME_LIMIT = validate.Length(max=1000)
NO_NUL = validate.Regexp(r"^[^\x00]*$", error=_l("The text contains a NUL character."))


def _text(limit=TEXT_LIMIT, **kwargs) -> fields.String:
    return fields.String(validate=[limit, NO_NUL], **kwargs)


def _optional_text(limit=TEXT_LIMIT, **kwargs) -> fields.String:
    return _text(limit, load_default=None, allow_none=True, **kwargs)


def _moment(**kwargs) -> fields.AwareDateTime:
    return fields.AwareDateTime(default_timezone=ZoneInfo(DISTRICT_ZONE), **kwargs)


# ---------------------------------------------------------------- queries


class BoardQuery(Paging):
    field = fields.Integer(
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A technical field id (see /taxonomy); its sub-fields are included."},
    )
    status = fields.String(
        validate=validate.OneOf(sorted(s.value for s in PUBLIC_STATES)),
        metadata={"description": "Only challenges in this state."},
    )
    sort = fields.String(
        load_default="closing",
        validate=validate.OneOf(SORTS),
        metadata={"description": "closing (default): open ones first, closing soonest first; newest: by publication."},
    )


# ---------------------------------------------------------------- challenges, as shown


class Unit(Schema):
    name = fields.String(required=True, metadata={"description": "The unit's name."})
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in UnitKind]),
        metadata={"description": "university, institute or enterprise."},
    )


class Team(Schema):
    lead_unit = fields.String(required=True, metadata={"description": "The lead unit."})
    members = fields.List(fields.String(), required=True, metadata={"description": "Consortium members."})


class CriterionOut(Schema):
    name = fields.String(required=True, metadata={"description": "What the experts score."})
    weight = fields.Integer(required=True, metadata={"description": "Weight in percent; they add up to 100."})


class MilestoneOut(Schema):
    position = fields.Integer(required=True, metadata={"description": "1, 2, … in order."})
    title = fields.String(required=True, metadata={"description": "The stage of the work."})
    share = fields.Integer(required=True, metadata={"description": "Percent of the bounty paid for it."})
    amount = fields.Nested(Money, required=True, metadata={"description": "Its share of the bounty."})
    due_on = fields.Date(required=True, metadata={"description": "When it is due."})
    status = fields.String(
        allow_none=True,
        validate=validate.OneOf([s.value for s in MilestoneStatus]),
        metadata={"description": "Once the challenge is awarded: pending, reported, approved or returned."},
    )
    payment_due = fields.Nested(
        Money, allow_none=True, metadata={"description": "Recorded when the enterprise approved it."}
    )


class ChallengeSummary(Schema):
    id = fields.Integer(required=True, metadata={"description": "Challenge id."})
    url = fields.String(required=True, metadata={"description": "The challenge's page."})
    title = fields.String(required=True, metadata={"description": "Title."})
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ChallengeStatus]),
        metadata={"description": "draft, submitted, returned, published (open for applications), … completed."},
    )
    status_label = fields.String(required=True, metadata={"description": "The state as the pages word it."})
    field = fields.Nested(FieldRef, allow_none=True, metadata={"description": "Technical field."})
    bounty = fields.Nested(
        Money, allow_none=True, metadata={"description": "Paid by the enterprise; null in a fresh draft."}
    )
    cofunding = fields.Nested(Money, required=True, metadata={"description": "Government co-funding (0 if none)."})
    total_funding = fields.Nested(Money, required=True, metadata={"description": "Bounty and co-funding."})
    winners_max = fields.Integer(required=True, metadata={"description": "1, or more for a horse race (赛马)."})
    opens_at = fields.DateTime(allow_none=True, metadata={"description": "Applications open (ISO 8601, UTC)."})
    closes_at = fields.DateTime(allow_none=True, metadata={"description": "Applications close: the deadline."})
    published_at = fields.DateTime(allow_none=True, metadata={"description": "When it was published (发榜)."})
    window_open = fields.Boolean(required=True, metadata={"description": "Applications can be submitted now."})
    identity_shown = fields.Boolean(
        required=True, metadata={"description": "Whether the caller sees which enterprise posted it."}
    )
    publisher = fields.String(
        required=True, metadata={"description": "The enterprise, or a de-identified label such as 某企业（津南区）."}
    )
    organisation = fields.String(allow_none=True, metadata={"description": "The enterprise; null when de-identified."})


class ChallengeOut(ChallengeSummary):
    problem = fields.String(required=True, metadata={"description": "The problem to solve."})
    indicators = fields.String(allow_none=True, metadata={"description": "What the final acceptance judges."})
    eligibility = fields.List(
        fields.String(validate=validate.OneOf([e.value for e in Eligibility])),
        required=True,
        metadata={"description": "Who may apply: university, institute, enterprise, consortium."},
    )
    notice_days = fields.Integer(required=True, metadata={"description": "Days of the public notice (公示)."})
    notice_ends_at = fields.DateTime(allow_none=True, metadata={"description": "The end of the public notice."})
    accepting_applications = fields.Boolean(
        required=True, metadata={"description": "Drafts can be saved now (until the deadline)."}
    )
    criteria = fields.List(fields.Nested(CriterionOut), required=True, metadata={"description": "Review criteria."})
    milestones = fields.List(fields.Nested(MilestoneOut), required=True, metadata={"description": "In order."})
    proposed = fields.List(
        fields.Nested(Team), required=True, metadata={"description": "The proposed winners during the notice."}
    )
    winners = fields.List(fields.Nested(Team), required=True, metadata={"description": "The winners (挂帅)."})
    failure = fields.String(
        allow_none=True,
        validate=validate.OneOf([f.value for f in Failure]),
        metadata={"description": "Why it failed (流榜): no_application or none_eligible."},
    )
    termination_reason = fields.String(allow_none=True, metadata={"description": "Why it was terminated."})
    return_reason = fields.String(
        allow_none=True, metadata={"description": "Why the reviewers returned it (the enterprise and admins only)."}
    )
    withdrawal_reason = fields.String(
        allow_none=True, metadata={"description": "Why it was withdrawn (the enterprise and admins only)."}
    )
    need_id = fields.Integer(
        allow_none=True, metadata={"description": "The need it was made from (the enterprise and admins only)."}
    )
    can_edit = fields.Boolean(required=True, metadata={"description": "The caller may change its terms now."})
    can_apply = fields.Boolean(required=True, metadata={"description": "The caller may start an application now."})
    my_application = fields.Integer(
        allow_none=True, metadata={"description": "The caller's application to it (not withdrawn), if any."}
    )
    actions = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The steps the caller may take in its state (submit, withdraw, …)."},
    )


class ChallengePage(Page):
    items = fields.List(fields.Nested(ChallengeSummary), required=True)


# ---------------------------------------------------------------- challenges, as written


class ChallengeFromNeed(Schema):
    need = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "One of the caller's published needs without a challenge under way."},
    )


class CriterionIn(Schema):
    name = _text(NAME_LIMIT, required=True, metadata={"description": "What the experts score."})
    weight = fields.Integer(required=True, metadata={"description": "Percent; the weights add up to 100."})


class MilestoneIn(Schema):
    title = _text(NAME_LIMIT, required=True, metadata={"description": "The stage of the work."})
    share = fields.Integer(required=True, metadata={"description": "Percent of the bounty; they add up to 100."})
    due_on = fields.Date(required=True, metadata={"description": "Due after the window closes, in order."})


class ChallengeIn(Schema):
    """A draft's terms, replaced as a whole, checked by the same rules as the posting form."""

    title = _text(NAME_LIMIT, required=True, metadata={"description": "At most 200 characters."})
    problem = _text(required=True, metadata={"description": "The problem to solve."})
    indicators = _optional_text(metadata={"description": "The figures the final acceptance judges."})
    field = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "A technical field id (see /taxonomy)."},
    )
    bounty = _text(
        validate.Length(max=100),
        required=True,
        metadata={"description": "Paid by the enterprise, in 万元 as on the form: 200, or 12.5."},
    )
    eligibility = fields.List(
        fields.String(validate=validate.OneOf([e.value for e in Eligibility])),
        load_default=lambda: [e.value for e in Eligibility],
        validate=validate.Length(max=10),
        metadata={"description": "Who may apply (default: everyone, consortia included)."},
    )
    opens_at = _moment(required=True, metadata={"description": "Applications open (ISO 8601; no offset: Beijing)."})
    closes_at = _moment(required=True, metadata={"description": "The deadline, in the future."})
    notice_days = fields.Integer(load_default=7, metadata={"description": "Days of public notice, 1–30."})
    winners_max = fields.Integer(load_default=1, metadata={"description": "Winners, 1–10 (more: a horse race)."})
    criteria = fields.List(
        fields.Nested(CriterionIn), required=True, validate=validate.Length(max=100), metadata={"description": "1–10."}
    )
    milestones = fields.List(
        fields.Nested(MilestoneIn), required=True, validate=validate.Length(max=100), metadata={"description": "1–12."}
    )
    show_identity = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={"description": "Publish the enterprise's name (else 某企业); null or absent: as it is."},
    )


class ReasonIn(Schema):
    reason = _optional_text(NAME_LIMIT, metadata={"description": "Why; shown to those concerned."})


# ---------------------------------------------------------------- applications


class ApplicationIn(Schema):
    """A draft application, replaced as a whole. Files are attached on the application's page."""

    lead_unit = _text(NAME_LIMIT, required=True, metadata={"description": "The unit that applies and answers."})
    lead_kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in UnitKind]),
        metadata={"description": "university, institute or enterprise."},
    )
    members = fields.List(
        fields.Nested(Unit),
        load_default=list,
        validate=validate.Length(max=20),
        metadata={"description": "Consortium member units (at most 10)."},
    )
    team = _optional_text(metadata={"description": "The team lead and key members."})
    plan = _optional_text(metadata={"description": "The technical plan."})
    budget = _optional_text(
        validate.Length(max=100), metadata={"description": "The money the work needs, in 万元 as on the form."}
    )
    schedule = _optional_text(metadata={"description": "Stages and dates."})
    commitment_signed = fields.Boolean(
        load_default=False, metadata={"description": "The commitment (承诺书) is signed: required to submit."}
    )


class ChallengeRef(Schema):
    id = fields.Integer(required=True, metadata={"description": "Challenge id."})
    title = fields.String(required=True, metadata={"description": "Its title."})
    url = fields.String(required=True, metadata={"description": "Its page."})
    status = fields.String(
        required=True, validate=validate.OneOf([s.value for s in ChallengeStatus]), metadata={"description": "State."}
    )
    closes_at = fields.DateTime(allow_none=True, metadata={"description": "The deadline."})


class ApplicationFile(Schema):
    filename = fields.String(required=True, metadata={"description": "As uploaded on the page."})
    size = fields.Integer(required=True, metadata={"description": "Bytes."})


class ApplicationOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "Application id."})
    url = fields.String(required=True, metadata={"description": "The application's page (files are added there)."})
    challenge = fields.Nested(ChallengeRef, required=True, metadata={"description": "The challenge applied to."})
    applicant = fields.String(allow_none=True, metadata={"description": "The person who applies."})
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ApplicationStatus]),
        metadata={"description": "draft, submitted, withdrawn, eligible or ineligible."},
    )
    status_label = fields.String(required=True, metadata={"description": "The state as the pages word it."})
    lead_unit = fields.String(required=True, metadata={"description": "The lead unit."})
    lead_kind = fields.String(
        required=True, validate=validate.OneOf([k.value for k in UnitKind]), metadata={"description": "Its kind."}
    )
    members = fields.List(fields.Nested(Unit), required=True, metadata={"description": "Consortium members."})
    team = fields.String(allow_none=True, metadata={"description": "The team."})
    plan = fields.String(allow_none=True, metadata={"description": "The technical plan."})
    budget = fields.Nested(Money, allow_none=True, metadata={"description": "The budget."})
    schedule = fields.String(allow_none=True, metadata={"description": "The schedule."})
    commitment_signed = fields.Boolean(required=True, metadata={"description": "The commitment is signed."})
    commitment_signed_at = fields.DateTime(allow_none=True, metadata={"description": "When it was signed."})
    submitted_at = fields.DateTime(allow_none=True, metadata={"description": "When it was submitted (揭榜)."})
    withdrawn_at = fields.DateTime(allow_none=True, metadata={"description": "When it was withdrawn."})
    ineligible_reason = fields.String(allow_none=True, metadata={"description": "Why it failed the formal check."})
    files = fields.List(
        fields.Nested(ApplicationFile), required=True, metadata={"description": "Attached on the page."}
    )
    can_edit = fields.Boolean(required=True, metadata={"description": "The caller may change the draft now."})
    can_withdraw = fields.Boolean(required=True, metadata={"description": "The caller may withdraw it now."})


class ApplicationPage(Page):
    items = fields.List(fields.Nested(ApplicationOut), required=True)
