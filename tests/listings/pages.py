"""Helpers for the achievement and need page tests: rows made directly in the database, and
reading a rendered form the way a person sees it (values in the boxes, messages under them)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import sqlalchemy as sa

from webapp.core.db import utcnow
from webapp.listings.models import ListingStatus


def field_id(query, name: str = "人工智能") -> int:
    from webapp.taxonomy.models import TechField

    return query(lambda s: s.scalar(sa.select(TechField.id).where(TechField.name == name)))


def add_achievement(query, owner, status: ListingStatus = ListingStatus.DRAFT, **fields) -> int:
    from webapp.achievements.models import Achievement

    def add(session):
        values = {"title": "一种固态锂电池电解质", "summary": "高离子电导率的固态电解质。", **fields}
        if status is ListingStatus.PUBLISHED:
            values.setdefault("published_at", utcnow())
        if status is ListingStatus.RETURNED:
            values.setdefault("moderation_reason", "请补充专利信息")
        item = Achievement(owner_id=owner.id if owner else None, status=status, **values)
        session.add(item)
        session.commit()
        return item.id

    return query(add)


def add_need(query, owner, status: ListingStatus = ListingStatus.DRAFT, **fields) -> int:
    from webapp.needs.models import Need

    def add(session):
        values = {"title": "动力电池热失控预警", "description": "需要一种早期预警方法。", **fields}
        if owner is not None:
            values.setdefault("organisation_id", owner.organisation_id)
        if status is ListingStatus.PUBLISHED:
            values.setdefault("published_at", utcnow())
        if status is ListingStatus.RETURNED:
            values.setdefault("moderation_reason", "请补充技术指标")
        item = Need(owner_id=owner.id if owner else None, status=status, **values)
        session.add(item)
        session.commit()
        return item.id

    return query(add)


def status_of(query, model, listing_id: int) -> ListingStatus:
    return query(lambda s: s.get(model, listing_id).status)


class _Form(HTMLParser):
    """Values of inputs, textareas and selects, and the error messages shown under each field."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.values: dict[str, object] = {}
        self.errors: dict[str, list[str]] = {}
        self._field = None  # the field whose block we are in (data-field or fieldset id)
        self._textarea = None
        self._select = None
        self._in_error = False
        self._error_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("data-field"):
            self._field = a["data-field"]
        if tag == "fieldset" and a.get("id"):
            self._field = a["id"]
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "y"))
            elif a.get("type") not in ("submit",):
                self.values[a["name"]] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name")
            self.values[self._select] = None
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value")
        if tag == "div" and "invalid-feedback" in (a.get("class") or ""):
            self._in_error, self._error_text = True, ""

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea:
            # browsers drop the newline WTForms writes after <textarea>
            self.values[self._textarea] = re.sub(r"^\r?\n", "", self.values[self._textarea])
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "div" and self._in_error:
            self._in_error = False
            self.errors.setdefault(self._field, []).append(self._error_text.strip())

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data
        if self._in_error:
            self._error_text += data


def read_form(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    parser.close()
    return parser


def actions(html: str) -> list[str]:
    """The lifecycle buttons on a page, by action name (data-action), in order."""
    return re.findall(r'data-action="([a-z_]+)"', html)
