"""Forms of the negotiation room."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from webapp.core.forms import DateField
from webapp.rooms.services import MESSAGE_MAX, NEXT_STEP_MAX
from webapp.rooms.terms import TERMS_MAX


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=MESSAGE_MAX)])
    parent_id = HiddenField()
    file = FileField(_l("Attach a file (optional)"))
    send = SubmitField(_l("Send"))

    def parent(self) -> int | None:
        value = (self.parent_id.data or "").strip()
        return int(value) if value.isdigit() else None


class FileForm(FlaskForm):
    room_file = FileField(_l("File for the room"))
    upload = SubmitField(_l("Keep the file"))


class NextStepForm(FlaskForm):
    text = StringField(
        _l("Next step"), validators=[InputRequired(_l("Say what the next step is.")), Length(max=NEXT_STEP_MAX)]
    )
    due_on = DateField(_l("On (Beijing date)"), validators=[InputRequired(_l("Give the day of the next step."))])
    save = SubmitField(_l("Save the next step"))


class AcceptTermsForm(FlaskForm):
    version = IntegerField(validators=[Optional()])
    accept = SubmitField(_l("I accept these terms"))


class TermsForm(FlaskForm):
    body = TextAreaField(
        _l("Confidentiality terms"),
        validators=[InputRequired(_l("Write the terms the enterprise is to accept.")), Length(max=TERMS_MAX)],
    )
    save = SubmitField(_l("Publish as a new version"))
