"""Jinja filters for Chinese formats: dates in Beijing time, lists (money is in `webapp.core.money`)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, get_locale


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


def join_list(items) -> str:
    """Items of a list in a sentence: 甲、乙 in Chinese, "a, b" in English."""
    return ("、" if is_chinese() else ", ").join(str(item) for item in items or ())


def register(app: Flask) -> None:
    app.add_template_filter(join_list, "list_join")
    app.add_template_global(join_list, "join_list")
    app.add_template_filter(format_dt, "dt")
    app.add_template_filter(format_day, "day")

    from webapp.core.audit import action_label, changed_fields, object_label

    app.add_template_global(changed_fields, "changed_fields")
    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(object_label, "object_label")
