"""Form helpers shared by the views."""

from __future__ import annotations

import wtforms
from flask import flash
from flask_babel import lazy_gettext as _l


def show_error(form, exc: Exception) -> None:
    """Put a service's error next to the field it names (its `field` attribute), else flash it."""
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "danger")


EARLIEST_YEAR, LATEST_YEAR = 1900, 2199


class DateField(wtforms.DateField):
    """A date (YYYY-MM-DD) within years people mean: a year past 2199 or before 1900 is a typing
    slip, and a date at the calendar's end would overflow the day arithmetic of periods and windows."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not EARLIEST_YEAR <= self.data.year <= LATEST_YEAR:
            self.data = None
            raise ValueError(_l("Give a date between %(start)s and %(end)s.", start=EARLIEST_YEAR, end=LATEST_YEAR))
