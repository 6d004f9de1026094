"""Achievement forms: the listing itself, and the confidential-part access request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from webapp.core.money import MoneyField, wan_range_text
from webapp.listings.forms import ListingForm, Required, maturity_choices


class AchievementForm(ListingForm):
    title = StringField(_l("Title"), validators=[Required()])
    summary = TextAreaField(
        _l("Summary"),
        validators=[Required()],
        description=_l("What the result is, what it does better, and its main technical data."),
    )
    maturity = SelectField(_l("Maturity"), choices=[], validators=[Optional()])
    trl = SelectField(
        _l("Technology readiness level (TRL)"),
        choices=[SelectChoice("", "—")] + [SelectChoice(str(n), str(n)) for n in range(1, 10)],
        validators=[Optional()],
        description=_l("1: basic principles observed … 9: proven in operation."),
    )
    patents = StringField(
        _l("Patents"),
        validators=[Optional()],
        description=_l("One or more patent or application numbers, e.g. ZL201720001285.X, CN112345678A."),
    )
    price = MoneyField(
        _l("Price (10k CNY)"),
        validators=[Optional()],
        description=_l("In 万元: a number, a range like 50-100, or 面议 (negotiable)."),
        ranges=True,
    )
    institution = StringField(_l("University or institute"), validators=[Optional(), Length(max=200)])
    team = StringField(_l("Team"), validators=[Optional(), Length(max=500)], description=_l("Team leader and members."))
    scenarios = TextAreaField(_l("Application scenarios"), validators=[Optional()])
    confidential = TextAreaField(
        _l("Confidential details"),
        validators=[Optional()],
        description=_l("Shown only to you, administrators and people you grant access."),
    )

    FIELD_ORDER = [
        "title",
        "summary",
        "field_id",
        "keywords",
        "maturity",
        "trl",
        "patents",
        "coop_modes",
        "price",
        "institution",
        "team",
        "scenarios",
        "confidential",
    ]
    SERVICE_KEYS = [
        "title",
        "summary",
        "keywords",
        "maturity",
        "trl",
        "patents",
        "coop_modes",
        "price",
        "institution",
        "team",
        "scenarios",
        "confidential",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.coop_modes.label.text = _l("Transfer modes")
        self.maturity.choices = maturity_choices(_l("— not stated —"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.price.errors = []  # the service's validation says what is wrong with the amount, once
        return ok

    def load(self, achievement) -> None:
        """Fill the form from a saved achievement (GET of the edit page)."""
        self.title.data = achievement.title
        self.summary.data = achievement.summary
        self.field_id.data = achievement.field_id or 0
        self.keywords.data = "，".join(achievement.keywords or [])
        self.maturity.data = achievement.maturity.value if achievement.maturity else ""
        self.trl.data = str(achievement.trl) if achievement.trl else ""
        self.patents.data = ", ".join(achievement.patents or [])
        self.coop_modes.data = [m.value for m in achievement.coop_modes]
        self.price.data = wan_range_text(achievement.price_min, achievement.price_max)
        if "institution" in self:
            self.institution.data = achievement.institution_name or ""
        self.team.data = achievement.team or ""
        self.scenarios.data = achievement.scenarios or ""
        self.confidential.data = achievement.confidential or ""


class AccessRequestForm(FlaskForm):
    message = TextAreaField(
        _l("Why do you need the details?"),
        validators=[Optional(), Length(max=1000)],
        description=_l("The owner sees your name, your organisation and this message."),
    )
    submit = SubmitField(_l("Request access"))


class AccessDecisionForm(FlaskForm):
    decision = HiddenField()
