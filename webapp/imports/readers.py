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


@dataclass(frozen=True)
class Limits:
    """What one file may hold, so that no upload can occupy a worker for long: rows per file, bytes
    per row, and for a workbook (a zip) its unpacked size and how far any part of it is compressed
    (a 293 KB workbook that unpacks to 86 MB is refused before it is opened)."""

    rows: int = 100_000
    row_bytes: int = 1024 * 1024
    unpacked_bytes: int = 64 * 1024 * 1024
    ratio: int = 100  # unpacked ÷ packed, for any part over 1 MB unpacked

    @classmethod
    def from_config(cls, config) -> Limits:
        return cls(
            rows=config.get("IMPORT_MAX_ROWS", cls.rows),
            row_bytes=config.get("IMPORT_MAX_ROW_KB", cls.row_bytes // 1024) * 1024,
            unpacked_bytes=config.get("IMPORT_MAX_UNPACKED_MB", cls.unpacked_bytes // 2**20) * 2**20,
            ratio=config.get("IMPORT_MAX_RATIO", cls.ratio),
        )


def _current_limits() -> Limits:
    from flask import current_app, has_app_context

    return Limits.from_config(current_app.config) if has_app_context() else Limits()


def check_limits(filename: str, data: bytes, limits: Limits | None = None) -> None:
    """Refuse, before reading it, a file over the limits: cheap enough to run at upload."""
    limits = limits or _current_limits()
    fmt = detect_format(filename)
    if fmt == "xlsx":
        _check_zip(data, limits)
        return
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines > limits.rows + 1:  # + the header
        raise ImportFileError(
            _(
                "The file has %(lines)s lines; one file may hold at most %(max)s rows. Split it and upload the parts.",
                lines=f"{lines:,}",
                max=f"{limits.rows:,}",
            )
        )


def _check_zip(data: bytes, limits: Limits) -> None:
    import zipfile

    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFileError(
            _(
                "The file cannot be read as an Excel workbook (.xlsx): %(detail)s. Nothing was imported.",
                detail=str(exc)[:200],
            )
        ) from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.unpacked_bytes:
        raise ImportFileError(
            _(
                "The workbook unpacks to %(size)d MB; at most %(max)d MB. Split it or save it as CSV.",
                size=unpacked // 2**20,
                max=limits.unpacked_bytes // 2**20,
            )
        )
    for member in members:
        if member.file_size > 2**20 and member.file_size > limits.ratio * max(member.compress_size, 1):
            raise ImportFileError(
                _(
                    "The workbook is packed %(ratio)d times tighter than a spreadsheet can be (at most "
                    "%(max)d); it was not opened.",
                    ratio=member.file_size // max(member.compress_size, 1),
                    max=limits.ratio,
                )
            )


def _too_long(line: int, size: int, limits: Limits) -> SourceRow:
    return SourceRow(
        line,
        None,
        _("the row has %(kb)d KB; a row may hold at most %(max)d KB", kb=size // 1024, max=limits.row_bytes // 1024),
    )


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


def read_source(filename: str, data: bytes, limits: Limits | None = None) -> SourceFile:
    """All rows of the file, numbered; raises ImportFileError for an unreadable file or one over
    the limits."""
    limits = limits or _current_limits()
    check_limits(filename, data, limits)
    fmt = detect_format(filename)
    if fmt == "xlsx":
        return _read_xlsx(data, limits)
    text, notes = decode_text(data)
    source = _read_jsonl(text, limits) if fmt == "jsonl" else _read_csv(text, limits)
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


def _read_jsonl(text: str, limits: Limits) -> SourceFile:
    rows, columns = [], {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) * 3 > limits.row_bytes and len(line.encode()) > limits.row_bytes:
            rows.append(_too_long(number, len(line.encode()), limits))
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


def _read_csv(text: str, limits: Limits) -> SourceFile:
    # A cell as long as a whole row may be: the row's own limit then speaks, in words.
    csv.field_size_limit(max(csv.field_size_limit(), limits.row_bytes))
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
        size = sum(len(cell) for cell in record)
        if size * 3 > limits.row_bytes and (size := sum(len(cell.encode()) for cell in record)) > limits.row_bytes:
            rows.append(_too_long(line, size, limits))
            continue
        rows.append(SourceRow(line, _zip_row(columns, record)))
    return SourceFile("csv", rows, [c for c in columns if c])


def _read_xlsx(data: bytes, limits: Limits) -> SourceFile:
    """The first worksheet; its first non-empty row is the header. Read completely before
    importing, so a workbook damaged halfway imports nothing."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            raw = []
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                if row and any(_cell_text(c) for c in row):
                    raw.append((number, row))
                    if len(raw) > limits.rows + 1:  # + the header
                        raise ImportFileError(
                            _(
                                "The worksheet has more than %(max)s rows; one file may hold at most %(max)s. "
                                "Split it and upload the parts.",
                                max=f"{limits.rows:,}",
                            )
                        )
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean the same thing here
        detail = str(exc).strip() or type(exc).__name__
        raise ImportFileError(
            _(
                "The file cannot be read as an Excel workbook (.xlsx): %(detail)s. Nothing was imported.",
                detail=detail[:200],
            )
        ) from None
    if not raw:
        return SourceFile("xlsx", [], [])
    header_number, header = raw[0]
    columns = [_cell_text(c) for c in header]
    rows = []
    for number, row in raw[1:]:
        size = sum(len(str(c).encode()) for c in row if c is not None)
        too_long = size > limits.row_bytes
        rows.append(
            _too_long(number, size, limits)
            if too_long
            else SourceRow(number, _zip_row(columns, [_cell_value(c) for c in row]))
        )
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
