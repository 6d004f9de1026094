"""The performance report's forms: what the enterprise fills in (figures, money in 万元, one outcome
per indicator, evidence files; an admin filing for an enterprise without an account also says where
the figures come from) and the district's review. A refused input is shown back as typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, IntegerField, MultipleFileField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import NumberInput

from webapp.core.money import MoneyField, wan_text
from webapp.performance.models import AMOUNTS, COUNTS, RATING_LABELS, PerformanceReport
from webapp.performance.services import FILED_NOTE_MAX, ReportInput


def _count(label, description=None) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(min=0, message=_l("The figure cannot be negative."))],
        widget=NumberInput(min=0, step=1),
        description=description,
    )


def _money(label) -> MoneyField:
    return MoneyField(label, description=_l("In 10k CNY (万元), for example 12.5; 0 if there is none."))


class ReportForm(FlaskForm):
    new_products = _count(_l("New products"), _l("Products launched thanks to the project."))
    sales = _money(_l("Sales of the new products (10k CNY)"))
    cost_saved = _money(_l("Cost saved (10k CNY)"))
    patents_filed = _count(_l("Patents filed"))
    patents_granted = _count(_l("Patents granted"))
    jobs = _count(_l("Jobs created"))
    follow_on_contracts = _count(_l("Follow-on contracts"), _l("Further contracts with the team or others."))
    follow_on_value = _money(_l("Value of the follow-on contracts (10k CNY)"))
    outcomes = FieldList(TextAreaField(validators=[Length(max=1000)]), min_entries=0)
    commitment = TextAreaField(
        _l("How the commitments were kept (承诺书)"),
        validators=[Length(max=4000)],
        description=_l("Against the commitment the winning team signed: indicators, schedule, budget."),
    )
    summary = TextAreaField(_l("Overall outcome"), validators=[Length(max=4000)])
    # Shown to an admin filing on the enterprise's behalf only; the service asks for it at submission.
    filed_note = TextAreaField(
        _l("Where the figures come from"),
        validators=[Length(max=FILED_NOTE_MAX)],
        description=_l(
            "Filing on the enterprise’s behalf: how and when the figures were obtained, for example "
            "checked by phone with the enterprise’s finance department on 5 March 2027."
        ),
    )
    files = MultipleFileField(
        _l("Evidence files"),
        description=_l("Sales records, invoices, patent certificates, contracts: PDF, PNG, JPEG, .docx or .xlsx."),
    )
    save = SubmitField(_l("Save the draft"))
    send = SubmitField(_l("Submit for review"))

    def load(self, report: PerformanceReport, indicators: list[str]) -> None:
        for name in COUNTS:
            getattr(self, name).data = getattr(report, name)
        for name in AMOUNTS:
            getattr(self, name).data = wan_text(getattr(report, name))
        stored = {o["indicator"]: o["outcome"] for o in (report.outcomes or [])}
        while self.outcomes.entries:
            self.outcomes.pop_entry()
        for indicator in indicators:
            self.outcomes.append_entry(stored.get(indicator, ""))
        self.commitment.data = report.commitment
        self.summary.data = report.summary
        self.filed_note.data = report.filed_note

    def fit(self, indicators: list[str]) -> None:
        """As many outcome boxes as indicators, whatever was posted."""
        while len(self.outcomes.entries) > len(indicators):
            self.outcomes.pop_entry()
        while len(self.outcomes.entries) < len(indicators):
            self.outcomes.append_entry("")

    def to_input(self) -> ReportInput:
        """The typed values (call after validation: the money fields are parsed then)."""
        return ReportInput(
            **{name: getattr(self, name).data for name in COUNTS},
            **{name: getattr(self, name).yuan for name in AMOUNTS},
            outcomes=[entry.data or "" for entry in self.outcomes.entries],
            commitment=self.commitment.data,
            summary=self.summary.data,
            filed_note=self.filed_note.data,
        )


class ReviewForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("accept", _l("Accept with a rating")),
            SelectChoice("return", _l("Return to the enterprise for changes")),
        ],
        validators=[InputRequired(_l("Accept the report or return it."))],
    )
    rating = SelectField(  # the service says when a rating is missing or unknown
        _l("Rating"),
        choices=[SelectChoice("", _l("— choose a rating —"))]
        + [SelectChoice(r.value, label) for r, label in RATING_LABELS.items()],
        validate_choice=False,
    )
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)], description=_l("The enterprise reads it."))
    review = SubmitField(_l("Record the review"))
