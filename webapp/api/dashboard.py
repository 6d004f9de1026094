"""/api/v1/dashboard: the district dashboard's figures for a period and the quarterly summary, for
administrators — the page's own figures (webapp.dashboard.stats, built from the ledger), the same
period choices (webapp.dashboard.periods) and the same messages."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint, abort

from webapp.api.common import caller_must
from webapp.api.dashboard_schemas import DashboardOut, DashboardQuery, QuarterlyOut, QuarterQuery
from webapp.core.money import format_money
from webapp.dashboard import charts, periods, stats
from webapp.dashboard.quarterly import QuarterError, a_year_earlier, quarter_of
from webapp.dashboard.stats_turnover import ledger
from webapp.dashboard.tables import Table

bp = Blueprint(
    "api_dashboard",
    __name__,
    url_prefix="/api/v1",
    description="The district dashboard's figures (administrators).",
)

MONEY_FIGURES = ("signed", "registered", "received")


def _viewer(user) -> bool:
    return user.role in stats.VIEWERS


def _money(yuan: int | None) -> dict | None:
    return None if yuan is None else {"yuan": yuan, "text": format_money(yuan)}


def _fraction(value) -> float | None:
    return None if value is None else float(value)


def _percent_text(value) -> str | None:
    """As the page's tables show a share."""
    return None if value is None else f"{float(value) * 100:.1f}%"


def _period(period: periods.Period) -> dict:
    return {"key": period.key, "kind": period.kind, "label": period.label, "start": period.start, "end": period.end}


def _turnover_row(row: dict, **extra) -> dict:
    return {
        "name": row["name"],
        **{key: _money(row[key]) for key in MONEY_FIGURES},
        "deals": row["deals"],
        **extra,
    }


def _turnover_table(table: Table, rows: list[dict]) -> dict:
    return {"title": table.title, "note": table.note, "rows": rows, "total": _turnover_row(table.total)}


def _target(found_target: stats.Target, table: Table) -> dict:
    figures = found_target.figures
    return {
        "year": found_target.year,
        "until": found_target.until,
        "amount": _money(found_target.amount),
        "signed": _money(figures.signed),
        "registered": _money(figures.registered),
        "received": _money(figures.received),
        "progress": _fraction(found_target.progress),
        "progress_text": _percent_text(found_target.progress),
        "title": table.title,
        "note": table.note,
        "rows": [
            {
                "name": row["name"],
                "amount": _money(row["amount"]),
                "share": _fraction(row["share"]),
                "share_text": _percent_text(row["share"]),
            }
            for row in table.rows
        ],
    }


def _months(found: stats.Dashboard) -> dict:
    table = found.tables["months"]
    cumulative = charts.cumulative_registered(table, found.registered_before)
    rows = [
        _turnover_row(row, month=row["name"], registered_cumulative=_money(running))
        for row, running in zip(table.rows, cumulative, strict=True)
    ]
    return _turnover_table(table, rows)


def _org_table(table: Table) -> dict:
    return _turnover_table(table, [_turnover_row(row, org_id=row.get("org_id")) for row in table.rows])


def _simple(table: Table, rows: list[dict]) -> dict:
    return {"title": table.title, "note": table.note, "rows": rows}


def dashboard_data(found: stats.Dashboard) -> dict:
    """Everything the admin dashboard page shows for the period: the cards, the target, and each
    chart's table, rows in the page's order."""
    tables, total, period = found.tables, found.data.total, found.period
    return {
        "period": _period(period),
        "turnover": {
            "signed": _money(total.signed),
            "registered": _money(total.registered),
            "received": _money(total.received),
            "deals_signed": total.signed_count,
            "contracts_registered": total.registered_count,
        },
        "target": _target(found.target, tables["target"]),
        "months": _months(found),
        "fields_": _turnover_table(tables["fields"], [_turnover_row(row) for row in tables["fields"].rows]),
        "institutions": _org_table(tables["institutions"]),
        "tiers": _turnover_table(
            tables["tiers"], [_turnover_row(row, tier=row.get("tier") or None) for row in tables["tiers"].rows]
        ),
        "agencies": _org_table(tables["agencies"]),
        "funnel": _simple(
            tables["funnel"],
            [
                {
                    "step": row["step"],
                    "name": row["name"],
                    "count": row["count"],
                    "rate": _fraction(row["rate"]),
                    "rate_text": _percent_text(row["rate"]),
                }
                for row in tables["funnel"].rows
            ],
        ),
        "challenges": _simple(
            tables["challenges"],
            [
                {"figure": row["figure"], "name": row["name"], "count": row["count"]}
                for row in tables["challenges"].rows
            ],
        ),
        "stages": _simple(
            tables["stages"],
            [
                {"stage": row["stage"], "name": row["name"], "days": row["days"], "challenges": row["challenges"]}
                for row in tables["stages"].rows
            ],
        ),
        "quarterly": url_for("api_dashboard.quarterly", quarter=period.key, _external=True)
        if period.kind == "quarter"
        else None,
    }


def _refuse_period(exc: ValueError, args: dict) -> None:
    """422 with the page's message, under the parameters that chose the period."""
    names = [name for name in ("from", "to") if args.get(name)] or ["period"]
    abort(422, message=str(exc), messages={"query": {name: [str(exc)] for name in names}})


@bp.get("/dashboard")
@caller_must(_viewer)
@bp.arguments(DashboardQuery, location="query", as_kwargs=False)
@bp.response(200, DashboardOut)
@bp.alt_response(403, response="FORBIDDEN")
def dashboard(args):
    """The district dashboard for a period (administrators): turnover against the year's target,
    the turnover by month, technical field, institution, enterprise tier and agency, the conversion
    funnel, the challenge board and the stages' average days — the figures the page shows. A period
    the page cannot read is a 422 with its message."""
    chosen = {"period": args.get("period"), "from": args.get("from_"), "to": args.get("to")}
    try:
        period = periods.parse(chosen)
    except periods.PeriodError as exc:
        _refuse_period(exc, chosen)
    return dashboard_data(stats.admin_dashboard(period))


def _total_text(figure: str, value: int) -> str:
    return format_money(value) if figure in MONEY_FIGURES else f"{value:,}"


@bp.get("/dashboard/quarterly")
@caller_must(_viewer)
@bp.arguments(QuarterQuery, location="query", as_kwargs=False)
@bp.response(200, QuarterlyOut)
@bp.alt_response(403, response="FORBIDDEN")
def quarterly(args):
    """The quarterly summary's figures (administrators): the quarter's totals against the same
    quarter a year earlier and the year's target to the quarter's end, as on the summary workbook's
    cover; its other sheets are the quarter's dashboard (see `dashboard`)."""
    try:
        period = quarter_of({"period": args["quarter"]})
    except QuarterError as exc:
        abort(422, message=str(exc), messages={"query": {"quarter": [str(exc)]}})
    earlier = a_year_earlier(period)
    target = stats.target_for(period, ledger(period.start, period.end))
    totals = stats.totals_table(period, earlier)
    return {
        "period": _period(period),
        "earlier": _period(earlier),
        "target": _target(target, stats.target_table(target)),
        "totals_title": totals.title,
        "totals_note": totals.note or "",
        "totals": [
            {
                "figure": row["figure"],
                "name": row["name"],
                "now": row["now"],
                "before": row["before"],
                "now_text": _total_text(row["figure"], row["now"]),
                "before_text": _total_text(row["figure"], row["before"]),
                "change": _fraction(row["change"]),
                "change_text": _percent_text(row["change"]),
            }
            for row in totals.rows
        ],
        "workbook": url_for("dashboard.quarterly", period=period.key, _external=True),
        "dashboard": url_for("api_dashboard.dashboard", period=period.key, _external=True),
    }
