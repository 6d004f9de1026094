"""Need forms: the rules are in listings.validation, shared with the importer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from webapp.core.money import MoneyField, wan_range_text
from webapp.listings.forms import ListingForm, Required, maturity_choices


class NeedForm(ListingForm):
    title = StringField(_l("Title"), validators=[Required()])
    description = TextAreaField(
        _l("Problem description"),
        validators=[Required()],
        description=_l("What problem you need solved, where it occurs and what you have tried."),
    )
    indicators = TextAreaField(
        _l("Technical indicators"),
        validators=[Optional()],
        description=_l("Figures a solution must reach, e.g. 能量密度 ≥ 300 Wh/kg."),
    )
    budget = MoneyField(
        _l("Budget (10k CNY)"),
        validators=[Optional()],
        description=_l("In 万元: a number, a range like 50-100, or 面议 (negotiable)."),
        ranges=True,
    )
    deadline = StringField(_l("Deadline"), validators=[Optional()], render_kw={"type": "date"})
    expected_maturity = SelectField(
        _l("Least maturity that would help"),
        choices=[],
        validators=[Optional()],
    )
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=100)])
    contact_phone = StringField(
        _l("Contact phone"),
        validators=[
            Optional(),
            Length(max=30),
            Regexp(r"^[0-9+()\- ]{5,30}$", message=_l("Enter a phone number, e.g. 022-88886666 or 13812345678.")),
        ],
    )
    show_identity = BooleanField(
        _l("Show my organisation and contact publicly"),
        description=_l("Otherwise the public sees “an enterprise” and only brokers and administrators see who asks."),
    )

    FIELD_ORDER = [
        "title",
        "description",
        "indicators",
        "field_id",
        "keywords",
        "budget",
        "deadline",
        "expected_maturity",
        "coop_modes",
        "organisation",
        "contact_name",
        "contact_phone",
        "show_identity",
    ]
    SERVICE_KEYS = [
        "title",
        "description",
        "indicators",
        "keywords",
        "budget",
        "deadline",
        "expected_maturity",
        "coop_modes",
        "organisation",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.expected_maturity.choices = maturity_choices(_l("— any —"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        self.budget.errors = []  # the service's validation says what is wrong with the amount, once
        return ok

    def load(self, need) -> None:
        self.title.data = need.title
        self.description.data = need.description
        self.indicators.data = need.indicators or ""
        self.field_id.data = need.field_id or 0
        self.keywords.data = "，".join(need.keywords or [])
        self.budget.data = wan_range_text(need.budget_min, need.budget_max)
        self.deadline.data = need.deadline.isoformat() if need.deadline else ""
        self.expected_maturity.data = need.expected_maturity.value if need.expected_maturity else ""
        self.coop_modes.data = [m.value for m in need.coop_modes]
        if "organisation" in self:
            self.organisation.data = need.organisation_name or ""
        self.contact_name.data = need.contact_name or ""
        self.contact_phone.data = need.contact_phone or ""
        self.show_identity.data = need.show_identity
