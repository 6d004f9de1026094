"""/api/v1/performance-reports: the performance reports (事后绩效) as their pages show and change them
— the same services (webapp.performance.services: the draft, the evidence, the submission, the
district's return or rating, each audited) and the same rules (webapp.performance.permissions). A
report is the enterprise's commercial data: only the enterprise that files it and admins read it;
anyone else gets 404 and finds nothing in the list. Amounts are sent in 万元 text, as on the form,
and come back in whole 元. A report whose enterprise has no account is filed by an admin on the
enterprise's behalf, with `filed_note` saying where the figures come from.

    curl -H "Authorization: Bearer $TOKEN" -F file=@销售台账.pdf \\
         https://…/api/v1/performance-reports/7/evidence
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import abort
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import FileStorage

from webapp.accounts.models import User
from webapp.api.challenges import money
from webapp.api.common import by_day, get_visible, write
from webapp.api.deals import signed_in
from webapp.api.imports import MultipartParser
from webapp.api.performance_schemas import EvidenceIn, ReportDetail, ReportIn, ReportPage, ReportQuery, ReviewIn
from webapp.core import clock, stored_files
from webapp.core.money import MoneyError, parse_wan
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.performance import services
from webapp.performance.models import (
    AMOUNTS,
    COUNTS,
    OPEN_STATES,
    PerformanceReport,
    ReportFile,
    ReportStatus,
)
from webapp.performance.permissions import can_file, can_file_for, can_review, can_view, is_admin, is_filer, seen_by
from webapp.performance.services import ReportError, ReportInput


class Blueprint(_Blueprint):
    ARGUMENTS_PARSER = MultipartParser()  # the evidence is uploaded as multipart/form-data


bp = Blueprint(
    "api_performance",
    __name__,
    url_prefix="/api/v1",
    description="Performance reports (事后绩效) on completed challenges and deals paid in full.",
)


# ---------------------------------------------------------------- what the caller reads


def _subject(report: PerformanceReport) -> dict:
    if report.challenge is not None:
        challenge = report.challenge
        url = url_for("challenges.detail", challenge_id=challenge.id, _external=True)
        return {"kind": "challenge", "id": challenge.id, "title": challenge.title, "url": url}
    deal = report.deal
    return {
        "kind": "deal",
        "id": deal.id,
        "title": deal.title,
        "url": url_for("deals.detail", deal_id=deal.id, _external=True),
    }


def _review(report: PerformanceReport) -> dict | None:
    if report.rating is None:
        return None
    reviewer = db.session.get(User, report.reviewed_by_id) if report.reviewed_by_id else None
    return {
        "rating": report.rating.value,
        "rating_label": report.rating.label,
        "comment": report.review_comment or "",
        "reviewer": reviewer.name if reviewer is not None else None,
        "reviewed_at": report.reviewed_at,
    }


def report_data(report: PerformanceReport, user) -> dict:
    """A report as its row in the list shows it to `user` (who may read it)."""
    recorder = db.session.get(User, report.filed_by_id) if report.filed_by_id else None
    return {
        "id": report.id,
        "url": url_for("performance.detail", report_id=report.id, _external=True),
        "title": report.title,
        "subject": _subject(report),
        "enterprise": report.enterprise_name,
        "opened_on": report.opened_on,
        "due_on": report.due_on,
        "overdue": report.overdue_on(clock.today()),
        "status": report.status.value,
        "status_label": report.status.label,
        "submitted_at": report.submitted_at,
        "figures": {
            **{name: getattr(report, name) for name in COUNTS},
            **{name: money(getattr(report, name)) for name in AMOUNTS},
        },
        "return_comment": report.return_comment if report.status is ReportStatus.RETURNED else None,
        "review": _review(report),
        "filed_by": recorder.name if recorder is not None else None,
        "filed_note": report.filed_note,
        "can_file": can_file(report, user),
        "on_behalf": can_file_for(report, user),
        "can_review": can_review(report, user),
    }


def _outcomes(report: PerformanceReport) -> list[dict]:
    """As the page shows them: while the enterprise files it, one per indicator of the challenge with
    what was saved so far (the order `outcomes` is sent in); once filed, as filed."""
    if report.status not in OPEN_STATES:
        return [{"indicator": o["indicator"], "outcome": o["outcome"] or ""} for o in report.outcomes or []]
    saved = {o["indicator"]: o["outcome"] for o in report.outcomes or []}
    return [{"indicator": i, "outcome": saved.get(i) or ""} for i in services.indicators(report)]


def _file(stored: ReportFile) -> dict:
    return stored_files.described(stored, url_for("performance.download", file_id=stored.id, _external=True))


def report_detail(report: PerformanceReport, user) -> dict:
    """Everything the report's page shows `user`: the figures, the outcomes, the evidence, the review."""
    return report_data(report, user) | {
        "outcomes": _outcomes(report),
        "commitment": report.commitment,
        "summary": report.summary,
        "files": [_file(f) for f in report.files],
    }


def visible_report(report_id: int, user) -> PerformanceReport:
    """The report if `user` may read it (its enterprise, admins); 404 otherwise, so an id never
    tells that a report exists."""
    return get_visible(PerformanceReport, report_id, lambda report: can_view(report, user))


@bp.get("/performance-reports")
@bp.arguments(ReportQuery, location="query", as_kwargs=False)
@bp.response(200, ReportPage)
@bp.alt_response(401, response="UNAUTHORIZED")
def performance_reports(args):
    """The reports the caller may read, as the reports page lists them, soonest due first: an
    admin every report, an enterprise those it files (anyone else: none). `status` keeps those in
    one state."""
    user = signed_in()
    query = seen_by(user).options(selectinload(PerformanceReport.challenge), selectinload(PerformanceReport.deal))
    if args.get("status"):
        query = query.where(PerformanceReport.status == ReportStatus(args["status"]))
    return by_day(query, PerformanceReport.due_on, PerformanceReport, args, lambda r: report_data(r, user))


@bp.get("/performance-reports/<int:report_id>")
@bp.response(200, ReportDetail)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(404, response="NOT_FOUND")
def performance_report(report_id: int):
    """One report as its page shows it to its enterprise and to admins: what it reports on, when it
    is due, its state, figures, the outcome on each indicator, the evidence files and the review."""
    user = signed_in()
    return report_detail(visible_report(report_id, user), user)


# ---------------------------------------------------------------- the enterprise files it


def _may_file(report: PerformanceReport, user, refused: str) -> None:
    """The filer's step (its enterprise; an admin for one without an account): 403 for a caller who
    reads the report but does not file it (admins, when the enterprise has an account), 409
    (`refused`) once it is submitted."""
    require(is_filer(report, user))
    if report.status not in OPEN_STATES:
        raise ReportError(refused, conflict=True)


def _filing(report_id: int, refused: str):
    """(caller, report) for the enterprise's step: 404 if the caller may not read the report."""
    user = signed_in()
    report = visible_report(report_id, user)
    _may_file(report, user, refused)
    return user, report


def _named_as_requested(exc: ReportError) -> ReportError:
    """The service's field names as the request has them: the form's outcomes-0 is outcomes.0."""
    exc.errors = {key.replace("outcomes-", "outcomes.", 1): message for key, message in exc.errors.items()}
    return exc


def _input(report: PerformanceReport, data: dict, user) -> ReportInput:
    """The request as the report form hands it to the service: amounts read from 万元 text. An amount
    the money parser refuses is reported with the service's messages on the other fields."""
    errors = {}
    amounts = {}
    for name in AMOUNTS:
        try:
            amounts[name] = parse_wan(data[name])
        except MoneyError as exc:
            amounts[name], errors[name] = None, str(exc)
    entered = ReportInput(
        **{name: data[name] for name in COUNTS},
        **amounts,
        outcomes=[text or "" for text in data["outcomes"]],
        commitment=data["commitment"],
        summary=data["summary"],
        filed_note=data["filed_note"],
    )
    if errors:
        try:
            services.validate(report, entered, complete=data["submit"], user=user)
        except ReportError as exc:
            errors = {**exc.errors, **errors}
        raise ReportError(errors)
    return entered


def _done(report: PerformanceReport, user, status: int = 200, headers: dict | None = None):
    db.session.flush()
    db.session.refresh(report)
    return report_detail(report, user), status, headers or {}


@bp.put("/performance-reports/<int:report_id>")
@write
@bp.arguments(ReportIn)
@bp.response(200, ReportDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def file_report(data, report_id: int):
    """Save the report as a whole (its enterprise, while it is to be filed or returned; for an
    enterprise without an account, an admin on its behalf): figures, amounts in 万元 text, the
    outcome on each indicator, the commitment and a summary, and filed on the enterprise's behalf
    where the figures come from (`filed_note`); what is left out is cleared. With `submit: true` it
    is also submitted for review, complete (on the enterprise's behalf, with `filed_note`) and with
    at least one evidence file, or refused (422) naming each missing or wrong field, and nothing is
    saved. A report already submitted answers 409; an admin filing a report whose enterprise has an
    account, 403."""
    user, report = _filing(report_id, _("This report was already submitted."))
    try:
        entered = _input(report, data, user)
        if data["submit"]:
            services.submit(user, report, entered)
        else:
            services.save_draft(user, report, entered)
    except ReportError as exc:
        raise _named_as_requested(exc) from None
    return _done(report, user)


def _upload_refused(message: str):
    abort(422, message=message, messages={"files": {"file": [message]}})


@bp.post("/performance-reports/<int:report_id>/evidence")
@write
@bp.arguments(EvidenceIn, location="files")
@bp.response(201, ReportDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def add_evidence(data, report_id: int):
    """Attach one evidence file to the report (its enterprise, or an admin on the behalf of one
    without an account, while it is to be filed or returned),
    as multipart/form-data: sales records, invoices, patent certificates, contracts — checked as on
    the page (type read from the content, size limit, at most 20 files). Answers the report, with
    the new file's download (Location). Send an Idempotency-Key so that a retried upload never
    attaches it twice."""
    user, report = _filing(report_id, _("The evidence of a submitted report stays with it."))
    upload = data["file"]
    if not isinstance(upload, FileStorage) or not upload.filename:
        _upload_refused(_("Choose a file."))
    try:
        stored = services.add_evidence(user, report, upload.filename, upload.read())
    except ReportError as exc:
        _upload_refused(str(exc))
    location = url_for("performance.download", file_id=stored.id, _external=True)
    return _done(report, user, 201, {"Location": location})


@bp.delete("/performance-reports/<int:report_id>/evidence/<int:file_id>")
@write
@bp.response(200, ReportDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def remove_evidence(report_id: int, file_id: int):
    """Remove an evidence file from the report (whoever files it, while it is to be filed or
    returned); the evidence of a submitted report stays with it (409)."""
    user = signed_in()
    report = visible_report(report_id, user)
    stored = get_visible(ReportFile, file_id, lambda found: found.report_id == report.id)
    _may_file(report, user, _("The evidence of a submitted report stays with it."))
    services.remove_evidence(user, stored)
    return _done(report, user)


# ---------------------------------------------------------------- the district reviews it


@bp.post("/performance-reports/<int:report_id>/review")
@write
@bp.arguments(ReviewIn)
@bp.response(200, ReportDetail)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def review_report(data, report_id: int):
    """Review a submitted report (admins): `accept` it with a `rating` and the reasons in `comment`,
    or `return` it to the enterprise saying in `comment` what to change. The enterprise is told.
    Any other state answers 409."""
    user = signed_in()
    report = visible_report(report_id, user)
    require(is_admin(user))
    if report.status is not ReportStatus.SUBMITTED:
        raise ReportError(_("Only a submitted report can be reviewed."), conflict=True)
    if data["decision"] == "accept":
        services.accept(user, report, data["rating"], data["comment"])
    else:
        services.return_report(user, report, data["comment"])
    return _done(report, user)
