"""The audit log: services call record() for every state change they make."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
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


# How actions and objects are named to people reading the log; unknown codes are shown as they are.
ACTION_LABELS = {
    "account.register": _l("Account registered"),
    "account.create": _l("Account created"),
    "account.login": _l("Logged in"),
    "account.login_failed": _l("Wrong password"),
    "account.logout": _l("Logged out"),
    "account.password_change": _l("Password changed"),
    "account.password_reset_requested": _l("Password reset requested"),
    "account.password_reset": _l("Password reset"),
    "account.profile_update": _l("Profile edited"),
    "account.admin_update": _l("Account changed by an administrator"),
    "organisation.create": _l("Organisation created"),
    "organisation.update": _l("Organisation edited"),
    "notification.read": _l("Notification read"),
    "notification.read_all": _l("All notifications read"),
    "duplicate.merge": _l("Merged as a duplicate"),
    "duplicate.dismiss": _l("Possible duplicate dismissed"),
    "field.create": _l("Technical field created"),
    "field.update": _l("Technical field edited"),
    "field.delete": _l("Technical field deleted"),
    "import.upload": _l("File uploaded for import"),
    "import.batch": _l("Listings imported from a file (one batch)"),
    "achievement.create": _l("Achievement created"),
    "achievement.update": _l("Achievement edited"),
    "achievement.submit": _l("Achievement submitted for review"),
    "achievement.approve": _l("Achievement approved and published"),
    "achievement.return": _l("Achievement returned for changes"),
    "achievement.withdraw": _l("Achievement taken offline by its owner"),
    "achievement.take_down": _l("Achievement taken down by an administrator"),
    "achievement.access_request": _l("Access to confidential details requested"),
    "achievement.access_decision": _l("Access to confidential details decided"),
    "need.create": _l("Need created"),
    "need.update": _l("Need edited"),
    "need.submit": _l("Need submitted for review"),
    "need.approve": _l("Need approved and published"),
    "need.return": _l("Need returned for changes"),
    "need.withdraw": _l("Need taken offline by its owner"),
    "need.take_down": _l("Need taken down by an administrator"),
    "match.accept": _l("Suggestion accepted and the parties introduced"),
    "match.reject": _l("Suggestion rejected"),
    "match.outcome": _l("Introduction outcome recorded"),
    "match.lexicon_add": _l("Matching lexicon entry added"),
    "match.lexicon_remove": _l("Matching lexicon entry removed"),
    "match.rematch": _l("Full re-match started"),
    "match.weights": _l("Matching weights refitted and made live"),
    "match.weights_rollback": _l("Matching weights set back to the previous ones"),
    "deal.create": _l("Deal opened"),
    "deal.value": _l("Contract value changed"),
    "deal.sign": _l("Contract signed"),
    "deal.register": _l("Contract registered"),
    "deal.schedule": _l("Payment schedule set"),
    "deal.payment": _l("Payment received"),
    "deal.cancel": _l("Deal cancelled"),
    "deal.evidence_export": _l("Agency subsidy evidence pack downloaded"),
    "deal.field": _l("Technical field of the deal corrected"),
    "deal.file": _l("Document added to the deal"),
    "dashboard.target": _l("Turnover target set"),
}

OBJECT_LABELS = {
    "users": _l("User"),
    "organisations": _l("Organisation"),
    "notifications": _l("Notification"),
    "duplicate_candidates": _l("Possible duplicate"),
    "tech_fields": _l("Technical field"),
    "import_jobs": _l("Import"),
    "achievements": _l("Achievement"),
    "needs": _l("Need"),
    "achievement_access": _l("Access request"),
    "match_suggestions": _l("Match suggestion"),
    "introductions": _l("Introduction"),
    "match_lexicon": _l("Matching lexicon entry"),
    "match_jobs": _l("Full re-match"),
    "deals": _l("Deal record"),
    "turnover_targets": _l("Turnover target"),
}


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
