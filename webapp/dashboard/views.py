"""The district's dashboard (admins): turnover against the year's target with charts, the agency
drill-down, the yearly target, every table as `.xlsx`, and the quarterly summary workbook."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField

from webapp.accounts.models import Organisation, User
from webapp.core.forms import show_error
from webapp.core.money import format_money
from webapp.core.permissions import roles_required
from webapp.dashboard import charts, periods, stats, stats_performance, targets
from webapp.dashboard.periods import PeriodError
from webapp.dashboard.stats_turnover import ledger
from webapp.dashboard.tables import Column, Table, xlsx_response
from webapp.extensions import db

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

EVIDENCE_ENDPOINT = "evidence.agency_pack"


def _charts(found: stats.Dashboard) -> dict:
    tables, target = found.tables, found.target
    return {
        "gauge": charts.gauge(target.progress, _("of the target")),
        "months": charts.months(tables["months"], found.registered_before, target.amount),
        "fields": charts.turnover(tables["fields"]),
        "institutions": charts.turnover(tables["institutions"]),
        "tiers": charts.turnover(tables["tiers"]),
        "agencies": charts.turnover(tables["agencies"], links=True),
        "funnel": charts.funnel(tables["funnel"]),
        "stages": charts.stages(tables["stages"]),
        "performance": charts.performance(tables["performance"]),
    }


@bp.route("/")
@roles_required(*stats.VIEWERS)
def index():
    period, error = periods.read(request.args)
    found = stats.admin_dashboard(period)
    return render_template(
        "dashboard/admin.html",
        period=period,
        error=error,
        options=periods.choices(period),
        found=found,
        charts=_charts(found),
        height=charts.table_height,
        performance_cards=stats_performance.cards(found.tables["performance"]),
    )


@bp.route("/export")
@roles_required(*stats.VIEWERS)
def export():
    name = request.args.get("table") or ""
    try:
        period = periods.parse(request.args)
    except PeriodError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("dashboard.index"))
    found = stats.admin_dashboard(period)
    table = found.tables.get(name)
    if table is None:
        flash(_("There is no table %(name)s to export.", name=name or "—"), "warning")
        return redirect(url_for("dashboard.index", **period.query))
    heading = [
        _("Jinnan District technology-contract turnover"),
        period.label,
        _("Made %(when)s", when=periods.today().isoformat()),
    ]
    return xlsx_response(f"dashboard-{table.name}-{period.slug}.xlsx", [table], heading)


def _deal_link(deal_id: int) -> str | None:
    return url_for("deals.detail", deal_id=deal_id) if "deals.detail" in current_app.view_functions else None


def _agency_deals(org_id: int, period: periods.Period) -> Table:
    from webapp.deals.models import Deal, Payment

    received = (
        sa.select(Payment.deal_id, sa.func.sum(Payment.amount).label("amount"))
        .where(Payment.received_on >= period.start, Payment.received_on <= period.end)
        .group_by(Payment.deal_id)
        .subquery()
    )
    in_period = sa.or_(
        sa.and_(Deal.signed_on >= period.start, Deal.signed_on <= period.end),
        sa.and_(Deal.registered_on >= period.start, Deal.registered_on <= period.end),
        received.c.deal_id.is_not(None),
    )
    query = (
        sa.select(
            Deal.id,
            Deal.title,
            Deal.need_party,
            Deal.provider_party,
            Deal.contract_value,
            Deal.signed_on,
            Deal.registration_no,
            Deal.registered_on,
            User.name,
            sa.func.coalesce(received.c.amount, 0),
        )
        .outerjoin(received, received.c.deal_id == Deal.id)
        .outerjoin(User, User.id == Deal.broker_id)
        .where(Deal.agency_id == org_id, Deal.cancelled_at.is_(None), in_period)
        .order_by(Deal.signed_on.desc(), Deal.id.desc())
    )
    rows = [
        {
            "deal": row[0],
            "name": row[1],
            "need": row[2],
            "provider": row[3],
            "value": row[4],
            "signed_on": row[5],
            "registration_no": row[6],
            "registered_on": row[7],
            "broker": row[8],
            "received": int(row[9]),
            "_link": _deal_link(row[0]),
        }
        for row in db.session.execute(query)
    ]
    columns = [
        Column("name", _("Contract")),
        Column("need", _("Need side")),
        Column("provider", _("Provider")),
        Column("broker", _("Broker")),
        Column("value", _("Contract value"), "money"),
        Column("signed_on", _("Signed on"), "date"),
        Column("registration_no", _("Registration no.")),
        Column("registered_on", _("Registered on"), "date"),
        Column("received", _("Received in the period"), "money"),
    ]
    return Table(
        "deals", _("Deals in the period"), columns, rows, note=_("Live deals signed, registered or paid in the period.")
    )


def _agency_tables(org: Organisation, period: periods.Period) -> dict[str, Table]:
    data = ledger(period.start, period.end, agency_id=org.id)
    names = (
        dict(
            db.session.execute(
                sa.select(User.id, User.name).where(User.id.in_([k for k in data.by_broker if k is not None]))
            ).all()
        )
        if data.by_broker
        else {}
    )
    brokers = sorted(((k, v) for k, v in data.by_broker.items() if k is not None), key=stats._rank)
    rows = [stats._row(names.get(k, str(k)), v) for k, v in brokers]
    if None in data.by_broker:
        rows.append(stats._row(_("No broker"), data.by_broker[None]))
    return {
        "months": stats.months_table(period, data),
        "brokers": Table(
            "brokers", _("Turnover by broker"), stats._turnover_columns(_("Broker")), rows, stats._total_row(data.total)
        ),
        "deals": _agency_deals(org.id, period),
    }


@bp.route("/agency/<int:org_id>")
@roles_required(*stats.VIEWERS)
def agency(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    period, error = periods.read(request.args)
    tables = _agency_tables(org, period)
    if request.args.get("table"):
        table = tables.get(request.args["table"]) or abort(404)
        heading = [org.name, period.label, _("Made %(when)s", when=periods.today().isoformat())]
        return xlsx_response(f"agency-{org.id}-{table.name}-{period.slug}.xlsx", [table], heading)
    pack = (
        url_for(EVIDENCE_ENDPOINT, org_id=org.id, **period.query)
        if EVIDENCE_ENDPOINT in current_app.view_functions
        else None
    )
    month_chart = charts.months(tables["months"], 0, None)
    month_chart["series"] = month_chart["series"][:3]
    return render_template(
        "dashboard/agency.html",
        org=org,
        period=period,
        error=error,
        options=periods.choices(period),
        tables=tables,
        pack=pack,
        month_chart=month_chart,
        broker_chart=charts.turnover(tables["brokers"]),
        height=charts.table_height,
    )


class TargetForm(FlaskForm):
    year = SelectField(_l("Year"), coerce=str)
    amount = StringField(_l("Target (10k CNY)"), description=_l("In 10k CNY (万元): 500000 is 5 billion CNY."))
    submit = SubmitField(_l("Save target"))


def _years() -> list[int]:
    now = periods.today().year
    return list(range(now + 1, now - 5, -1))


@bp.route("/targets", methods=["GET", "POST"])
@roles_required(*stats.VIEWERS)
def targets_page():
    form = TargetForm()
    form.year.choices = [(str(y), str(y)) for y in _years()]
    if request.method == "GET":
        form.year.data = request.args.get("year") or str(periods.today().year)
    if form.validate_on_submit():
        try:
            year = int(form.year.data)
            saved = targets.set_target(current_user, year, targets.parse_target(form.amount.data))
        except (ValueError, targets.TargetError) as exc:
            db.session.rollback()
            show_error(
                form,
                exc
                if isinstance(exc, targets.TargetError)
                else targets.TargetError(_("Choose a year between 2000 and 2100."), "year"),
            )
        else:
            db.session.commit()
            flash(
                _("The %(year)d target is now %(amount)s.", year=saved.year, amount=format_money(saved.amount)),
                "success",
            )
            return redirect(url_for("dashboard.targets_page"))
    return render_template("dashboard/admin_targets.html", form=form, targets=targets.targets())


@bp.route("/quarterly.xlsx")
@roles_required(*stats.VIEWERS)
def quarterly():
    from webapp.dashboard.quarterly import QuarterError, summary

    try:
        return summary(request.args)
    except QuarterError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("dashboard.index"))
