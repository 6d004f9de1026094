"""`Idempotency-Key` on the API's POST operations: the first request with a key runs and its
successful response is stored with it, in the same transaction as the change; the same key sent
again by the same user gets that response back (`Idempotent-Replayed: true`) and changes nothing.
A key sent with a different request is refused (422); keys are forgotten after a day.

Two identical requests racing each other: on SQLite the write lock orders them, so the second
finds the first's record; on PostgreSQL the second's record collides with the first's on the
unique (user, key) constraint when it is flushed, its whole transaction is rolled back and the
first's response is replayed."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, json, request
from flask_babel import gettext as _
from flask_smorest import abort

from webapp.accounts.models import IdempotentRequest
from webapp.core import clock
from webapp.extensions import db

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[!-~]{1,255}$"  # 1–255 visible ASCII characters, e.g. a UUID or an import row's id
KEPT_FOR = timedelta(hours=24)


def _multipart() -> str:
    """A form with files by its fields and each file's name and content hash: the same whether the
    body was parsed already or not (the raw body is gone once it has been)."""
    parts = [f"{name}={value}" for name, value in sorted(request.form.items(multi=True))]
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        digest = hashlib.sha256()
        upload.stream.seek(0)
        while chunk := upload.stream.read(2**16):
            digest.update(chunk)
        upload.stream.seek(0)
        parts.append(f"{name}:{upload.filename}:{digest.hexdigest()}")
    return "\0".join(parts)


def fingerprint() -> str:
    """What the request asks: method, path with query, and its JSON body in a canonical form (so
    the same object sent with its keys in another order is the same request), or its form."""
    body = request.get_json(silent=True)
    if body is not None:
        payload = json.dumps(body, sort_keys=True, ensure_ascii=False)
    elif request.mimetype == "multipart/form-data":
        payload = _multipart()
    else:
        payload = request.get_data(as_text=True)
    text = "\0".join((request.method, request.full_path, payload))
    return hashlib.sha256(text.encode()).hexdigest()


def read_key() -> str | None:
    """The request's key, or None; a malformed key is refused before anything runs."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not re.fullmatch(KEY_PATTERN, key):
        abort(400, message=_("Idempotency-Key must be 1 to 255 visible ASCII characters, such as a UUID."))
    return key


def _find(user_id: int, key: str) -> IdempotentRequest | None:
    return db.session.scalar(
        sa.select(IdempotentRequest).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    )


def _replay(record: IdempotentRequest, asked: str) -> Response:
    if record.fingerprint != asked:
        abort(422, message=_("This Idempotency-Key was already used for a different request; use a new key."))
    response = Response(record.body, status=record.status_code, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    if record.location:
        response.headers["Location"] = record.location
    return response


def earlier_response(user_id: int, key: str) -> Response | None:
    """The response stored for this user's key (to send again), or None when the key is new or
    older than KEPT_FOR (then it is forgotten and the request runs)."""
    record = _find(user_id, key)
    if record is None:
        return None
    if record.created_at <= clock.now() - KEPT_FOR:
        db.session.delete(record)
        db.session.flush()
        return None
    return _replay(record, fingerprint())


def remember(user_id: int, key: str, response: Response) -> Response:
    """Store a successful response with its key, in the change's transaction (the caller commits).
    If a concurrent request with the same key got there first, this request's change is rolled
    back and the other's response is returned instead."""
    asked = fingerprint()
    record = IdempotentRequest(
        user_id=user_id,
        key=key,
        fingerprint=asked,
        status_code=response.status_code,
        body=response.get_data(as_text=True),
        location=response.headers.get("Location"),
    )
    db.session.add(record)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        first = _find(user_id, key)
        if first is None:
            raise
        return _replay(first, asked)
    return response
