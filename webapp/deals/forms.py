"""Forms of the deal pages. Money is typed in 万元 into `MoneyField`s, which read it as whole 元."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.core.forms import DateField
from webapp.core.money import AboveZero, MoneyField
from webapp.deals.models import CONTRACT_TYPE_LABELS, DEAL_FILE_KIND_LABELS, DEAL_STATE_LABELS, DealFileKind

SCHEDULE_ROWS = 4  # blank rows offered on the schedule editor; "add rows" offers as many more
SCHEDULE_MAX = 40


def form_error(form, message: str, field=None) -> None:
    """A service's message next to the field it concerns, or at the top of the form."""
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def type_choices(empty=None) -> list[SelectChoice]:
    head = [SelectChoice("", empty)] if empty else []
    return head + [SelectChoice(kind.value, label) for kind, label in CONTRACT_TYPE_LABELS.items()]


def field_choices() -> list[SelectChoice]:
    from webapp.taxonomy.services import choices

    return [SelectChoice("", _l("— no field —"))] + [SelectChoice(str(value), label) for value, label in choices()]


def org_choices(kinds, empty) -> list[SelectChoice]:
    import sqlalchemy as sa

    from webapp.accounts.models import Organisation
    from webapp.extensions import db

    orgs = db.session.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(Organisation.kind.in_(kinds))
        .order_by(Organisation.name)
        .limit(2000)
    )
    return [SelectChoice("", empty)] + [SelectChoice(str(i), name) for i, name in orgs]


def broker_choices(empty) -> list[SelectChoice]:
    import sqlalchemy as sa

    from webapp.accounts.models import Role, User
    from webapp.extensions import db

    brokers = db.session.execute(
        sa.select(User.id, User.name).where(User.role == Role.BROKER, User.active).order_by(User.name, User.id)
    )
    return [SelectChoice("", empty)] + [SelectChoice(str(i), name) for i, name in brokers]


class FilterForm(FlaskForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    q = StringField(_l("Title or party"), validators=[Optional(), Length(max=100)])
    state = SelectField(_l("State"), validators=[Optional()])
    type = SelectField(_l("Contract type"), validators=[Optional()])
    broker = SelectField(_l("Broker"), validators=[Optional()])
    signed_from = DateField(_l("Signed from"), validators=[Optional()])
    signed_to = DateField(_l("Signed until"), validators=[Optional()])

    def __init__(self, *args, admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.state.choices = [SelectChoice("", _l("Any state"))] + [
            SelectChoice(state.value, label) for state, label in DEAL_STATE_LABELS.items()
        ]
        self.type.choices = type_choices(_l("Any type"))
        if admin:
            self.broker.choices = broker_choices(_l("Any broker"))
        else:
            del self.broker


class DealForm(FlaskForm):
    """A deal entered directly."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    need_org = SelectField(_l("Need side: an enterprise on the platform"), validators=[Optional()])
    need_party = StringField(
        _l("…or its name"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty when you picked the enterprise above."),
    )
    need_contact = StringField(
        _l("Need side's contact (e-mail of their account)"),
        validators=[Optional(), Length(max=254)],
        description=_l("The person who will follow the deal for that side; only named contacts see it."),
        render_kw={"type": "email", "autocomplete": "off"},
    )
    provider_org = SelectField(_l("Provider side: an organisation on the platform"), validators=[Optional()])
    provider_party = StringField(
        _l("…or its name"),
        validators=[Optional(), Length(max=200)],
        description=_l("A university, institute or company."),
    )
    provider_contact = StringField(
        _l("Provider side's contact (e-mail of their account)"),
        validators=[Optional(), Length(max=254)],
        description=_l("For example the researcher whose result is licensed."),
        render_kw={"type": "email", "autocomplete": "off"},
    )
    contract_type = SelectField(_l("Contract type"), validators=[DataRequired()])
    value = MoneyField(
        _l("Contract value (10k CNY)"),
        validators=[DataRequired(), AboveZero()],
        description=_l("In 万元, for example 12.5."),
    )
    field = SelectField(_l("Technical field"), validators=[Optional()])
    broker = SelectField(_l("Credited broker"), validators=[Optional()])
    save = SubmitField(_l("Open the deal"))

    def __init__(self, *args, admin: bool = False, **kwargs):
        from webapp.deals.opening import side_kinds

        super().__init__(*args, **kwargs)
        self.need_org.choices = org_choices(side_kinds("need"), _l("— not on the platform —"))
        self.provider_org.choices = org_choices(side_kinds("provider"), _l("— not on the platform —"))
        self.contract_type.choices = type_choices(_l("— choose —"))
        self.field.choices = field_choices()
        if admin:
            self.broker.choices = broker_choices(_l("— myself —"))
        else:
            del self.broker


class FromIntroductionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    contract_type = SelectField(_l("Contract type"), validators=[DataRequired()])
    value = MoneyField(
        _l("Contract value (10k CNY)"),
        validators=[DataRequired(), AboveZero()],
        description=_l("In 万元, for example 12.5; it can be corrected while negotiating."),
    )
    save = SubmitField(_l("Open the deal"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.contract_type.choices = type_choices(_l("— choose —"))


class FromAwardForm(FlaskForm):
    broker = SelectField(_l("Credited broker"), validators=[Optional()])
    save = SubmitField(_l("Open the deal"))

    def __init__(self, *args, admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if admin:
            self.broker.choices = broker_choices(_l("— myself —"))
        else:
            del self.broker


class ValueForm(FlaskForm):
    value = MoneyField(_l("Contract value (10k CNY)"), validators=[DataRequired(), AboveZero()])
    save_value = SubmitField(_l("Change the value"))


class SignForm(FlaskForm):
    signed_on = DateField(_l("Signed on"), validators=[InputRequired()])
    sign = SubmitField(_l("Record the signing"))


class RegisterForm(FlaskForm):
    registration_no = StringField(
        _l("Registration number (技术合同登记号)"), validators=[DataRequired(), Length(max=40)]
    )
    registered_on = DateField(_l("Registered on"), validators=[InputRequired()])
    certificate = FileField(_l("Registration certificate or contract scan (optional)"))
    certificate_kind = SelectField(
        _l("The file is"),
        choices=[
            SelectChoice(DealFileKind.REGISTRATION.value, _l("Registration certificate")),
            SelectChoice(DealFileKind.CONTRACT.value, _l("Signed contract")),
        ],
    )
    register = SubmitField(_l("Record the registration"))


class InstalmentForm(Form):
    due_on = DateField(_l("Due on"), validators=[Optional()])
    amount = MoneyField(_l("Amount (10k CNY)"), validators=[Optional(), Length(max=30), AboveZero()])


class ScheduleForm(FlaskForm):
    rows = FieldList(FormField(InstalmentForm), min_entries=SCHEDULE_ROWS, max_entries=SCHEDULE_MAX)
    more = SubmitField(_l("More rows"))
    save_schedule = SubmitField(_l("Save the schedule"))


class PaymentForm(FlaskForm):
    received_on = DateField(_l("Received on"), validators=[InputRequired()])
    amount = MoneyField(_l("Amount received (10k CNY)"), validators=[DataRequired(), AboveZero()])
    evidence = StringField(
        _l("Evidence note"), validators=[Optional(), Length(max=1000)], description=_l("Bank slip or invoice number.")
    )
    evidence_file = FileField(_l("Evidence file (PDF, image, Word or Excel)"))
    record = SubmitField(_l("Record the payment"))


class FileForm(FlaskForm):
    kind = SelectField(
        _l("Document"),
        choices=[
            SelectChoice(kind.value, label)
            for kind, label in DEAL_FILE_KIND_LABELS.items()
            if kind is not DealFileKind.PAYMENT
        ],
    )
    upload = FileField(_l("File"))
    attach = SubmitField(_l("Upload"))


class FieldForm(FlaskForm):
    field = SelectField(_l("Technical field"), validators=[Optional()])
    save_field = SubmitField(_l("Save the field"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = field_choices()


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason for cancelling"), validators=[DataRequired(), Length(max=1000)])
    cancel = SubmitField(_l("Cancel the deal"))
