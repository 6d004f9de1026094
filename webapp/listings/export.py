"""Export of a library list to .xlsx and .csv in the import format (interfaces.md), so a file that
was exported imports again: the same column names, amounts in 万元 as text (50, 50-100, 面议),
maturity and modes in the Chinese words the importer reads, the field as 上级-下级.

Only public columns are written (never the confidential part or a need's contact), and a need's
organisation only where the reader may see who posted it.
"""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from webapp.core import clock, spreadsheet
from webapp.core.money import wan_range_text
from webapp.listings.models import CoopMode, Maturity

# At most this many rows per file: about 5 MB of .xlsx, a few seconds to build. Larger lists are
# narrowed with the filters first (the list page says when a file would be cut).
EXPORT_CAP = 10_000

ACHIEVEMENT_COLUMNS = (
    "external_id",
    "title",
    "summary",
    "keywords",
    "field",
    "maturity",
    "trl",
    "patents",
    "transfer_modes",
    "price",
    "institution",
    "team",
    "scenarios",
    "posted_on",
)
NEED_COLUMNS = (
    "external_id",
    "title",
    "description",
    "keywords",
    "field",
    "budget",
    "deadline",
    "cooperation_modes",
    "organisation",
    "posted_on",
    "indicators",
    "expected_maturity",
)

MATURITY_WORDS = {
    Maturity.RESEARCH: "正在研发",
    Maturity.LAB: "小试",
    Maturity.PILOT: "中试",
    Maturity.SAMPLE: "已有样品",
    Maturity.MASS: "可量产",
}
MODE_WORDS = {
    CoopMode.TRANSFER: "转让",
    CoopMode.LICENSE: "许可",
    CoopMode.CO_DEVELOP: "合作开发",
    CoopMode.COMMISSIONED: "委托开发",
    CoopMode.EQUITY: "作价入股",
    CoopMode.SERVICE: "技术服务",
    CoopMode.OTHER: "其他",
}
LIST_SEPARATOR = "、"


def columns_for(kind: str) -> tuple[str, ...]:
    return ACHIEVEMENT_COLUMNS if kind == "a" else NEED_COLUMNS


def field_path(field) -> str:
    if field is None:
        return ""
    return f"{field.parent.name}-{field.name}" if field.parent is not None else field.name


def posted_day(listing) -> str:
    day: date | None = listing.posted_on
    if day is None and listing.published_at is not None:
        day = clock.local(listing.published_at).date()
    return day.isoformat() if day else ""


def _common(listing) -> dict:
    return {
        "external_id": listing.external_id or "",
        "title": listing.title,
        "keywords": LIST_SEPARATOR.join(listing.keywords or []),
        "field": field_path(listing.field),
        "posted_on": posted_day(listing),
    }


def achievement_row(achievement, viewer=None) -> dict:
    return {
        **_common(achievement),
        "summary": achievement.summary,
        "maturity": MATURITY_WORDS.get(achievement.maturity, ""),
        "trl": achievement.trl if achievement.trl is not None else "",
        "patents": LIST_SEPARATOR.join(achievement.patents or []),
        "transfer_modes": LIST_SEPARATOR.join(MODE_WORDS[m] for m in achievement.coop_modes),
        "price": wan_range_text(achievement.price_min, achievement.price_max),
        "institution": achievement.institution_label,
        "team": achievement.team or "",
        "scenarios": achievement.scenarios or "",
    }


def need_row(need, viewer=None) -> dict:
    return {
        **_common(need),
        "description": need.description,
        "budget": wan_range_text(need.budget_min, need.budget_max),
        "deadline": need.deadline.isoformat() if need.deadline else "",
        "cooperation_modes": LIST_SEPARATOR.join(MODE_WORDS[m] for m in need.coop_modes),
        "organisation": need.organisation_label if need.can_see_identity(viewer) else "",
        "indicators": need.indicators or "",
        "expected_maturity": MATURITY_WORDS.get(need.expected_maturity, ""),
    }


def rows_for(kind: str, listings, viewer=None) -> list[dict]:
    make = achievement_row if kind == "a" else need_row
    return [make(listing, viewer) for listing in listings]


def to_xlsx(columns, rows, title: str = "listings") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    spreadsheet.append(sheet, columns)
    for row in rows:
        spreadsheet.append(sheet, [row.get(column, "") for column in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
