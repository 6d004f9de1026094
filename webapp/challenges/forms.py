"""Challenge forms: the draft's terms (criteria and milestone rows are read as repeated fields, so
the page works with or without script), the board's filters, and the small forms of the lifecycle
steps, the formal check, the expert panel, the ranking and the objections. The rules live in the
services; these forms collect what people typed and turn it into the services' inputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from webapp.accounts.forms import MultiCheckboxField
from webapp.challenges.models import PUBLIC_STATES, STATUS_LABELS, Eligibility
from webapp.challenges.posting import CriterionInput, MilestoneInput
from webapp.core import clock
from webapp.core.money import MoneyError, MoneyField, wan_text
from webapp.listings.forms import Required

SORT_LABELS = {
    "closing": _l("Closing soonest first"),
    "newest": _l("Newest first"),
}


def local_parts(moment: datetime | None) -> tuple[str, str]:
    """A stored UTC moment as the (date, time) texts of the form's inputs, in Beijing time."""
    if moment is None:
        return "", ""
    local = clock.local(moment)
    return local.date().isoformat(), local.strftime("%H:%M")


def parse_moment(day: str | None, clock_time: str | None) -> datetime | None:
    """Beijing date and time as typed → aware UTC; None if either part is missing or malformed."""
    try:
        d = date.fromisoformat((day or "").strip())
        t = time.fromisoformat((clock_time or "").strip() or "00:00")
    except ValueError:
        return None
    return datetime.combine(d, t, tzinfo=clock.zone()).astimezone(UTC)


@dataclass
class Row:
    """One criterion or milestone row as typed (kept as text so that nothing typed is lost)."""

    name: str = ""
    weight: str = ""
    due: str = ""

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.weight.strip() or self.due.strip())


def _typed(field):
    """What was typed in a number field (the service explains a wrong number)."""
    if field.data is not None:
        return field.data
    return (field.raw_data or [""])[0]


class BoardFilterForm(FlaskForm):
    """The board's filters: a GET form, no CSRF token, values kept in the URL."""

    class Meta:
        csrf = False

    field = SelectField(_l("Technical field"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, field_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(str(i), label) for i, label in field_choices]
        order = [s for s in STATUS_LABELS if s in PUBLIC_STATES]
        self.status.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(s.value, STATUS_LABELS[s]) for s in order]
        self.sort.choices = [SelectChoice(k, v) for k, v in SORT_LABELS.items()]


class ChallengeForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Required()])
    problem = TextAreaField(
        _l("Problem to solve"),
        validators=[Required()],
        description=_l("What the enterprise needs solved, where it occurs and what was tried."),
    )
    indicators = TextAreaField(
        _l("Technical indicators"),
        validators=[Optional()],
        description=_l("The figures the final acceptance will judge, e.g. 良率≥95%."),
    )
    field_id = SelectField(_l("Technical field"), coerce=int, validators=[Optional()])
    bounty = MoneyField(
        _l("Bounty paid by the enterprise (10k CNY)"),
        validators=[Required()],
        description=_l("In 万元, e.g. 200; milestones pay it out by their shares."),
    )
    eligibility = MultiCheckboxField(_l("Who may apply"), validators=[Optional()])
    opens_on = StringField(_l("Applications open"), validators=[Required()], render_kw={"type": "date"})
    opens_time = StringField(_l("at"), validators=[Optional()], render_kw={"type": "time"})
    closes_on = StringField(_l("Applications close"), validators=[Required()], render_kw={"type": "date"})
    closes_time = StringField(_l("at"), validators=[Optional()], render_kw={"type": "time"})
    notice_days = IntegerField(
        _l("Public notice (days)"), validators=[Optional()], default=7, render_kw={"min": 1, "max": 30}
    )
    winners_max = IntegerField(
        _l("Winners"),
        validators=[Optional()],
        default=1,
        render_kw={"min": 1, "max": 10},
        description=_l("1, or more for a horse race (赛马): several teams work in parallel."),
    )
    show_identity = BooleanField(
        _l("Publish our enterprise's name on this challenge"),
        description=_l("Unticked, the challenge says 某企业 (an enterprise) like a de-identified need."),
    )
    save = SubmitField(_l("Save draft"))
    save_submit = SubmitField(_l("Save and submit for review"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from webapp.taxonomy.services import choices

        self.field_id.choices = [SelectChoice(0, _l("— choose a field —"))] + [
            SelectChoice(v, label) for v, label in choices()
        ]
        self.eligibility.choices = [SelectChoice(e.value, e.label) for e in Eligibility]
        self.criteria: list[Row] = []
        self.milestones: list[Row] = []
        self.row_errors: dict[str, str] = {}

    def load(self, challenge=None, need=None, default_criteria=()) -> None:
        """Fill the form from a stored draft, or from the need a new draft starts with."""
        if challenge is not None:
            self.title.data, self.problem.data = challenge.title, challenge.problem
            self.indicators.data = challenge.indicators or ""
            self.field_id.data = challenge.field_id or 0
            self.bounty.data = wan_text(challenge.bounty)
            self.eligibility.data = [e.value for e in challenge.eligibility]
            self.opens_on.data, self.opens_time.data = local_parts(challenge.opens_at)
            self.closes_on.data, self.closes_time.data = local_parts(challenge.closes_at)
            self.notice_days.data, self.winners_max.data = challenge.notice_days, challenge.winners_max
            self.show_identity.data = challenge.show_identity
            self.criteria = [Row(c.name, str(c.weight)) for c in challenge.criteria]
            self.milestones = [Row(m.title, str(m.share), m.due_on.isoformat()) for m in challenge.milestones]
        elif need is not None:
            self.title.data, self.problem.data = need.title[:200], need.description
            self.indicators.data = need.indicators or ""
            self.field_id.data = need.field_id or 0
            self.bounty.data = wan_text(need.budget_max)
            self.eligibility.data = [e.value for e in Eligibility]
            self.opens_time.data = self.closes_time.data = "09:00"
            self.show_identity.data = need.show_identity
            self.criteria = [Row(name, str(weight)) for name, weight in default_criteria]

    def read_rows(self, formdata) -> None:
        names, weights = formdata.getlist("criterion_name"), formdata.getlist("criterion_weight")
        self.criteria = [r for r in (Row(n, w) for n, w in zip(names, weights, strict=False)) if not r.blank]
        titles, shares = formdata.getlist("milestone_title"), formdata.getlist("milestone_share")
        dues = formdata.getlist("milestone_due")
        self.milestones = [
            r for r in (Row(t, s, d) for t, s, d in zip(titles, shares, dues, strict=False)) if not r.blank
        ]

    def to_input(self):
        """(ChallengeInput, errors this form found itself) from the posted values."""
        from webapp.challenges.posting import ChallengeInput

        errors: dict[str, str] = {}
        try:
            bounty = self.bounty.yuan
        except MoneyError as exc:
            bounty, errors["bounty"] = None, str(exc)
        opens = parse_moment(self.opens_on.data, self.opens_time.data)
        closes = parse_moment(self.closes_on.data, self.closes_time.data)
        if opens is None or closes is None:
            errors["closes_at"] = _("Give the window's dates as YYYY-MM-DD and times as HH:MM (Beijing time).")
        valid = {e.value for e in Eligibility}
        milestones = []
        for row in self.milestones:
            try:
                due = date.fromisoformat(row.due.strip())
            except ValueError:
                due = None
            milestones.append(MilestoneInput(row.name, row.weight, due))
        data = ChallengeInput(
            title=self.title.data or "",
            problem=self.problem.data or "",
            bounty=bounty,
            opens_at=opens,
            closes_at=closes,
            indicators=self.indicators.data or "",
            field_id=self.field_id.data or None,
            criteria=[CriterionInput(r.name, r.weight) for r in self.criteria],
            milestones=milestones,
            eligibility=[e for e in (self.eligibility.data or []) if e in valid],
            notice_days=_typed(self.notice_days),
            winners_max=_typed(self.winners_max),
            show_identity=bool(self.show_identity.data),
        )
        return data, errors

    def apply_errors(self, errors: dict[str, str]) -> list[str]:
        """Each service error next to its field; those that belong to no field are returned."""
        rest = []
        for key, message in errors.items():
            if key in ("criteria", "milestones", "closes_at"):
                self.row_errors[key] = message
            elif key in self:
                self[key].errors = [*self[key].errors, message]
            else:
                rest.append(message)
        return rest

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # Numbers typed wrongly are the service's to explain, the bounty's is to_input's; keep the text.
        for name in ("notice_days", "winners_max", "bounty"):
            self[name].errors = []
        return ok or not any(f.errors for f in self)


class ActForm(FlaskForm):
    """One lifecycle step, with the reason or the co-funding it may take."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=1000)])
    cofunding = StringField(_l("Government co-funding (10k CNY)"), validators=[Optional()])


class CheckForm(FlaskForm):
    application_id = HiddenField()
    decision = RadioField(
        _l("Formal check"),
        choices=[SelectChoice("eligible", _l("Eligible")), SelectChoice("ineligible", _l("Not eligible"))],
    )
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=1000)])


class ExpertForm(FlaskForm):
    expert_id = SelectField(_l("Expert"), coerce=int, validators=[Optional()])
    remove = HiddenField()


class RankingForm(FlaskForm):
    action = HiddenField()
    review_id = HiddenField()
    note = StringField(_l("What to revise"), validators=[Optional(), Length(max=1000)])


class ObjectionForm(FlaskForm):
    text = TextAreaField(
        _l("Your objection"),
        validators=[Optional(), Length(max=20_000)],
        description=_l("Facts and evidence; the administrators decide and tell you the result."),
    )
    send = SubmitField(_l("File the objection"))


class ResolveForm(FlaskForm):
    decision = RadioField(
        _l("Decision"), choices=[SelectChoice("dismiss", _l("Dismiss")), SelectChoice("uphold", _l("Uphold"))]
    )
    resolution = StringField(_l("Resolution"), validators=[Optional(), Length(max=1000)])
