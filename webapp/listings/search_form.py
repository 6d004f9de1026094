"""The filter form of the two library lists (a GET form: no CSRF token, values stay in the URL)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from webapp.core.forms import DateField
from webapp.core.money import MoneyError, parse_wan_range
from webapp.listings.models import CoopMode, ListingStatus, Maturity
from webapp.listings.search import Criteria

SORT_LABELS = {
    "relevance": _l("Best match"),
    "newest": _l("Newest first"),
    "price_asc": _l("Amount, lowest first"),
    "price_desc": _l("Amount, highest first"),
}
ALL_STATUSES = "all"


def wan_amount(form, field) -> None:
    """A single figure in 万元; stored as 元 in field.amount."""
    field.amount = None
    if field.data:
        try:
            low, _high = parse_wan_range(field.data)
        except MoneyError as exc:
            raise ValidationError(str(exc)) from exc
        if low is None or low != _high:
            raise ValidationError(_l("Give one figure in 万元, e.g. 50."))
        field.amount = low


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    field = SelectField(_l("Technical field"), validators=[Optional()])
    maturity = SelectField(_l("Maturity"), validators=[Optional()])
    coop = SelectField(_l("Cooperation mode"), validators=[Optional()])
    org = StringField(_l("Institution"), validators=[Optional(), Length(max=100)])
    money_min = StringField(_l("From (10k CNY)"), validators=[Optional(), wan_amount])
    money_max = StringField(_l("To (10k CNY)"), validators=[Optional(), wan_amount])
    posted_from = DateField(_l("Posted from"), validators=[Optional()])
    posted_to = DateField(_l("Posted until"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    mine = BooleanField(_l("Only my listings"))
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, kind: str, field_choices: list, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        any_label = _l("Any")
        self.field.choices = [SelectChoice("", any_label)] + [SelectChoice(str(i), label) for i, label in field_choices]
        self.maturity.choices = [SelectChoice("", any_label)] + [SelectChoice(m.value, m.label) for m in Maturity]
        self.coop.choices = [SelectChoice("", any_label)] + [SelectChoice(m.value, m.label) for m in CoopMode]
        self.status.choices = [SelectChoice("", _l("Default")), SelectChoice(ALL_STATUSES, _l("Every status"))] + [
            SelectChoice(s.value, s.label) for s in ListingStatus
        ]
        # The first choice is the default order: best match when keywords are given, newest first
        # when not — so a keyword search typed into a list sorted by default ranks by relevance.
        searching = bool((self.q.data or "").strip())
        default = SORT_LABELS["relevance"] if searching else SORT_LABELS["newest"]
        self.sort.choices = [SelectChoice("", default)] + [
            SelectChoice(k, v) for k, v in SORT_LABELS.items() if k != "relevance" and (searching or k != "newest")
        ]
        if kind == "n":
            self.org.label.text = _l("Organisation")
            self.coop.label.text = _l("Cooperation mode")
            self.maturity.label.text = _l("Expected maturity")
        else:
            self.coop.label.text = _l("Transfer mode")

    def validate_money_max(self, field) -> None:
        low = getattr(self.money_min, "amount", None)
        high = getattr(field, "amount", None)
        if low is not None and high is not None and high < low:
            raise ValidationError(_l("The upper end is below the lower end."))

    def validate_posted_to(self, field) -> None:
        if self.posted_from.data and field.data and field.data < self.posted_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def criteria(self, user) -> Criteria:
        """Criteria from the valid fields; a field with an error is left out (and shows its message)."""

        def ok(field):
            return not field.errors and field.data not in (None, "")

        signed_in = bool(user is not None and user.is_authenticated)
        mine = signed_in and bool(self.mine.data)
        may_filter_status = mine or (signed_in and user.is_admin)
        statuses = frozenset({ListingStatus.PUBLISHED})
        if may_filter_status and ok(self.status):
            statuses = (
                frozenset(ListingStatus)
                if self.status.data == ALL_STATUSES
                else frozenset({ListingStatus(self.status.data)})
            )
        elif mine:
            statuses = frozenset(ListingStatus)
        return Criteria(
            q=(self.q.data or "").strip() if not self.q.errors else "",
            field_id=int(self.field.data) if ok(self.field) else None,
            maturity=Maturity(self.maturity.data) if ok(self.maturity) else None,
            coop=CoopMode(self.coop.data) if ok(self.coop) else None,
            org=(self.org.data or "").strip() if ok(self.org) else "",
            money_min=getattr(self.money_min, "amount", None) if not self.money_min.errors else None,
            money_max=getattr(self.money_max, "amount", None) if not self.money_max.errors else None,
            posted_from=self.posted_from.data if ok(self.posted_from) else None,
            posted_to=self.posted_to.data if ok(self.posted_to) and not self.posted_to.errors else None,
            statuses=statuses,
            owner_id=user.id if mine else None,
            sort=self.sort.data if ok(self.sort) else "",
        )
