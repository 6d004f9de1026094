"""The shapes of a performance report (事后绩效) in the API (webapp.api.performance): its figures
(counts, and money in whole 元 with the text the pages show; money is sent as 万元 text, as typed on
the form), one outcome per indicator of the challenge, the evidence files and the district's review."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from webapp.api.imports import File
from webapp.api.schemas import Money, Page, Paging
from webapp.performance.models import Rating, ReportStatus
from webapp.performance.services import FILED_NOTE_MAX, INDICATORS_MAX

AMOUNT_INPUT = (
    'In 万元 as typed on the form: 12.5 is 125,000 元; "0" when there is none. Null or empty: not given yet '
    "(a draft may leave it out; submitting asks for every figure)."
)
COUNT_INPUT = "A whole number, 0 when there is none. Null: not given yet (a draft may leave it out)."


class SubjectOut(Schema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(["challenge", "deal"]),
        metadata={"description": "challenge (completed) or deal (paid in full)."},
    )
    id = fields.Integer(required=True, metadata={"description": "The challenge's or deal's id."})
    title = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "Its page."})


def _count(description: str):
    return fields.Integer(allow_none=True, required=True, metadata={"description": description})


def _amount(description: str):
    return fields.Nested(Money, allow_none=True, required=True, metadata={"description": description})


class FiguresOut(Schema):
    """What the enterprise reports; null where a draft has no figure yet."""

    new_products = _count("New products launched thanks to the project.")
    sales = _amount("Sales of the new products.")
    cost_saved = _amount("Cost saved.")
    patents_filed = _count("Patents filed.")
    patents_granted = _count("Patents granted (counted among those filed too).")
    jobs = _count("Jobs created.")
    follow_on_contracts = _count("Further contracts with the team or others.")
    follow_on_value = _amount("Value of the follow-on contracts.")


class OutcomeOut(Schema):
    indicator = fields.String(required=True, metadata={"description": "One indicator of the challenge."})
    outcome = fields.String(required=True, metadata={"description": "What was reached on it; empty until filled in."})


class EvidenceOut(Schema):
    id = fields.Integer(required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True, metadata={"description": "As found in its content at upload."})
    size = fields.Integer(required=True, metadata={"description": "In bytes."})
    uploaded_at = fields.DateTime(required=True)
    url = fields.String(required=True, metadata={"description": "Its download on the report's page (a session)."})


class ReviewOut(Schema):
    rating = fields.String(required=True, validate=validate.OneOf([r.value for r in Rating]))
    rating_label = fields.String(required=True, metadata={"description": "The rating in the request's language."})
    comment = fields.String(required=True, metadata={"description": "The reasons for the rating."})
    reviewer = fields.String(allow_none=True, required=True, metadata={"description": "The admin who rated it."})
    reviewed_at = fields.DateTime(required=True)


class ReportOut(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True, metadata={"description": "The report's page."})
    title = fields.String(required=True, metadata={"description": "The challenge's or deal's, when it fell due."})
    subject = fields.Nested(SubjectOut, required=True, metadata={"description": "What it reports on."})
    enterprise = fields.String(
        required=True, metadata={"description": "Who reports: the deal's need side or the challenge's enterprise."}
    )
    opened_on = fields.Date(
        required=True, metadata={"description": "The day the challenge was completed or the deal paid in full."}
    )
    due_on = fields.Date(required=True, metadata={"description": "To be submitted by this day (Beijing)."})
    overdue = fields.Boolean(required=True, metadata={"description": "Still to be filed after its due date."})
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in ReportStatus]),
        metadata={"description": "draft (to be filed), submitted (awaiting review), returned or accepted."},
    )
    status_label = fields.String(required=True, metadata={"description": "The state in the request's language."})
    submitted_at = fields.DateTime(allow_none=True, required=True)
    figures = fields.Nested(FiguresOut, required=True)
    return_comment = fields.String(
        allow_none=True, required=True, metadata={"description": "What to change, while it is returned."}
    )
    review = fields.Nested(ReviewOut, allow_none=True, required=True, metadata={"description": "Once accepted."})
    filed_by = fields.String(
        allow_none=True,
        required=True,
        metadata={
            "description": "The admin who last filed it (or saved its draft) on the enterprise's behalf, the "
            "enterprise having no account on the platform; null when nobody did."
        },
    )
    filed_note = fields.String(
        allow_none=True,
        required=True,
        metadata={"description": "Filed on the enterprise's behalf: where the figures come from (how and when)."},
    )
    can_file = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the caller may change and submit it now: its enterprise, or an admin on the "
            "behalf of an enterprise without an account."
        },
    )
    on_behalf = fields.Boolean(
        required=True,
        metadata={
            "description": "Whether the caller may file it now on the enterprise's behalf (an admin; the enterprise "
            "has no account): `filed_note` is then required to submit it."
        },
    )
    can_review = fields.Boolean(required=True, metadata={"description": "Whether the caller may review it now."})


class ReportDetail(ReportOut):
    outcomes = fields.List(
        fields.Nested(OutcomeOut),
        required=True,
        metadata={"description": "One per indicator of the challenge, in order (none for a deal)."},
    )
    commitment = fields.String(
        allow_none=True, required=True, metadata={"description": "How the commitments of the 承诺书 were kept."}
    )
    summary = fields.String(allow_none=True, required=True, metadata={"description": "The overall outcome."})
    files = fields.List(fields.Nested(EvidenceOut), required=True, metadata={"description": "The evidence."})


class ReportPage(Page):
    items = fields.List(fields.Nested(ReportOut), required=True)


class ReportQuery(Paging):
    status = fields.String(
        validate=validate.OneOf([s.value for s in ReportStatus]),
        metadata={"description": "Only reports in this state."},
    )


def _count_in():
    return fields.Integer(load_default=None, allow_none=True, metadata={"description": COUNT_INPUT})


def _amount_in():
    return fields.String(
        load_default=None, allow_none=True, validate=validate.Length(max=100), metadata={"description": AMOUNT_INPUT}
    )


def _text_in(description: str):
    return fields.String(load_default=None, allow_none=True, metadata={"description": description})


class ReportIn(Schema):
    """The whole report as the enterprise (or an admin on its behalf) fills it in (what is left out is
    cleared)."""

    new_products = _count_in()
    sales = _amount_in()
    cost_saved = _amount_in()
    patents_filed = _count_in()
    patents_granted = _count_in()
    jobs = _count_in()
    follow_on_contracts = _count_in()
    follow_on_value = _amount_in()
    outcomes = fields.List(
        fields.String(allow_none=True),
        load_default=list,
        validate=validate.Length(max=INDICATORS_MAX),
        metadata={
            "description": "What was reached on each indicator, in the order of the report's `outcomes` "
            "(a refusal names the entry: outcomes.0, outcomes.1, …)."
        },
    )
    commitment = _text_in("How the commitments of the 承诺书 were kept (a challenge's report).")
    summary = _text_in("The overall outcome.")
    filed_note = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "An admin filing on the behalf of an enterprise without an account: where the figures "
            f"come from, e.g. checked by phone with the enterprise's finance department on 5 March 2027 (at most "
            f"{FILED_NOTE_MAX} characters; required to submit). Ignored when the enterprise files its own report."
        },
    )
    submit = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also submit it for review: every figure, each indicator's outcome, the commitment "
            "(a challenge's report), a summary, at least one evidence file and, filed on the enterprise's "
            "behalf, `filed_note`."
        },
    )


class EvidenceIn(Schema):
    file = File(
        required=True,
        metadata={"description": "One file: PDF, PNG, JPEG, .docx or .xlsx (its type is read from its content)."},
    )


class ReviewIn(Schema):
    decision = fields.String(
        required=True,
        validate=validate.OneOf(["accept", "return"]),
        metadata={"description": "accept (with a rating) or return (to the enterprise, for changes)."},
    )
    rating = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf([r.value for r in Rating]),
        metadata={"description": "Accepting: excellent (优秀), good (良好), pass (合格) or fail (不合格)."},
    )
    comment = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Accepting: the reasons for the rating; returning: what to change. Required."},
    )
