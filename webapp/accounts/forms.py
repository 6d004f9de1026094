from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.accounts.models import TOKEN_SCOPE_LABELS, OrgKind, Role, Tier
from webapp.core.identifiers import InvalidIdentifier, validate_uscc


def uscc_validator(form, field) -> None:
    if field.data:
        try:
            field.data = validate_uscc(field.data)
        except InvalidIdentifier as exc:
            raise ValidationError(str(exc)) from exc


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this computer"))
    submit = SubmitField(_l("Log in"))


class RegisterForm(FlaskForm):
    role = RadioField(
        _l("I am"),
        choices=[
            SelectChoice(Role.ENTERPRISE.value, _l("An enterprise with technology needs")),
            SelectChoice(Role.RESEARCHER.value, _l("A researcher with results to transfer")),
        ],
        default=Role.ENTERPRISE.value,
        validators=[DataRequired()],
    )
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=100)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat password"), validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))]
    )
    org_name = StringField(
        _l("Enterprise name"), validators=[Optional(), Length(max=200)], description=_l("As on the business licence.")
    )
    uscc = StringField(
        _l("Unified social credit code"),
        validators=[Optional(), uscc_validator],
        description=_l("18 characters, as on the business licence."),
    )
    institution_id = SelectField(_l("University or institute"), coerce=int, validators=[Optional()])
    submit = SubmitField(_l("Create account"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.role.data == Role.ENTERPRISE.value:
            if not (self.org_name.data or "").strip():
                self.org_name.errors.append(_l("Enter the enterprise's registered name."))
                ok = False
            if not self.uscc.data and not self.uscc.errors:
                self.uscc.errors.append(_l("Enter the unified social credit code."))
                ok = False
        elif not self.institution_id.data:
            self.institution_id.errors.append(_l("Choose your university or institute."))
            ok = False
        return ok


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send reset link"))


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(min=8, max=200)])
    confirm = PasswordField(
        _l("Repeat new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")])
    email_notifications = BooleanField(_l("Also send my notifications by e-mail"))
    submit = SubmitField(_l("Save"))


class AdminUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"))
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    send_invitation = BooleanField(_l("E-mail an invitation to choose a password"), default=True)
    submit = SubmitField(_l("Create user"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in Role]


class AdminEditUserForm(FlaskForm):
    role = SelectField(_l("Role"))
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[Optional()])
    active = BooleanField(_l("Active"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice(r.value, r.label) for r in Role]


class OrganisationForm(FlaskForm):
    kind = SelectField(_l("Type"))
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("Unified social credit code"), validators=[Optional(), uscc_validator])
    industry = StringField(_l("Industry"), validators=[Optional(), Length(max=100)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    website = StringField(_l("Website"), validators=[Optional(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    tiers = MultiCheckboxField(_l("Enterprise tiers"))
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k.value, k.label) for k in OrgKind]
        self.tiers.choices = [SelectChoice(t.value, t.label) for t in Tier]


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=80)],
        description=_l("What the token is for, e.g. the district's statistics system."),
    )
    scopes = SelectField(
        _l("Access"), choices=[SelectChoice(code, label) for code, label in TOKEN_SCOPE_LABELS.items()]
    )
    days = SelectField(
        _l("Valid for"),
        coerce=int,
        default=90,
        choices=[SelectChoice(30, _l("30 days")), SelectChoice(90, _l("90 days")), SelectChoice(365, _l("1 year"))],
    )
    submit = SubmitField(_l("Create token"))
