"""Forms of the broker's pages (queue filter, accept, reject, outcome), of the parties' answers to an
introduction, and of the admin's matching page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.matching.explain import BAND_LABELS
from webapp.matching.models import (
    CONSENT_LABELS,
    LEXICON_LABELS,
    OUTCOME_LABELS,
    REASON_LABELS,
    ConsentAnswer,
    IntroductionOutcome,
    LexiconKind,
    RejectReason,
)

SORT_LABELS = {
    "score": _l("Highest score first"),
    "newest": _l("Newest first"),
}
AGE_LABELS = {
    "1": _l("Last 24 hours"),
    "7": _l("Last 7 days"),
    "30": _l("Last 30 days"),
}


# The brokers' own reasons, offered wherever a pairing is turned down (rejected or declined).
REASON_CHOICES = [SelectChoice(r.value, REASON_LABELS[r]) for r in RejectReason]


class QueueFilterForm(FlaskForm):
    """The queue's filters: a GET form, so no CSRF token and the values stay in the URL."""

    class Meta:
        csrf = False

    field = SelectField(_l("Technical field"), validators=[Optional()])
    institution = StringField(_l("Institution"), validators=[Optional(), Length(max=100)])
    min_score = IntegerField(_l("Minimum score"), validators=[Optional(), NumberRange(min=0, max=100)])
    band = SelectField(_l("Confidence"), validators=[Optional()])
    age = SelectField(_l("Computed"), validators=[Optional()])
    sort = SelectField(_l("Sort"), validators=[Optional()])

    def __init__(self, field_choices: list[tuple[int, str]], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(str(i), label) for i, label in field_choices]
        self.age.choices = [SelectChoice("", _l("Any time"))] + [SelectChoice(k, v) for k, v in AGE_LABELS.items()]
        self.sort.choices = [SelectChoice(k, v) for k, v in SORT_LABELS.items()]
        self.band.choices = [SelectChoice("", _l("Any"))] + [SelectChoice(k, v) for k, v in BAND_LABELS.items()]


class AcceptForm(FlaskForm):
    note = TextAreaField(
        _l("Note to both parties"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Why they should talk, and what to prepare. Both owners read it."),
    )
    accept = SubmitField(_l("Accept and introduce"))


class RejectForm(FlaskForm):
    reason = RadioField(
        _l("Reason"),
        choices=REASON_CHOICES,
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    reject_note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    reject = SubmitField(_l("Reject"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.reason.data == RejectReason.OTHER.value and not (self.reject_note.data or "").strip():
            self.reject_note.errors = [*self.reject_note.errors, str(_l("Say why when the reason is “Other”."))]
            return False
        return ok


class AgreeForm(FlaskForm):
    """A party agrees to an introduction; the message goes to the broker, and to the other side once
    both agreed."""

    agree_message = TextAreaField(
        _l("Message (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("The broker reads it now; the other side once both of you agreed."),
    )
    agree = SubmitField(_l("Agree to the introduction"))


class DeclineForm(FlaskForm):
    """A party declines an introduction, with a reason (the brokers' own reasons) and a note."""

    decline_reason = RadioField(
        _l("Reason"),
        choices=REASON_CHOICES,
        validators=[DataRequired(message=_l("Choose a reason."))],
    )
    decline_note = TextAreaField(
        _l("Note (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Only the broker reads it."),
    )
    decline = SubmitField(_l("Decline"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.decline_reason.data == RejectReason.OTHER.value and not (self.decline_note.data or "").strip():
            self.decline_note.errors = [*self.decline_note.errors, str(_l("Say why when the reason is “Other”."))]
            return False
        return ok


class OnBehalfForm(FlaskForm):
    """The introduction's broker (or an admin) records the answer a side without an owner account gave
    outside the platform: agreed, or declined with a reason, and how and from whom it was obtained.
    Made with the side as its prefix, so both sides' forms can share a page."""

    behalf_answer = RadioField(
        _l("Their answer"),
        choices=[SelectChoice(a.value, CONSENT_LABELS[a]) for a in ConsentAnswer],
        validators=[DataRequired(message=_l("Choose an answer."))],
    )
    behalf_reason = RadioField(
        _l("Reason (when they declined)"),
        choices=REASON_CHOICES,
        validators=[Optional()],
    )
    behalf_note = TextAreaField(
        _l("How and from whom the answer was obtained"),
        validators=[DataRequired(message=_l("Say how and from whom the answer was obtained.")), Length(max=1000)],
        description=_l("For example: 2026-12-03, by phone with Manager Wang, agrees to be introduced."),
    )
    record = SubmitField(_l("Record their answer"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.behalf_answer.data == ConsentAnswer.DECLINED.value and not self.behalf_reason.data:
            self.behalf_reason.errors = [*self.behalf_reason.errors, str(_l("Choose a reason."))]
            return False
        return ok


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=[
            SelectChoice(o.value, OUTCOME_LABELS[o])
            for o in IntroductionOutcome
            if o is not IntroductionOutcome.NEGOTIATING
        ],
        validators=[DataRequired(message=_l("Choose an outcome."))],
    )
    outcome_note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    save = SubmitField(_l("Record the outcome"))


class LexiconForm(FlaskForm):
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, LEXICON_LABELS[k]) for k in LexiconKind], validators=[DataRequired()]
    )
    word = StringField(_l("Word"), validators=[DataRequired(message=_l("Enter a word.")), Length(max=40)])
    canonical = StringField(
        _l("Read as"),
        validators=[Optional(), Length(max=40)],
        description=_l("Synonyms only: the word it stands for, e.g. 锂电 → 锂离子电池."),
    )
    add = SubmitField(_l("Add"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.kind.data == LexiconKind.SYNONYM.value and not (self.canonical.data or "").strip():
            self.canonical.errors = [*self.canonical.errors, str(_l("A synonym needs the word it stands for."))]
            return False
        return ok


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (remove an entry, start a re-match)."""
