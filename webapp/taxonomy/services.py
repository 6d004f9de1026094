"""Looking up and editing technical fields."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from webapp.accounts.models import Role
from webapp.core import audit
from webapp.core.permissions import require_role
from webapp.core.text import fold, normalise
from webapp.extensions import db
from webapp.taxonomy.models import TechField

_SEPARATORS = re.compile(r"\s*(?:——|—|-|/|>|·|\|)\s*")


def all_fields() -> list[TechField]:
    return list(db.session.scalars(sa.select(TechField).order_by(TechField.parent_id.is_not(None), TechField.position)))


def choices() -> list[tuple[int, str]]:
    """Top-level fields followed by their children, for select boxes."""
    fields = all_fields()
    out = []
    for top in (f for f in fields if f.parent_id is None):
        out.append((top.id, top.display_name))
        out.extend((child.id, f"— {child.display_name}") for child in fields if child.parent_id == top.id)
    return out


class FieldResolver:
    """Maps field text from imported files (e.g. 电子信息-人工智能, 装备制造) to a taxonomy node.

    Built once per import from the table; matches names and aliases, the most specific first."""

    def __init__(self, fields: list[TechField] | None = None):
        fields = fields if fields is not None else all_fields()
        self.by_id = {f.id: f for f in fields}
        self.names: dict[str, list[TechField]] = {}
        for f in fields:
            for name in [f.name, *(f.aliases or [])]:
                self.names.setdefault(fold(name), []).append(f)

    def _lookup(self, name: str, parent: TechField | None = None) -> TechField | None:
        candidates = self.names.get(fold(name), [])
        if parent is not None:
            candidates = [c for c in candidates if c.parent_id == parent.id] or []
        # A generic alias like 其他 only counts under a known parent.
        if parent is None and normalise(name) == "其他":
            return None
        children = [c for c in candidates if c.parent_id is not None]
        return (children or candidates or [None])[0]

    def resolve(self, text: str | None) -> TechField | None:
        text = normalise(text)
        if not text:
            return None
        parts = [p for p in _SEPARATORS.split(text) if p]
        if len(parts) >= 2:
            top = self._lookup(parts[0])
            if top is not None and top.parent_id is not None:
                top = self.by_id.get(top.parent_id)
            if top is not None:
                child = self._lookup(parts[-1], top)
                if child is not None:
                    return child
            leaf = self._lookup(parts[-1])
            if leaf is not None:
                return leaf
            return top
        return self._lookup(text)


# --- editing (admins) -------------------------------------------------------------------------


class FieldError(ValueError):
    """A field that cannot be saved or deleted; `field` names the form input the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


AUDIT_FIELDS = ["name", "name_en", "parent_id", "aliases", "priority", "position"]
_ALIAS_SEPARATORS = re.compile(r"[，,；;、\n]+")


def parse_aliases(text: str | list | None, name: str = "") -> list[str]:
    """Aliases typed as comma-separated text (spaces stay inside a name); order kept, repeats and
    the field's own name dropped."""
    items = text if isinstance(text, list) else _ALIAS_SEPARATORS.split(text or "")
    seen: dict[str, None] = {}
    for item in items:
        item = normalise(item)[:60]
        if item and item != name:
            seen.setdefault(item, None)
    return list(seen)


def tree() -> list[tuple[TechField, list[TechField]]]:
    """Top-level fields in order, each with its children in order."""
    fields = all_fields()
    tops = sorted((f for f in fields if f.parent_id is None), key=lambda f: (f.position, f.id))
    return [
        (top, sorted((f for f in fields if f.parent_id == top.id), key=lambda f: (f.position, f.id))) for top in tops
    ]


# Models whose `field_id` uses a field (the listing kinds, registered from create_app): taxonomy sits
# below them and cannot import them.
_FIELD_USERS: list[type] = []


def register_field_user(model: type) -> None:
    if model not in _FIELD_USERS:
        _FIELD_USERS.append(model)


def usage_counts() -> dict[int, int]:
    """Listings (achievements and needs) per field id."""
    counts: dict[int, int] = {}
    for model in _FIELD_USERS:
        rows = db.session.execute(
            sa.select(model.field_id, sa.func.count()).where(model.field_id.is_not(None)).group_by(model.field_id)
        )
        for field_id, count in rows:
            counts[field_id] = counts.get(field_id, 0) + count
    return counts


def listing_count(field_id: int) -> int:
    return sum(
        db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.field_id == field_id)) or 0
        for model in _FIELD_USERS
    )


def _next_code(parent: TechField | None) -> str:
    """A code in the seed's pattern: a letter for a top-level field, parent code + two digits below it."""
    codes = set(db.session.scalars(sa.select(TechField.code)))
    if parent is None:
        for letter in "ABCDEFGHJKLMNPQRSTUVWXYZ":
            if letter not in codes:
                return letter
        number = 1
        while f"Z{number:02d}" in codes:
            number += 1
        return f"Z{number:02d}"
    number = 1
    while f"{parent.code}{number:02d}" in codes:
        number += 1
    return f"{parent.code}{number:02d}"


def save_field(
    actor,
    field: TechField | None,
    *,
    name: str,
    parent: TechField | None,
    aliases,
    priority: bool,
    position: int,
    name_en: str | None = None,
) -> TechField:
    """Create (field=None) or edit a field. Two levels only; the database rejects a name that is
    already used under the same parent, which is reported on the name."""
    require_role(actor, Role.ADMIN)
    name = normalise(name)
    if not name:
        raise FieldError(_("Give the field a name."), "name")
    if len(name) > 60:
        raise FieldError(_("At most 60 characters."), "name")
    if parent is not None:
        if field is not None and parent.id == field.id:
            raise FieldError(_("A field cannot be its own parent."), "parent_id")
        if parent.parent_id is not None:
            raise FieldError(_("Fields have two levels: choose a top-level field as the parent."), "parent_id")
        if field is not None and field.children:
            raise FieldError(_("This field has sub-fields, so it stays at the top level."), "parent_id")
    creating = field is None
    before = None if creating else audit.changes(field, AUDIT_FIELDS)
    if creating:
        field = TechField(code=_next_code(parent))
    field.name = name
    if name_en is not None:
        field.name_en = " ".join(name_en.split())[:80] or None
    field.parent_id = parent.id if parent is not None else None
    field.aliases = parse_aliases(aliases, name)
    field.priority = bool(priority)
    field.position = max(0, int(position or 0))
    try:
        with db.session.begin_nested():
            db.session.add(field)
            db.session.flush()
    except IntegrityError as exc:
        where = parent.name if parent is not None else _("the top level")
        raise FieldError(
            _("There is already a field named “%(name)s” under %(parent)s.", name=name, parent=where), "name"
        ) from exc
    db.session.expire(field, ["parent", "children"])
    audit.record(
        f"field.{'create' if creating else 'update'}",
        field,
        actor=actor,
        before=before,
        after=audit.changes(field, AUDIT_FIELDS),
    )
    return field


def delete_field(actor, field: TechField) -> None:
    """Only a field no listing uses and without sub-fields can go; otherwise the message says why."""
    require_role(actor, Role.ADMIN)
    children = db.session.scalar(sa.select(sa.func.count()).where(TechField.parent_id == field.id)) or 0
    if children:
        raise FieldError(
            ngettext(
                "“%(name)s” has %(num)d sub-field: move or delete it first.",
                "“%(name)s” has %(num)d sub-fields: move or delete them first.",
                children,
                name=field.name,
            )
        )
    used = listing_count(field.id)
    if used:
        raise FieldError(
            ngettext(
                "“%(name)s” is the field of %(num)d listing: give it another field first.",
                "“%(name)s” is the field of %(num)d listings: give them another field first.",
                used,
                name=field.name,
            )
        )
    audit.record("field.delete", field, actor=actor, before=audit.changes(field, AUDIT_FIELDS + ["code"]))
    db.session.delete(field)
    db.session.flush()
