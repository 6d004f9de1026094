"""Form helpers shared by the views."""

from __future__ import annotations

from flask import flash


def show_error(form, exc: Exception) -> None:
    """Put a service's error next to the field it names (its `field` attribute), else flash it."""
    field = getattr(form, getattr(exc, "field", None) or "", None)
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        flash(str(exc), "danger")
