"""Reading .jsonl, .csv and .xlsx files into numbered rows, before anything touches the database.

A file that cannot be read at all (a broken workbook, an encoding we cannot recognise) raises
ImportFileError with a message for the person, so nothing is imported. A single unreadable line
(a bad JSON line) becomes a row with an error, reported as a skip like any invalid row.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from flask_babel import gettext as _

FORMATS = ("jsonl", "csv", "xlsx")


class ImportFileError(ValueError):
    """The whole file is unusable; the message says why and that nothing was imported."""


@dataclass
class SourceRow:
    line: int  # 1-based line (jsonl, csv) or worksheet row (xlsx), as the person sees it
    values: dict | None  # column name (as in the file) -> value
    error: str | None = None  # the line could not be read


@dataclass
class SourceFile:
    format: str
    rows: list[SourceRow]
    columns: list[str] = field(default_factory=list)  # header, in file order (jsonl: keys in order seen)
    notes: list[str] = field(default_factory=list)  # e.g. "read as GB18030"


def detect_format(filename: str) -> str:
    suffix = PurePath(filename or "").suffix.lower().lstrip(".")
    if suffix in ("json", "ndjson"):
        suffix = "jsonl"
    if suffix == "xls":
        raise ImportFileError(_("Old Excel files (.xls) cannot be read: save the sheet as .xlsx and upload that."))
    if suffix not in FORMATS:
        raise ImportFileError(
            _("“%(name)s” is not a .jsonl, .csv or .xlsx file.", name=PurePath(filename or "").name or "?")
        )
    return suffix


def read_source(filename: str, data: bytes) -> SourceFile:
    """All rows of the file, numbered; raises ImportFileError for an unreadable file."""
    fmt = detect_format(filename)
    if fmt == "xlsx":
        return _read_xlsx(data)
    text, notes = decode_text(data)
    source = _read_jsonl(text) if fmt == "jsonl" else _read_csv(text)
    source.notes.extend(notes)
    return source


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK, which Excel on Chinese
    Windows writes). A file that is mostly UTF-8 but has a broken byte is refused, not misread."""
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        utf8_error = exc
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    before = data[start : utf8_error.start]
    if any(b >= 0x80 for b in before):
        # Multi-byte UTF-8 decoded fine up to here: a damaged UTF-8 file, not a GBK one.
        line = before.count(b"\n") + 1
        raise ImportFileError(
            _(
                "The file is UTF-8 text with an invalid byte on line %(line)d; nothing was imported. "
                "Save it again as UTF-8.",
                line=line,
            )
        )
    try:
        text = data[start:].decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is neither UTF-8 nor GBK/GB18030 text; nothing was imported. Save it as UTF-8.")
        ) from None
    return text, [_("The file was read as GBK/GB18030 text (not UTF-8).")]


def _read_jsonl(text: str) -> SourceFile:
    rows, columns = [], {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            rows.append(SourceRow(number, None, _("not valid JSON (%(detail)s)", detail=exc.msg)))
            continue
        if not isinstance(value, dict):
            rows.append(SourceRow(number, None, _("not a JSON object")))
            continue
        for key in value:
            columns.setdefault(key, None)
        rows.append(SourceRow(number, value))
    return SourceFile("jsonl", rows, list(columns))


def _read_csv(text: str) -> SourceFile:
    first = text.split("\n", 1)[0]
    delimiter = max([",", "\t", ";"], key=first.count)  # the header tells: Excel writes , or ; or tabs
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter if first.count(delimiter) else ",")
    try:
        header = next(reader)
    except StopIteration:
        return SourceFile("csv", [], [])
    except csv.Error as exc:
        raise ImportFileError(_("The CSV header cannot be read: %(detail)s", detail=str(exc))) from None
    columns = [h.strip() for h in header]
    rows = []
    start = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rows.append(SourceRow(start, None, _("the CSV line cannot be read: %(detail)s", detail=str(exc))))
            start = reader.line_num + 1
            continue
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in record):
            continue
        rows.append(SourceRow(line, _zip_row(columns, record)))
    return SourceFile("csv", rows, [c for c in columns if c])


def _read_xlsx(data: bytes) -> SourceFile:
    """The first worksheet; its first non-empty row is the header. Read completely before
    importing, so a workbook damaged halfway imports nothing."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            raw = [(number, row) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
        finally:
            workbook.close()
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same thing here
        detail = str(exc).strip() or type(exc).__name__
        raise ImportFileError(
            _(
                "The file cannot be read as an Excel workbook (.xlsx): %(detail)s. Nothing was imported.",
                detail=detail[:200],
            )
        ) from None
    raw = [(n, row) for n, row in raw if row and any(_cell_text(c) for c in row)]
    if not raw:
        return SourceFile("xlsx", [], [])
    header_number, header = raw[0]
    columns = [_cell_text(c) for c in header]
    rows = [SourceRow(number, _zip_row(columns, [_cell_value(c) for c in row])) for number, row in raw[1:]]
    return SourceFile("xlsx", rows, [c for c in columns if c])


def _zip_row(columns: list[str], cells: list) -> dict:
    row = {}
    for name, value in zip(columns, cells, strict=False):
        if name and value not in (None, ""):
            row[name] = value
    return row


def _cell_text(value) -> str:
    return "" if value is None else str(value).strip()


def _cell_value(value):
    """Excel cells as the importer expects them: dates as dates, whole numbers without ".0"."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
