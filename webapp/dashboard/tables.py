"""The tables every dashboard shows, and the same tables as `.xlsx` (one sheet per table).

A Table is data, not markup: the page renders it with `dashboard/_macros.html`, the export writes it
with openpyxl, so what is downloaded is exactly what was shown. Money is whole 元 in the rows; a
"money" column is shown and exported in 万元 (number format with four decimals, i.e. exact to the
元), a "yuan" column is exported as whole 元 (for evidence an auditor adds up).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from webapp.core import spreadsheet
from webapp.core.money import wan_number

KINDS = ("text", "int", "money", "yuan", "percent", "date", "days")
SHEET_NAME_MAX = 31


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # one of KINDS

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    name: str  # a stable identifier: the export's ?table= and the HTML id
    title: str
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)
    total: dict | None = None  # a last row, bold
    note: str | None = None  # shown under the table and in the sheet

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def share(part: int, whole: int) -> Decimal | None:
    """part/whole as a fraction (0.25 = 25%), None when there is no whole."""
    return None if not whole else Decimal(part) / Decimal(whole)


def _sheet_name(title: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:SHEET_NAME_MAX] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" ({number})"
        name, number = base[: SHEET_NAME_MAX - len(suffix)] + suffix, number + 1
    taken.add(name.lower())
    return name


def _cell_value(kind: str, value):
    if value is None:
        return None
    if kind == "money":
        return wan_number(value)
    if kind == "percent":
        return float(value)
    if kind in ("int", "yuan", "days"):
        return value if isinstance(value, int) else float(value)
    if kind == "date" and isinstance(value, (date, datetime)):
        return value if isinstance(value, date) and not isinstance(value, datetime) else value.date()
    return str(value)


FORMATS = {
    "money": "#,##0.0000",
    "yuan": "#,##0",
    "int": "#,##0",
    "percent": "0.0%",
    "date": "yyyy-mm-dd",
    "days": "0.0",
}


def _header(column: Column) -> str:
    if column.kind == "money":
        return _("%(label)s (10k CNY)", label=column.label)
    if column.kind == "yuan":
        return _("%(label)s (CNY)", label=column.label)
    return column.label


def write_sheet(book: Workbook, table: Table, taken: set[str], heading: list[str] | None = None) -> None:
    sheet = book.create_sheet(_sheet_name(table.title, taken))
    bold = Font(bold=True)
    for line in heading or []:
        spreadsheet.append(sheet, [line])
    spreadsheet.append(sheet, [table.title])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=13)
    spreadsheet.append(sheet, [_header(c) for c in table.columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDE7F5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = list(table.rows) + ([table.total] if table.total else [])
    formats = [FORMATS.get(c.kind) for c in table.columns]
    for row in rows:
        spreadsheet.append(sheet, [_cell_value(c.kind, row.get(c.key)) for c in table.columns], formats)
    if table.total:
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    if table.note:
        sheet.append([])
        spreadsheet.append(sheet, [table.note])
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    for index, column in enumerate(table.columns, 1):
        width = max([len(_header(column))] + [len(str(r.get(column.key) or "")) for r in rows[:200]])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, width * 1.6 + 2), 60)


def workbook(tables: list[Table], heading: list[str] | None = None) -> bytes:
    """One sheet per table, each opened by the heading lines (what, which period, when made)."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for table in tables:
        write_sheet(book, table, taken, heading)
    if not tables:
        book.create_sheet(_("Empty"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, tables: list[Table], heading: list[str] | None = None):
    """A download of the tables; the name may be Chinese (sent as RFC 5987 filename*)."""
    response = send_file(
        io.BytesIO(workbook(tables, heading)), mimetype=XLSX, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
