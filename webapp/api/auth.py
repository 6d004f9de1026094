"""Who is asking: a request to /api/ is authenticated by its bearer token alone, never a cookie."""

from __future__ import annotations

from flask import abort, g, request
from flask_login import AnonymousUserMixin

from webapp.accounts import tokens
from webapp.extensions import db

READ_METHODS = ("GET", "HEAD", "OPTIONS")


def authenticate_request() -> None:
    """Sets g.api_user (an anonymous user without a token) and g.api_token; 401 for a token that
    is sent but unknown, revoked or expired, 403 when its scopes do not cover the method."""
    g.api_user, g.api_token = AnonymousUserMixin(), None
    header = request.headers.get("Authorization")
    if not header:
        return
    found = tokens.authenticate(header)
    if found is None:
        db.session.rollback()
        abort(401)
    db.session.commit()  # the token's last use
    g.api_user, g.api_token = found
    needed = "read" if request.method in READ_METHODS else "write"
    if needed not in found[1].scopes.split():
        abort(403)


def api_user():
    return g.get("api_user") or AnonymousUserMixin()
