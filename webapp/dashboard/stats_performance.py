"""事后绩效 on the district's dashboard: the performance reports by state and rating with the sums of
what they report (a table and its chart), and the reports themselves, one row each, for the quarterly
summary. The reports are counted in their state today, whatever the period chosen."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.core import clock
from webapp.dashboard.periods import Period
from webapp.dashboard.tables import Column, Table
from webapp.performance import figures as performance
from webapp.performance.models import Rating


def _row(key: str, name: str, group: performance.Group, sums: bool = True) -> dict:
    row = {"key": key, "name": name, "count": group.count}
    for column in performance.SUMMED:
        row[column] = getattr(group, column) if sums else None
    return row


def figures_table() -> Table:
    found = performance.figures(clock.today())
    rows = [
        _row("due", _("Due, not yet filed"), found.due, sums=False),
        _row("overdue", _("Overdue"), found.overdue, sums=False),
        _row("submitted", _("Submitted, awaiting review"), found.submitted),
        *(_row(f"rating:{r.value}", _("Reviewed: %(rating)s", rating=r.label), found.ratings[r]) for r in Rating),
    ]
    total = _row("total", _("All reports (sums of the filed ones)"), found.total)
    filed = found.filed
    for column in performance.SUMMED:
        total[column] = getattr(filed, column)
    columns = [
        Column("name", _("Reports")),
        Column("count", _("Number"), "int"),
        Column("sales", _("Sales reported"), "money"),
        Column("cost_saved", _("Cost saved"), "money"),
        Column("follow_on_value", _("Follow-on contracts"), "money"),
    ]
    return Table(
        "performance",
        _("Performance reports (事后绩效)"),
        columns,
        rows,
        total,
        note=_("Every report in its state today, whatever the period; the sums are of the filed reports."),
    )


def cards(table: Table) -> dict[str, int]:
    """The headline counts: due, overdue, submitted, reviewed."""
    by_key = {row["key"]: row["count"] for row in table.rows}
    reviewed = sum(count for key, count in by_key.items() if key.startswith("rating:"))
    return {"due": by_key["due"], "overdue": by_key["overdue"], "submitted": by_key["submitted"], "reviewed": reviewed}


def reports_table(period: Period) -> Table:
    rows = [
        {
            "name": report.title,
            "kind": _("Challenge") if report.challenge_id else _("Deal"),
            "party": report.enterprise_name,
            "opened_on": report.opened_on,
            "due_on": report.due_on,
            "status": report.status.label,
            "rating": report.rating.label if report.rating else None,
            "new_products": report.new_products,
            "sales": report.sales,
            "cost_saved": report.cost_saved,
            "patents_filed": report.patents_filed,
            "patents_granted": report.patents_granted,
            "jobs": report.jobs,
            "follow_on_contracts": report.follow_on_contracts,
            "follow_on_value": report.follow_on_value,
            "submitted_on": clock.local(report.submitted_at).date() if report.submitted_at else None,
        }
        for report in performance.reports_until(period.end)
    ]
    columns = [
        Column("name", _("Challenge or deal")),
        Column("kind", _("Kind")),
        Column("party", _("Enterprise")),
        Column("opened_on", _("Completed or paid in full"), "date"),
        Column("due_on", _("Due by"), "date"),
        Column("status", _("Status")),
        Column("rating", _("Rating")),
        Column("new_products", _("New products"), "int"),
        Column("sales", _("Sales reported"), "money"),
        Column("cost_saved", _("Cost saved"), "money"),
        Column("patents_filed", _("Patents filed"), "int"),
        Column("patents_granted", _("Patents granted"), "int"),
        Column("jobs", _("Jobs created"), "int"),
        Column("follow_on_contracts", _("Follow-on contracts"), "int"),
        Column("follow_on_value", _("Value of the follow-on contracts"), "money"),
        Column("submitted_on", _("Submitted on"), "date"),
    ]
    return Table(
        "performance_reports",
        _("Performance reports"),
        columns,
        rows,
        note=_("Reports due by the period's end or filed by then, each in its state today."),
    )
