"""Generic error pages (never a traceback) and, under /api/, RFC 9457 problem+json in the
request's language: the one place either is made."""

from __future__ import annotations

import logging
import math
import time

import sqlalchemy.exc as sa_exc
from flask import Flask, Response, json, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        401: (_("Authentication required"), _("Send a valid API token as “Authorization: Bearer <token>”.")),
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Not allowed"), _("Your account does not have permission to open this page.")),
        404: (_("Page not found"), _("The page does not exist or has been removed.")),
        405: (_("Method not allowed"), _("This address does not accept that kind of request.")),
        422: (_("Invalid parameters"), _("Some parameters are not valid; see errors.")),
        413: (_("Upload too large"), _("The file is larger than the upload limit.")),
        414: (
            _("Address too long"),
            _("The address is longer than the server accepts. Shorten the search and try again."),
        ),
        429: (_("Too many attempts"), _("Too many requests in a short time. Please wait a minute and try again.")),
        500: (_("Server error"), _("Something went wrong on our side. It has been logged; please try again later.")),
    }


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def problem(code: int, detail: str | None = None, *, errors: dict | None = None, headers: dict | None = None):
    """An RFC 9457 problem document: type, title, status, detail (and errors per field)."""
    title, message = _messages().get(code, (_("Error"), _("The request failed.")))
    body = {"type": "about:blank", "title": title, "status": code, "detail": detail or message}
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=code, mimetype="application/problem+json")
    if code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_exception_response(exc: HTTPException):
    """The response to an HTTP error anywhere: flask-smorest's handler under /api/ ends here too.
    Validation failures (webargs) carry their messages per location and field in exc.data."""
    from webapp.core.boundary import BadInput

    code = exc.code or 500
    detail = exc.description if isinstance(exc, BadInput) else None
    retry = {"Retry-After": str(seconds)} if code == 429 and (seconds := _retry_after()) else {}
    if is_api_request():
        data = getattr(exc, "data", None) or {}
        headers = dict(data.get("headers") or {}) | retry
        allowed = getattr(exc, "valid_methods", None)
        if code == 405 and allowed:
            headers["Allow"] = ", ".join(allowed)
        return problem(code, data.get("message") or detail, errors=data.get("messages"), headers=headers)
    body, code = render_error(code, detail)
    return body, code, retry


def _retry_after() -> int | None:
    """Whole seconds until the limit the request went over lets it through again."""
    from webapp.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return None
    return max(1, math.ceil(current.reset_at - time.time()))


def render_error(code: int, detail: str | None = None):
    title, message = _messages().get(code, (_("Error"), _("The request failed.")))
    if is_api_request():
        return problem(code, detail)
    return render_template("errors/error.html", code=code, title=title, message=detail or message), code


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return render_error(
            400, _("The form expired or was sent from another site. Please reload the page and submit again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code and exc.code < 400:
            return exc
        return http_exception_response(exc)

    @app.errorhandler(OverflowError)
    @app.errorhandler(sa_exc.DataError)
    def out_of_range(exc: Exception):
        """A value the database cannot hold (a number beyond its integers, a date past the calendar)
        that no check caught: the request's fault, said as such, and logged so the check gets added."""
        log.warning("value out of range on %s %s: %s", request.method, request.path, exc, exc_info=exc)
        from webapp.extensions import db

        db.session.rollback()
        return render_error(400, _("A value in the request is out of range. Please check the numbers and dates."))

    @app.errorhandler(Exception)
    def unhandled(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from webapp.extensions import db

        db.session.rollback()
        return render_error(InternalServerError.code)
