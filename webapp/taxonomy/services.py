"""Looking up and editing technical fields."""

from __future__ import annotations

import re

import sqlalchemy as sa

from webapp.extensions import db
from webapp.listings.text import normalise
from webapp.taxonomy.models import TechField

_SEPARATORS = re.compile(r"\s*(?:——|—|-|/|>|·|\|)\s*")


def all_fields() -> list[TechField]:
    return list(db.session.scalars(sa.select(TechField).order_by(TechField.parent_id.is_not(None), TechField.position)))


def choices() -> list[tuple[int, str]]:
    """Top-level fields followed by their children, for select boxes."""
    fields = all_fields()
    out = []
    for top in (f for f in fields if f.parent_id is None):
        out.append((top.id, top.name))
        out.extend((child.id, f"— {child.name}") for child in fields if child.parent_id == top.id)
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
                self.names.setdefault(normalise(name).lower(), []).append(f)

    def _lookup(self, name: str, parent: TechField | None = None) -> TechField | None:
        candidates = self.names.get(normalise(name).lower(), [])
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
