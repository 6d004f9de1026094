from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class FieldForm(FlaskForm):
    name = StringField(_l("Field name"), validators=[DataRequired(), Length(max=60)])
    name_en = StringField(
        _l("Name in English"), validators=[Optional(), Length(max=80)], description=_l("Shown on English pages.")
    )
    parent_id = SelectField(_l("Parent field"), coerce=int, default=0)
    aliases = TextAreaField(
        _l("Other names"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Separated by commas: how imported lists name this field, e.g. 芯片, 半导体."),
    )
    priority = BooleanField(_l("Priority field of the district"))
    position = IntegerField(
        _l("Position"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=9999)],
        description=_l("Smaller numbers come first."),
    )
    submit = SubmitField(_l("Save"))


class DeleteForm(FlaskForm):
    submit = SubmitField(_l("Delete"))
