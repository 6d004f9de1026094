"""The one way the platform writes spreadsheet cells and CSV lines.

What people typed is stored as text, never as a formula: a deal titled `=HYPERLINK("http://…")` or a
payment note `+cmd|…` opens in Excel or WPS as the characters typed (OWASP "CSV injection"). In an
.xlsx a text cell is typed as a string, so it is shown as written; a CSV has no types, so a cell that
starts with = + @, a tab or a carriage return, or a minus not followed by a digit (-40℃ stays a
number), gets a leading apostrophe. Control characters an .xlsx cannot hold are dropped.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "@", "\t", "\r")


def _clean(value):
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def append(sheet, values: Iterable, number_formats: Sequence[str | None] | None = None) -> None:
    """Add a row to a worksheet (write-only or not): text as text, numbers with their format."""
    values = [_clean(v) for v in values]
    formats = list(number_formats or [])
    if isinstance(sheet, WriteOnlyWorksheet):
        cells = []
        for index, value in enumerate(values):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            elif index < len(formats) and formats[index] and value is not None:
                cell.number_format = formats[index]
            cells.append(cell)
        sheet.append(cells)
        return
    sheet.append(values)
    for index, cell in enumerate(sheet[sheet.max_row]):
        if isinstance(cell.value, str):
            cell.data_type = "s"  # openpyxl reads a leading "=" as a formula; it is text here
        elif index < len(formats) and formats[index]:
            cell.number_format = formats[index]


def csv_cell(value):
    """A CSV cell a spreadsheet will not run."""
    if not isinstance(value, str) or not value:
        return value
    if value[0] in FORMULA_STARTS or (value[0] == "-" and not value[1:2].isdigit()):
        return "'" + value
    return value


def to_csv(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """UTF-8 with a byte-order mark, which is how Excel recognises UTF-8 and shows Chinese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in columns])
    for row in rows:
        writer.writerow([csv_cell(row.get(c, "")) for c in columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
