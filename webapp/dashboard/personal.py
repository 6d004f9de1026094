"""My dashboard (工作台): the signed-in user's own figures by role, for a period, with every table
downloadable as `.xlsx`. Administrators are sent to the district dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts.models import Role
from webapp.core import clock
from webapp.core.db import utcnow
from webapp.core.formatting import format_dt
from webapp.dashboard import periods
from webapp.dashboard.personal_board import Board
from webapp.dashboard.tables import xlsx_response
from webapp.performance.figures import to_file

bp = Blueprint("my_dashboard", __name__, url_prefix="/dashboard/me", template_folder="templates")

ADMIN_DASHBOARD = "dashboard.index"


def board_for(user, period: periods.Period) -> Board | None:
    """The user's own dashboard for the period (None for administrators, who have the district's)."""
    from webapp.dashboard import personal_broker, personal_expert, personal_parties

    builders = {
        Role.BROKER: personal_broker.broker,
        Role.RESEARCHER: personal_parties.researcher,
        Role.ENTERPRISE: personal_parties.enterprise,
        Role.EXPERT: personal_expert.expert,
    }
    build = builders.get(user.role)
    return build(user, period) if build else None


def _admin_dashboard():
    if ADMIN_DASHBOARD in current_app.view_functions:
        return redirect(url_for(ADMIN_DASHBOARD))
    return None


def _deal_pages() -> bool:
    """Deal rows link to their page once the deal pages exist."""
    return any(rule.rule.startswith("/deals/<") for rule in current_app.url_map.iter_rules())


@bp.get("/")
@login_required
def index():
    if current_user.role is Role.ADMIN:
        return _admin_dashboard() or render_template("dashboard/personal_admin.html")
    period, error = periods.read(request.args)
    board = board_for(current_user, period)
    return render_template(
        "dashboard/mine.html",
        performance_reports=to_file(current_user),
        today=clock.today(),
        board=board,
        period=period,
        error=error,
        options=periods.choices(period),
        deal_links=_deal_pages(),
    )


@bp.get("/export")
@login_required
def export():
    """One table (`?table=`) or, without one, every table of the dashboard, one sheet each."""
    if current_user.role is Role.ADMIN:
        return _admin_dashboard() or redirect(url_for(".index"))
    try:
        period = periods.parse(request.args)
    except periods.PeriodError as exc:
        flash(str(exc), "warning")
        return redirect(url_for(".index"))
    board = board_for(current_user, period)
    name = (request.args.get("table") or "").strip()
    tables = board.tables if not name else [t for t in board.tables if t.name == name]
    if not tables:
        abort(404)
    heading = [
        _("My dashboard: %(name)s (%(role)s)", name=current_user.name, role=current_user.role.label),
        _("Period: %(start)s to %(end)s", start=period.start.isoformat(), end=period.end.isoformat()),
        _("Made at %(moment)s", moment=format_dt(utcnow())),
    ]
    filename = _("my-dashboard-%(table)s-%(period)s.xlsx", table=name or "all", period=period.slug)
    return xlsx_response(filename, tables, heading)
