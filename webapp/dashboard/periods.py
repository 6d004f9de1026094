"""The period a dashboard shows: a year, a quarter, a month or a custom range of days (both ends
included), read from the query string (`period=2026`, `2026-Q3`, `2026-07`, or `from`/`to`).

"Today" is the district's date (Beijing time) on the application's clock, so that a demo or a test
that moves the clock moves the default period with it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _

from webapp.core import clock

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
MAX_DAYS = 366 * 10


class PeriodError(ValueError):
    """A period the user typed that cannot be read; the message is for the user."""


def today() -> date:
    return clock.today()


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    kind: str  # "year", "quarter", "month" or "custom"

    @property
    def key(self) -> str:
        """What goes back into the query string (`period=`), or "custom"."""
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return "custom"

    @property
    def query(self) -> dict[str, str]:
        """Query-string arguments that select this period again (for links and exports)."""
        if self.kind == "custom":
            return {"from": self.start.isoformat(), "to": self.end.isoformat()}
        return {"period": self.key}

    @property
    def label(self) -> str:
        if self.kind == "year":
            return _("Year %(year)d", year=self.start.year)
        if self.kind == "quarter":
            return _("Q%(quarter)d %(year)d", quarter=(self.start.month - 1) // 3 + 1, year=self.start.year)
        if self.kind == "month":
            return _("%(year)d-%(month)02d", year=self.start.year, month=self.start.month)
        return _("%(start)s to %(end)s", start=self.start.isoformat(), end=self.end.isoformat())

    @property
    def slug(self) -> str:
        """For file names: 2026, 2026-Q3, 2026-07, 2026-01-01_2026-02-15."""
        return self.key if self.kind != "custom" else f"{self.start.isoformat()}_{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def months(self) -> list[int]:
        """The months the period touches, as yyyymm."""
        out, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(year * 100 + month)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def previous(self) -> Period:
        """The period of the same kind just before (for 'compared with')."""
        if self.kind == "year":
            return year(self.start.year - 1)
        if self.kind == "quarter":
            first = self.start - timedelta(days=1)
            return quarter(first.year, (first.month - 1) // 3 + 1)
        if self.kind == "month":
            first = self.start - timedelta(days=1)
            return month(first.year, first.month)
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1), "custom")


def year(value: int) -> Period:
    return Period(date(value, 1, 1), date(value, 12, 31), "year")


def quarter(value: int, number: int) -> Period:
    first = 3 * (number - 1) + 1
    return Period(date(value, first, 1), date(value, first + 2, calendar.monthrange(value, first + 2)[1]), "quarter")


def month(value: int, number: int) -> Period:
    return Period(date(value, number, 1), date(value, number, calendar.monthrange(value, number)[1]), "month")


def _day(text: str, what: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(_("%(what)s: give a date as YYYY-MM-DD.", what=what)) from None
    if not EARLIEST <= day <= LATEST:
        raise PeriodError(_("%(what)s: give a date between 2000 and 2100.", what=what))
    return day


def parse(args, default: Period | None = None) -> Period:
    """The period the query string asks for; the current year when it asks for none. Raises
    PeriodError with a message for the user when it cannot be read."""
    start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
    if start or end:
        if not (start and end):
            raise PeriodError(_("Give both the first and the last day of the period."))
        first, last = _day(start, _("First day")), _day(end, _("Last day"))
        if last < first:
            raise PeriodError(_("The last day comes before the first."))
        if (last - first).days >= MAX_DAYS:
            raise PeriodError(_("A period covers at most ten years."))
        return Period(first, last, "custom")
    text = (args.get("period") or "").strip().upper()
    if not text:
        return default or year(today().year)
    if match := re.fullmatch(r"(\d{4})", text):
        value = int(match.group(1))
        if 2000 <= value <= 2100:
            return year(value)
    elif match := re.fullmatch(r"(\d{4})-?Q([1-4])", text):
        if 2000 <= int(match.group(1)) <= 2100:
            return quarter(int(match.group(1)), int(match.group(2)))
    elif match := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
        value, number = int(match.group(1)), int(match.group(2))
        if 2000 <= value <= 2100 and 1 <= number <= 12:
            return month(value, number)
    raise PeriodError(
        _(
            "Unknown period %(text)s: use a year (2026), a quarter (2026-Q3) or a month (2026-07).",
            text=args.get("period"),
        )
    )


def read(args) -> tuple[Period, str | None]:
    """The period asked for and no error, or the current year and the error's message (shown by the
    page, which then shows the current year instead of failing)."""
    try:
        return parse(args), None
    except PeriodError as exc:
        return year(today().year), str(exc)


def choices(current: Period, years_back: int = 4) -> list[tuple[str, str]]:
    """The selector's options: the last few years, this year's quarters and months so far."""
    now = today()
    options = [(year(y).key, year(y).label) for y in range(now.year, now.year - years_back - 1, -1)]
    options += [(quarter(now.year, q).key, quarter(now.year, q).label) for q in range(1, (now.month - 1) // 3 + 2)]
    options += [(month(now.year, m).key, month(now.year, m).label) for m in range(1, now.month + 1)]
    if current.kind != "custom" and current.key not in {key for key, _label in options}:
        options.insert(0, (current.key, current.label))
    return options
