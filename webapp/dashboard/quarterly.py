"""The district's quarterly summary: one workbook with a cover sheet (the quarter, when it was made,
the totals against the same quarter a year earlier, the year's target progress) and a sheet per
dashboard table for the quarter."""

from __future__ import annotations

import io

from flask import send_file
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from webapp.core import clock, spreadsheet
from webapp.dashboard import periods, stats
from webapp.dashboard.periods import Period, PeriodError
from webapp.dashboard.tables import XLSX, write_sheet

SHEETS = (
    "target",
    "months",
    "fields",
    "institutions",
    "tiers",
    "agencies",
    "funnel",
    "challenges",
    "stages",
    "performance",
    "performance_reports",
)


class QuarterError(ValueError):
    """Not a quarter; the message is for the user."""


def quarter_of(args) -> Period:
    text = (args.get("period") or "").strip()
    if not text:
        raise QuarterError(_("Choose the quarter of the summary, for example period=2026-Q3."))
    try:
        period = periods.parse({"period": text})
    except PeriodError as exc:
        raise QuarterError(str(exc)) from None
    if period.kind != "quarter":
        raise QuarterError(
            _("The quarterly summary is made for a quarter (for example 2026-Q3), not %(text)s.", text=text)
        )
    return period


def a_year_earlier(period: Period) -> Period:
    return periods.quarter(period.start.year - 1, (period.start.month - 1) // 3 + 1)


def build(period: Period) -> bytes:
    found = stats.admin_dashboard(period)
    earlier = a_year_earlier(period)
    totals = stats.totals_table(period, earlier)
    made = clock.local_now().strftime("%Y-%m-%d %H:%M")
    book = Workbook()
    cover = book.active
    cover.title = _("Summary")
    spreadsheet.append(cover, [_("Jinnan District technology-contract turnover: quarterly summary")])
    cover.cell(row=1, column=1).font = Font(bold=True, size=14)
    spreadsheet.append(cover, [_("Quarter"), period.label, f"{period.start.isoformat()} – {period.end.isoformat()}"])
    spreadsheet.append(cover, [_("Made"), made])
    target = found.target
    spreadsheet.append(cover, [_("Year's target (CNY)"), target.amount if target.amount else _("No target set")])
    spreadsheet.append(cover, [_("Registered this year to the quarter's end (CNY)"), target.figures.registered])
    progress = float(target.progress) if target.progress is not None else None
    spreadsheet.append(cover, [_("Target progress"), progress], [None, "0.0%"])
    cover.append([])
    taken = {cover.title.lower()}
    # The totals table goes on the cover, below the headline figures.
    spreadsheet.append(cover, [totals.title])
    cover.cell(row=cover.max_row, column=1).font = Font(bold=True)
    spreadsheet.append(cover, [c.label for c in totals.columns])
    for row in totals.rows:
        change = float(row["change"]) if row["change"] is not None else None
        spreadsheet.append(cover, [row["name"], row["now"], row["before"], change], [None, None, None, "0.0%"])
    spreadsheet.append(cover, [totals.note])
    cover.column_dimensions["A"].width = 48
    cover.column_dimensions["B"].width = 22
    cover.column_dimensions["C"].width = 26
    heading = [period.label]
    write_sheet(book, totals, taken, heading)
    for name in SHEETS:
        write_sheet(book, found.tables[name], taken, heading)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def summary(args):
    period = quarter_of(args)
    response = send_file(
        io.BytesIO(build(period)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"jinnan-quarterly-{period.slug}.xlsx",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
