"""What the challenge pages share: the challenge or application a URL names (404 when it does not
exist or the reader may not see it), the way back to a challenge's page, and a service's refusal
shown next to the fields it names."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from webapp.challenges.errors import ChallengeError, ChallengeInvalid
from webapp.challenges.models import Application, Challenge
from webapp.challenges.permissions import can_view
from webapp.extensions import db


def visible_challenge(challenge_id: int) -> Challenge:
    """The challenge, if the current user may see it (404 otherwise: drafts stay unknown)."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not can_view(challenge, current_user):
        abort(404)
    return challenge


def challenge_or_404(challenge_id: int) -> Challenge:
    """For pages whose permission is checked otherwise (admins', the owner's)."""
    return db.session.get(Challenge, challenge_id) or abort(404)


def application_or_404(application_id: int) -> Application:
    return db.session.get(Application, application_id) or abort(404)


def challenge_url(challenge_id: int) -> str:
    """The challenge page (its own blueprint); the plain path while that blueprint is not there."""
    try:
        return url_for("challenges.detail", challenge_id=challenge_id)
    except BuildError:
        return f"/challenges/{challenge_id}"


def to_detail(challenge: Challenge, anchor: str | None = None):
    return redirect(url_for("challenges.detail", challenge_id=challenge.id, _anchor=anchor))


def errors_to_form(form, exc: ChallengeError) -> None:
    """Each field the service named gets its message next to it; the rest is flashed."""
    errors = exc.errors if isinstance(exc, ChallengeInvalid) else {getattr(exc, "field", None) or "": str(exc)}
    for name, message in errors.items():
        field = getattr(form, name or "", None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*field.errors, message]
        else:
            flash(message, "danger")


def read_uploads(field) -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in (field.data or []) if f and getattr(f, "filename", "")]
