"""The performance report's pages: the list (administrators: every report, by state; an enterprise:
its own), the report with the enterprise's form (an admin's, with where the figures come from, for
an enterprise without an account) and the district's review, evidence downloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.challenges.files import max_bytes
from webapp.core import clock, stored_files
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.performance import services
from webapp.performance.forms import ReportForm, ReviewForm
from webapp.performance.models import OPEN_STATES, PerformanceReport, ReportFile, ReportStatus
from webapp.performance.permissions import (
    can_file,
    can_file_for,
    can_list,
    can_review,
    can_view,
    is_admin,
    is_filer,
    seen_by,
)

bp = Blueprint("performance", __name__, url_prefix="/performance", template_folder="templates")

# The list's filters: what the district follows up.
FILTERS = ("due", "overdue", "submitted", "reviewed")


def _filtered(query, name: str, today):
    if name == "due":
        return query.where(PerformanceReport.status.in_(OPEN_STATES), PerformanceReport.due_on >= today)
    if name == "overdue":
        return query.where(PerformanceReport.overdue_where(today))
    if name == "submitted":
        return query.where(PerformanceReport.status == ReportStatus.SUBMITTED)
    if name == "reviewed":
        return query.where(PerformanceReport.status == ReportStatus.ACCEPTED)
    return query


@bp.get("/")
@login_required
def index():
    require(can_list(current_user))
    today = clock.today()
    shown = request.args.get("show") if request.args.get("show") in FILTERS else ""
    query = seen_by(current_user).order_by(PerformanceReport.due_on, PerformanceReport.id)
    reports = db.session.scalars(_filtered(query, shown, today).limit(500)).all()
    return render_template(
        "performance/index.html",
        reports=reports,
        today=today,
        shown=shown,
        filters=FILTERS,
        admin=is_admin(current_user),
    )


def _report(report_id: int) -> PerformanceReport:
    report = db.session.get(PerformanceReport, report_id) or abort(404)
    require(can_view(report, current_user))
    return report


def _render(report: PerformanceReport, form: ReportForm | None = None, review_form: ReviewForm | None = None):
    indicators = services.indicators(report)
    if form is None and can_file(report, current_user):
        form = ReportForm(prefix="r")
        form.load(report, indicators)
    if review_form is None and can_review(report, current_user):
        review_form = ReviewForm(prefix="v", formdata=None)
    return render_template(
        "performance/report.html",
        report=report,
        indicators=indicators,
        form=form,
        review_form=review_form,
        behalf=can_file_for(report, current_user),
        today=clock.today(),
        max_mb=max_bytes() // (1024 * 1024),
    )


@bp.get("/<int:report_id>")
@login_required
def detail(report_id: int):
    return _render(_report(report_id))


def _errors_to_form(form, exc: services.ReportError) -> None:
    for name, message in exc.errors.items():
        target = None
        if name.startswith("outcomes-"):
            index = int(name.split("-", 1)[1])
            target = form.outcomes.entries[index] if index < len(form.outcomes.entries) else None
        elif name:
            target = getattr(form, name, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, message]
        else:
            flash(message, "danger")


def _uploads(field) -> list[tuple[str, bytes]]:
    return [(f.filename or "", f.read()) for f in (field.data or []) if f and getattr(f, "filename", "")]


@bp.post("/<int:report_id>/file")
@login_required
def file(report_id: int):
    """The enterprise (or an admin on the behalf of one without an account) saves its draft or
    submits it, with any evidence files chosen."""
    report = db.session.get(PerformanceReport, report_id) or abort(404)
    require(is_filer(report, current_user))
    if report.status not in OPEN_STATES:
        flash(_("This report was already submitted."), "warning")
        return redirect(url_for(".detail", report_id=report.id))
    indicators = services.indicators(report)
    form = ReportForm(prefix="r")
    form.fit(indicators)
    if not form.validate_on_submit():
        return _render(report, form=form)
    uploads = _uploads(form.files)
    try:
        for filename, data in uploads:
            services.add_evidence(current_user, report, filename, data)
        if form.send.data:
            services.submit(current_user, report, form.to_input())
        else:
            services.save_draft(current_user, report, form.to_input())
    except services.ReportError as exc:
        db.session.rollback()
        report = db.session.get(PerformanceReport, report_id)
        _errors_to_form(form, exc)
        if uploads and "files" not in exc.errors:
            form.files.errors = [*form.files.errors, _("Nothing was saved: choose the files again.")]
        return _render(report, form=form)
    db.session.commit()
    if report.status is ReportStatus.SUBMITTED:
        flash(_("Report submitted: the district will review it."), "success")
    else:
        flash(_("Draft saved."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.post("/<int:report_id>/review")
@login_required
def review(report_id: int):
    """The district accepts a submitted report with a rating, or returns it."""
    report = db.session.get(PerformanceReport, report_id) or abort(404)
    require(is_admin(current_user))
    if report.status is not ReportStatus.SUBMITTED:
        flash(_("Only a submitted report can be reviewed."), "warning")
        return redirect(url_for(".detail", report_id=report.id))
    form = ReviewForm(prefix="v")
    if not form.validate_on_submit():
        return _render(report, review_form=form)
    try:
        if form.decision.data == "accept":
            services.accept(current_user, report, form.rating.data, form.comment.data)
        else:
            services.return_report(current_user, report, form.comment.data)
    except services.ReportError as exc:
        db.session.rollback()
        _errors_to_form(form, exc)
        return _render(db.session.get(PerformanceReport, report_id), review_form=form)
    db.session.commit()
    flash(
        _("Report rated %(rating)s.", rating=report.rating.label)
        if report.status is ReportStatus.ACCEPTED
        else _("Report returned to the enterprise."),
        "success",
    )
    return redirect(url_for(".detail", report_id=report.id))


@bp.get("/files/<int:file_id>")
@login_required
def download(file_id: int):
    stored = db.session.get(ReportFile, file_id) or abort(404)
    require(can_view(stored.report, current_user))
    return stored_files.download(stored)


@bp.post("/files/<int:file_id>/remove")
@login_required
def remove_file(file_id: int):
    stored = db.session.get(ReportFile, file_id) or abort(404)
    report = stored.report
    require(is_filer(report, current_user))
    if report.status not in OPEN_STATES:
        flash(_("The evidence of a submitted report stays with it."), "warning")
        return redirect(url_for(".detail", report_id=report.id))
    services.remove_evidence(current_user, stored)
    db.session.commit()
    flash(_("File removed."), "success")
    return redirect(url_for(".detail", report_id=report.id))


@bp.app_context_processor
def _inject():
    def performance_report_of(challenge=None, deal=None) -> PerformanceReport | None:
        """The report that fell due for a challenge or a deal, for the pages of those who may read it
        (its enterprise and admins); None for everyone else, and before one falls due."""
        column, subject = (
            (PerformanceReport.challenge_id, challenge) if challenge is not None else (PerformanceReport.deal_id, deal)
        )
        if subject is None or not current_user.is_authenticated:
            return None
        report = db.session.scalar(sa.select(PerformanceReport).where(column == subject.id))
        return report if report is not None and can_view(report, current_user) else None

    return {"performance_report_of": performance_report_of}
