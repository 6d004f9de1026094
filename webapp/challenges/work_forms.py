"""Forms of the pages where people work on a challenge: the application (揭榜申请), the expert's
conflict declaration and scores, the contract, milestone reports and decisions, the final acceptance.

Money is typed in 万元 into `MoneyField`s and handed to the services in whole 元."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from webapp.challenges.applications import MEMBERS_MAX
from webapp.challenges.models import UNIT_KIND_LABELS, UnitKind
from webapp.core.forms import DateField
from webapp.core.money import MoneyField, wan_text

COMMITMENT_TEXT = _l(
    "We commit that everything in this application is true and our own work; that we hold the rights to "
    "the technology we propose; that, if chosen, we will reach the challenge's technical indicators on the "
    "schedule and within the budget stated here; and that we accept the consequences the contract lays down "
    "if we do not (军令状)."
)


def kind_choices(blank: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice(k.value, UNIT_KIND_LABELS[k]) for k in UnitKind]
    return [SelectChoice("", _l("— kind of unit —")), *choices] if blank else choices


class MemberForm(Form):
    """One consortium member row (no CSRF of its own: it is part of the application form)."""

    name = StringField(_l("Member unit"), validators=[Optional(), Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[], validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices(blank=True)


class ApplicationForm(FlaskForm):
    lead_unit = StringField(
        _l("Lead unit"),
        validators=[DataRequired(_l("Name the lead unit.")), Length(max=200)],
        description=_l("The university, institute or enterprise that applies and answers for the work."),
    )
    lead_kind = SelectField(_l("Kind of lead unit"), choices=[])
    members = FieldList(
        FormField(MemberForm), label=_l("Consortium members (optional)"), min_entries=2, max_entries=MEMBERS_MAX
    )
    team = TextAreaField(
        _l("Team"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("The team lead and key members, their titles and what each does."),
    )
    plan = TextAreaField(
        _l("Technical plan"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("How you will reach the challenge's technical indicators."),
    )
    budget = MoneyField(
        _l("Budget (10k CNY)"), validators=[Optional()], description=_l("The money the work needs, in 万元.")
    )
    schedule = TextAreaField(
        _l("Schedule"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Stages and dates, matched to the challenge's milestones."),
    )
    files = MultipleFileField(
        _l("Attachments"),
        description=_l("PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx); the type is checked from the content."),
    )
    commitment_signed = BooleanField(_l("I sign the commitment (承诺书) above on behalf of the applying units"))
    save = SubmitField(_l("Save draft"))
    submit_application = SubmitField(_l("Submit application"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lead_kind.choices = kind_choices()

    def load(self, application) -> None:
        self.lead_unit.data = application.lead_unit
        self.lead_kind.data = application.lead_kind.value
        while len(self.members.entries):
            self.members.pop_entry()
        for member in application.members or []:
            self.members.append_entry({"name": member["name"], "kind": member["kind"]})
        while len(self.members.entries) < min(len(application.members or []) + 2, MEMBERS_MAX):
            self.members.append_entry()
        self.team.data = application.team or ""
        self.plan.data = application.plan or ""
        self.budget.data = wan_text(application.budget)
        self.schedule.data = application.schedule or ""
        self.commitment_signed.data = application.commitment_signed


class DeclarationForm(FlaskForm):
    has_conflict = RadioField(
        _l("Do you have a conflict of interest with this application?"),
        choices=[
            SelectChoice("no", _l("No: I have no interest in the applying units")),
            SelectChoice("yes", _l("Yes: I have a conflict and will not review it")),
        ],
        validators=[InputRequired(_l("Answer yes or no."))],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=1000)],
        description=_l("If yes, say briefly what the conflict is (employment, collaboration, kinship, shares…)."),
    )
    declare = SubmitField(_l("Declare"))


class ScoreFormBase(FlaskForm):
    comment = TextAreaField(
        _l("Comment"), validators=[DataRequired(_l("Write a comment with your scores.")), Length(max=20_000)]
    )
    score = SubmitField(_l("Submit scores"))


def score_form(challenge, review=None, **kwargs) -> FlaskForm:
    """A form with one 0–100 field per criterion of the challenge (named c<criterion id>)."""
    fields = {}
    for criterion in challenge.criteria:
        fields[f"c{criterion.id}"] = IntegerField(
            f"{criterion.name}",
            validators=[
                InputRequired(_l("Give a score from 0 to 100.")),
                NumberRange(min=0, max=100, message=_l("Give a score from 0 to 100.")),
            ],
            description=_l("Weight %(weight)s%%", weight=criterion.weight),
            render_kw={"min": 0, "max": 100},
        )
    form_class = type("ScoreForm", (ScoreFormBase,), fields)
    form = form_class(**kwargs)
    if review is not None and not form.is_submitted():
        for criterion in challenge.criteria:
            getattr(form, f"c{criterion.id}").data = (review.scores or {}).get(str(criterion.id))
        form.comment.data = review.comment
    return form


def criterion_fields(form, challenge) -> list:
    return [(c, getattr(form, f"c{c.id}")) for c in challenge.criteria]


class ContractForm(FlaskForm):
    value = MoneyField(_l("Contract value (10k CNY)"), validators=[DataRequired(_l("Enter the contract value."))])
    registration_number = StringField(
        _l("Technology contract registration number (技术合同登记号)"),
        validators=[Optional(), Length(max=60)],
        description=_l("Optional: enter it once the contract is registered."),
    )
    signed_on = DateField(_l("Signed on"), validators=[InputRequired(_l("Give the date."))])
    starts_on = DateField(_l("Work starts on"), validators=[InputRequired(_l("Give the date."))])
    ends_on = DateField(_l("Work ends on"), validators=[InputRequired(_l("Give the date."))])
    confirm = SubmitField(_l("Confirm the contract terms"))

    def load(self, contract) -> None:
        self.value.data = wan_text(contract.value)
        self.registration_number.data = contract.registration_number or ""
        self.signed_on.data, self.starts_on.data, self.ends_on.data = (
            contract.signed_on,
            contract.starts_on,
            contract.ends_on,
        )


class ConfirmForm(FlaskForm):
    """A winner's confirmation of the terms the enterprise entered."""

    confirm_terms = SubmitField(_l("I confirm these terms"))


class RegistrationForm(FlaskForm):
    registration_number = StringField(
        _l("Technology contract registration number (技术合同登记号)"),
        validators=[DataRequired(_l("Enter the registration number.")), Length(max=60)],
    )
    record = SubmitField(_l("Record the registration number"))


class ReportForm(FlaskForm):
    report = TextAreaField(
        _l("What was achieved"), validators=[DataRequired(_l("Describe what was achieved.")), Length(max=20_000)]
    )
    files = MultipleFileField(
        _l("Evidence files"), description=_l("Test reports, photos, documents: PDF, PNG, JPEG, .docx or .xlsx.")
    )
    send_report = SubmitField(_l("Report the milestone"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("approve", _l("Approve: the payment falls due")),
            SelectChoice("return", _l("Send back for more work")),
        ],
        validators=[InputRequired(_l("Approve the milestone or send it back."))],
    )
    note = TextAreaField(
        _l("Reason for sending it back"),
        validators=[Optional(), Length(max=2000)],
        description=_l("The team reads it."),
    )
    decide = SubmitField(_l("Record the decision"))


class AcceptanceForm(FlaskForm):
    opinion = TextAreaField(
        _l("Expert opinion of the acceptance (验收意见)"),
        validators=[DataRequired(_l("Record the expert opinion of the acceptance.")), Length(max=20_000)],
    )
    accept = SubmitField(_l("Pass the final acceptance"))


class WithdrawForm(FlaskForm):
    withdraw = SubmitField(_l("Withdraw the application"))
