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
    if is_chinese():
        return format_datetime(value, "yyyy年M月d日 HH:mm" if with_time else "yyyy年M月d日")
    return format_datetime(value, "yyyy-MM-dd HH:mm" if with_time else "yyyy-MM-dd")


def format_day(value: date | None) -> str:
    if value is None:
        return ""
    if is_chinese():
        return format_date(value, "yyyy年M月d日")
    return format_date(value, "yyyy-MM-dd")


def is_chinese() -> bool:
    """Whether the page is in Chinese (the default), as opposed to English."""
    return str(get_locale()).startswith("zh")


def _trimmed(value: Decimal) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def english_amount(yuan: int | Decimal) -> str:
    """An amount in 元 as English readers count it: ¥600k, ¥1.2M, or ¥123,456 when neither is exact."""
    value = Decimal(yuan)
    if abs(value) >= 1_000_000 and value % 10_000 == 0:
        return f"¥{_trimmed(value / 1_000_000)}M"
    if abs(value) >= 1_000 and value % 1_000 == 0:
        return f"¥{_trimmed(value / 1_000)}k"
    return f"¥{_trimmed(value)}"


def format_wan(yuan: int | Decimal | None) -> str:
    """An amount in 元: in Chinese in 万元 with up to four decimals, trailing zeros dropped (60 万元);
    in English as ¥600k / ¥1.2M."""
    if yuan is None:
        return _("Negotiable")
    if not is_chinese():
        return english_amount(yuan)
    wan = (Decimal(yuan) / Decimal(10000)).quantize(Decimal("0.0001"))
    return _("%(amount)s 10k CNY", amount=_trimmed(wan))


def format_wan_span(low: int, high: int) -> str:
    """A range in 元: 50–100 万元 in Chinese, ¥500k–¥1M in English."""
    if not is_chinese():
        return f"{english_amount(low)}–{english_amount(high)}"
    wan = [_trimmed((Decimal(v) / Decimal(10000)).quantize(Decimal("0.0001"))) for v in (low, high)]
    return _("%(amount)s 10k CNY", amount="–".join(wan))


def join_list(items) -> str:
    """Items of a list in a sentence: 甲、乙 in Chinese, "a, b" in English."""
    return ("、" if is_chinese() else ", ").join(str(item) for item in items or ())


def register(app: Flask) -> None:
    app.add_template_filter(join_list, "list_join")
    app.add_template_global(join_list, "join_list")
    app.add_template_filter(format_dt, "dt")
    app.add_template_filter(format_day, "day")
    app.add_template_filter(format_wan, "wan")

    from webapp.core.audit import action_label, changed_fields, object_label

    app.add_template_global(changed_fields, "changed_fields")
    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(object_label, "object_label")
