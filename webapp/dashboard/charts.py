"""Chart specifications for static/js/charts.js, built from the dashboard's tables (the chart and the
table under it show the same rows). Money is charted in 万元, rounded to the yuan; the tables and
exports keep it exact."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.core.money import wan_number
from webapp.dashboard.tables import Table


def _turnover_series(table: Table, rows: list[dict]) -> list[dict]:
    return [
        {"name": table.column(key).label, "data": [wan_number(r[key]) for r in rows]}
        for key in ("signed", "registered", "received")
    ]


def cumulative_registered(table: Table, base_registered: int) -> list[int]:
    """The year's registered turnover (元) at the end of each month of the months table."""
    running, out = base_registered, []
    for row in table.rows:
        running += row["registered"]
        out.append(running)
    return out


def months(table: Table, base_registered: int, target: int | None) -> dict:
    """Bars signed / registered / received per month, and the year's registered turnover so far as a
    line on the right axis against the target."""
    cumulative = [wan_number(value) for value in cumulative_registered(table, base_registered)]
    series = _turnover_series(table, table.rows)
    series.append({"name": _("Registered this year, cumulative"), "kind": "line", "axis": "right", "data": cumulative})
    spec = {
        "type": "bar",
        "categories": [r["name"] for r in table.rows],
        "series": series,
        "unit": _("10k CNY"),
        "rightUnit": _("10k CNY"),
    }
    if target:
        spec.update(target=wan_number(target), targetSeries=3, targetLabel=_("Target"))
    return spec


def turnover(table: Table, links: bool = False) -> dict:
    rows = table.rows
    spec = {
        "type": "hbar",
        "categories": [r["name"] for r in rows],
        "series": _turnover_series(table, rows),
        "unit": _("10k CNY"),
    }
    if links:
        spec["links"] = [r.get("_link") for r in rows]
    return spec


def funnel(table: Table) -> dict:
    """The steps' counts as bars with their values: the steps are activity in the period, not one
    cohort narrowing down, so a funnel's shape would mislead."""
    return {
        "type": "hbar",
        "labels": True,
        "categories": [r["name"] for r in table.rows],
        "series": [{"name": table.title, "data": [r["count"] for r in table.rows]}],
    }


def performance(table: Table) -> dict:
    """The performance reports by state and rating, each bar with its number."""
    return {
        "type": "hbar",
        "labels": True,
        "categories": [r["name"] for r in table.rows],
        "series": [{"name": _("Reports"), "data": [r["count"] for r in table.rows]}],
    }


def stages(table: Table) -> dict:
    return {
        "type": "bar",
        "categories": [r["name"] for r in table.rows],
        "unit": _("days"),
        "series": [
            {
                "name": _("Average days"),
                "data": [round(r["days"], 1) if r["days"] is not None else None for r in table.rows],
            }
        ],
    }


def gauge(progress, label: str) -> dict:
    value = round(float(progress) * 100, 1) if progress is not None else 0
    return {"type": "gauge", "categories": [], "series": [{"name": label, "data": [value]}]}


def table_height(rows: int) -> int:
    return max(220, min(60 + 34 * rows, 520))
