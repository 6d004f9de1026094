"""Form parts achievements and needs share. The rules live in listings.validation (shared with the
importer): these forms collect raw text and only limit what the service would otherwise cut short."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation

from webapp.accounts.forms import MultiCheckboxField
from webapp.listings.models import CoopMode, Maturity


class Required:
    """Marks a field as required (asterisk) without a WTForms message: the service says what is missing."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def field_choices() -> list[SelectChoice]:
    from webapp.taxonomy.services import choices

    return [SelectChoice(0, _l("— choose a field —"))] + [SelectChoice(value, label) for value, label in choices()]


def maturity_choices(empty) -> list[SelectChoice]:
    return [SelectChoice("", empty)] + [SelectChoice(m.value, m.label) for m in Maturity]


def coop_choices() -> list[SelectChoice]:
    return [SelectChoice(m.value, m.label) for m in CoopMode]


def choose_field(form, field) -> None:
    if not field.data:
        raise StopValidation(str(_l("Choose a technical field.")))


class ListingForm(FlaskForm):
    """What achievement and need forms share, including the two ways to save."""

    field_id = SelectField(_l("Technical field"), coerce=int, validators=[Required(), choose_field])
    keywords = StringField(
        _l("Keywords"),
        validators=[Optional()],
        description=_l("Separate keywords with commas, 、 or spaces, e.g. 锂电池、储能、固态电解质"),
    )
    coop_modes = MultiCheckboxField(_l("Cooperation modes"), choices=[], validators=[Optional()])
    save = SubmitField(_l("Save draft"))
    submit_review = SubmitField(_l("Save and submit for review"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_id.choices = field_choices()
        self.coop_modes.choices = coop_choices()

    def data_for_service(self, names: list[str]) -> dict:
        """The raw values the validation service reads, keyed as in the import format."""
        return {name: getattr(self, name).data for name in names if name in self}

    def apply_errors(self, errors: dict[str, str]) -> list[str]:
        """Put each service error next to its field; return those that belong to no field."""
        rest = []
        for key, message in errors.items():
            field = getattr(self, key, None) if key in self else None
            if field is not None:
                field.errors = [*field.errors, message]
            else:
                rest.append(message)
        return rest


class TransitionForm(FlaskForm):
    """One lifecycle step (approve, return, submit, …), with the reason the moderator gives."""

    action = HiddenField()
    reason = TextAreaField(_l("Reason (the owner will see it)"), validators=[Optional(), Length(max=1000)])
    next = HiddenField()
