from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from webapp.notifications.preferences import CATEGORIES


class SettingsForm(FlaskForm):
    """One choice per category (fields `delivery_<code>`, added below), and what the person follows."""

    followed_fields = SelectMultipleField(
        _l("Technical fields I follow"),
        coerce=int,
        validators=[Optional()],
        description=_l("A field includes the fields under it. Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    followed_keywords = StringField(
        _l("Keywords I follow"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Separated by commas or spaces, e.g. 真空压铸, 机器视觉."),
    )
    submit = SubmitField(_l("Save"))

    @classmethod
    def delivery_fields(cls) -> list[str]:
        return [f"delivery_{category.code}" for category in CATEGORIES]


for _category in CATEGORIES:
    setattr(
        SettingsForm,
        f"delivery_{_category.code}",
        SelectField(
            _category.label,
            choices=[SelectChoice(d.value, _category.choice_label(d)) for d in _category.choices],
            description=_category.hint,
        ),
    )


class UnsubscribeForm(FlaskForm):
    """The confirmation button; the route takes no CSRF token (RFC 8058 one-click POST)."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Unsubscribe"))
