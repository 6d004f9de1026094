"""What a request may carry, checked once at the edge, before any view or the database sees it.

- Ids in paths (`<int:...>`) are at most 2³¹ − 1, the range of the database's integer columns: a
  larger one matches no route, so it is a plain 404 on SQLite and PostgreSQL alike.
- Numbers read from the query or a form with `request.args.get(name, type=int)` stay in that range
  too; beyond it the request is refused with a 400 that names the parameter.
- No parameter name or value may hold a NUL character (PostgreSQL cannot store one): 400.
- A query string longer than gunicorn's request line (4 KiB) is refused with 414, as gunicorn would
  refuse it in production, whatever server runs the app.

Anything that still reaches the database out of range (a number typed into a form field, a date at
the end of the calendar) is answered 400 by the error handlers in `webapp.core.errors`, never 500.
"""

from __future__ import annotations

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequest, RequestURITooLarge
from werkzeug.routing import IntegerConverter

INT_MAX = 2**31 - 1  # PostgreSQL's integer; ids and counts are stored as such
INT_MIN = -(2**31)
MAX_QUERY_STRING = 4094  # bytes: gunicorn's default limit_request_line


class BadInput(BadRequest):
    """A 400 whose description is shown to the user as the reason."""


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` as Werkzeug has it, but never beyond the database's integer."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's own argument name
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


class BoundedParameters(ImmutableMultiDict):
    """Query and form parameters whose integers, read with type=int, stay within the database's range."""

    def get(self, key, default=None, type=None):  # noqa: A002 - MultiDict's own signature
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            raise BadInput(_("The value of “%(name)s” is out of range.", name=key))
        return value


class BoundedRequest(Request):
    parameter_storage_class = BoundedParameters


def _has_nul(values) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values.getlist(key)) for key in values)


def here() -> str:
    """This page's address to come back to (the language switch's `next`), without a query string
    too long to have been accepted."""
    return request.full_path if len(request.query_string) <= MAX_QUERY_STRING else request.path


def install(app: Flask) -> None:
    """Before any route is added: the converter is bound when a rule is."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.request_class = BoundedRequest
    app.add_template_global(here)

    @app.before_request
    def refuse_hostile_parameters() -> None:
        if len(request.query_string) > MAX_QUERY_STRING:
            raise RequestURITooLarge()
        if _has_nul(request.args) or (request.method != "GET" and _has_nul(request.form)):
            raise BadInput(_("The request contains a NUL character, which no field may hold. Remove it and try again."))
