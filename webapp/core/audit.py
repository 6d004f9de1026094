"""The audit log: services call record() for every state change they make."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import UTCDateTime, utcnow
from webapp.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False, index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(50))
    object_id: Mapped[int | None] = mapped_column()
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(64))

    actor = relationship("User", lazy="joined")

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name"):  # Enum
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record(
    action: str,
    obj: Any = None,
    *,
    actor: Any = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (the caller's commit makes it durable)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=getattr(obj, "id", None),
        before=_jsonable(before) if before else None,
        after=_jsonable(after) if after else None,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def changes(obj: Any, fields: list[str]) -> dict:
    """A snapshot of fields, to pass as before= or after=."""
    return {f: getattr(obj, f) for f in fields}


# How actions and objects are named to people reading the log, registered by the domain that
# records them (each domain's texts.py, called from create_app); unknown codes are shown as they are.
ACTION_LABELS: dict[str, object] = {}
OBJECT_LABELS: dict[str, object] = {}


def register_labels(
    *, actions: Mapping[str, object] | None = None, objects: Mapping[str, object] | None = None
) -> None:
    """Name actions (codes like "deal.sign") and objects (table names); registering again changes nothing."""
    ACTION_LABELS.update(actions or {})
    OBJECT_LABELS.update(objects or {})


def action_label(code: str) -> str:
    label = ACTION_LABELS.get(code)
    return str(label) if label else code


def changed_fields(before: dict | None, after: dict | None) -> list[tuple[str, str, str]]:
    """An event's changes as (field, before, after) in words, for people reading the log: values as
    text, lists joined, nothing where a side has no value."""

    def text(value) -> str:
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, list | tuple):
            return ", ".join(text(v) for v in value)
        if isinstance(value, dict):
            return "; ".join(f"{k}: {text(v)}" for k, v in value.items())
        if isinstance(value, bool):
            return "✓" if value else "✗"
        return str(value)

    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [(key, text(before.get(key)) if key in before else "", text(after.get(key))) for key in keys]


def object_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    label = OBJECT_LABELS.get(object_type)
    return str(label) if label else object_type
