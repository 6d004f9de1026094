"""What the API's operations share: who is asking, the object a path names (404 when the caller
may not see it, so an id never tells that a draft exists), and `write` — the one transaction of
an operation that changes something, with the services' refusals as problem+json and the
Idempotency-Key."""

from __future__ import annotations

import re
from datetime import date
from functools import wraps

import sqlalchemy as sa
from flask import make_response
from flask_babel import gettext as _
from flask_smorest import abort
from werkzeug.exceptions import HTTPException

from webapp.api import idempotency
from webapp.api.auth import api_user
from webapp.core.boundary import INT_MAX
from webapp.core.transitions import TransitionError
from webapp.extensions import db


def get_visible(model, object_id: int, may_see):
    """The object if `may_see(object)`; 404 otherwise."""
    found = db.session.get(model, object_id) if 0 < object_id <= INT_MAX else None
    if found is None or not may_see(found):
        abort(404)
    return found


def refuse(exc: ValueError):
    """A service's refusal (its message is written for the person asking): 409 when the object's
    state does not allow the step, 422 for invalid input, with the messages per field when the
    service gives them (`errors`, keyed as the request's fields)."""
    db.session.rollback()
    if isinstance(exc, TransitionError) or getattr(exc, "conflict", False):
        abort(409, message=str(exc))
    errors = getattr(exc, "errors", None)
    if isinstance(errors, dict) and errors:
        abort(
            422,
            message=_("Some fields are not valid; see errors."),
            messages={"json": {key: [str(text)] for key, text in errors.items()}},
        )
    abort(422, message=str(exc))


def write(view):
    """Wraps an operation that changes something (outside flask-smorest's own decorators, so it
    sees the finished response): the caller must be signed in with a write token; the services
    run in one transaction, committed once when they succeed and rolled back on any refusal; a
    POST with an Idempotency-Key that was answered before gets the same answer again."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        user = api_user()
        if not user.is_authenticated:
            abort(401)
        key = idempotency.read_key()
        if key is not None:
            earlier = idempotency.earlier_response(user.id, key)
            if earlier is not None:
                return earlier
        try:
            response = make_response(view(*args, **kwargs))
        except HTTPException:
            db.session.rollback()
            raise
        except ValueError as exc:
            refuse(exc)
        if key is not None and 200 <= response.status_code < 300:
            response = idempotency.remember(user.id, key, response)
        db.session.commit()
        return response

    return wrapper


def caller_must(may) -> callable:
    """Who asks is checked before what they ask (placed above flask-smorest's @bp.arguments): 401
    without a token, 403 when `may(user)` is false, and only then are the arguments read."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            user = api_user()
            if not user.is_authenticated:
                abort(401)
            if not may(user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def newest_first(query, model, args: dict, dump) -> dict:
    """A page of `query` (ordered by id, newest first) after MineQuery's cursor, the last id shown."""
    query = query.limit(args["limit"] + 1)
    if args.get("cursor"):
        query = query.where(model.id < int(args["cursor"]))
    rows = list(db.session.scalars(query))
    more, rows = len(rows) > args["limit"], rows[: args["limit"]]
    return {"items": [dump(row) for row in rows], "next_cursor": str(rows[-1].id) if more else None}


DAY_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})\.([1-9]\d{0,9})$")


def _day_position(cursor: str | None) -> tuple[date, int] | None:
    """(day, id) of a "YYYY-MM-DD.id" cursor; None for anything else (a stale or edited one: the
    first page)."""
    match = DAY_CURSOR.match(cursor or "")
    if not match:
        return None
    try:
        return date.fromisoformat(match.group(1)), int(match.group(2))
    except ValueError:
        return None


def by_day(query, day_column, model, args: dict, dump) -> dict:
    """A page of `query` in the order of a day (`day_column`, then id, both ascending) after
    Paging's cursor "YYYY-MM-DD.id", the day and id of the last row shown."""
    position = _day_position(args.get("cursor"))
    if position is not None:
        day, last_id = position
        query = query.where(sa.or_(day_column > day, sa.and_(day_column == day, model.id > last_id)))
    rows = list(db.session.scalars(query.order_by(day_column, model.id).limit(args["limit"] + 1)))
    more, rows = len(rows) > args["limit"], rows[: args["limit"]]
    last = rows[-1] if more else None
    next_cursor = f"{getattr(last, day_column.key).isoformat()}.{last.id}" if last is not None else None
    return {"items": [dump(row) for row in rows], "next_cursor": next_cursor}
