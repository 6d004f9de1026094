"""Jinja filters for Chinese formats: dates in Beijing time, money in 万元."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _


def format_dt(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    if str(get_locale()).startswith("zh"):
        return format_datetime(value, "yyyy年M月d日 HH:mm" if with_time else "yyyy年M月d日")
    return format_datetime(value, "yyyy-MM-dd HH:mm" if with_time else "yyyy-MM-dd")


def format_day(value: date | None) -> str:
    if value is None:
        return ""
    if str(get_locale()).startswith("zh"):
        return format_date(value, "yyyy年M月d日")
    return format_date(value, "yyyy-MM-dd")


def format_wan(yuan: int | Decimal | None) -> str:
    """An amount in 元 shown in 万元 with up to four decimals, trailing zeros dropped."""
    if yuan is None:
        return _("Negotiable")
    wan = (Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.0001"))
    text = f"{wan:,.4f}".rstrip("0").rstrip(".")
    return _("%(amount)s 10k CNY", amount=text)


def register(app: Flask) -> None:
    app.add_template_filter(format_dt, "dt")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_wan, "wan")

    from webapp.core.audit import action_label, object_label

    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(object_label, "object_label")
