"""Who is asking: a request to /api/ is authenticated by its bearer token alone, never a cookie."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import g, request
from flask_babel import gettext as _
from flask_login import AnonymousUserMixin
from flask_smorest import abort

from webapp.accounts import tokens
from webapp.extensions import db

log = logging.getLogger(__name__)

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
        abort(401)
    g.api_user, g.api_token = found
    _record_use(found[1])
    needed = "read" if request.method in READ_METHODS else "write"
    if needed not in found[1].scopes.split():
        abort(
            403, message=_("This token may only read. Create a token with the “read and write” scope to make changes.")
        )


def api_user():
    return g.get("api_user") or AnonymousUserMixin()


def api_token():
    return g.get("api_token")


def _record_use(token) -> None:
    """The token's last use, committed at once in its own short transaction. It must never fail
    the request: on SQLite a reading request's transaction cannot become a writing one when another
    connection wrote meanwhile ("database is locked"); then the use is simply not recorded."""
    try:
        if tokens.record_use(token):
            db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()
        log.warning("the use of API token %s was not recorded", token.id, exc_info=True)
