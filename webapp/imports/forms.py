"""The upload form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

KIND_LABELS = {"achievements": _l("Achievements (科技成果)"), "needs": _l("Technology needs (技术需求)")}


class UploadForm(FlaskForm):
    kind = SelectField(_l("What the file lists"), choices=[])
    file = FileField(_l("File (.xlsx, .csv or .jsonl)"), validators=[FileRequired(_l("Choose a file."))])
    mapping = StringField(
        _l("Column mapping (optional)"),
        validators=[Optional(), Length(max=1000)],
        description=_l(
            "If your columns have other names: source=target, separated by commas, e.g. "
            "名称=title,简介=summary. A column mapped to nothing (名称=) is dropped."
        ),
    )
    status = SelectField(
        _l("New listings are"),
        choices=[SelectChoice("published", _l("Published at once")), SelectChoice("draft", _l("Saved as drafts"))],
    )
    submit = SubmitField(_l("Upload and import"))

    def __init__(self, kinds: list[str], *args, choose_status: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(k, KIND_LABELS[k]) for k in kinds]
        if not choose_status:  # a researcher's rows always wait for review
            del self.status
