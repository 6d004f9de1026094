"""Upload pages for importing listings from .jsonl, .csv and .xlsx.

The file is stored with an import job and imported in the background (Celery, or in-process after
the response in the embedded set-up); the job page shows a progress bar that static/js/job-progress.js
refreshes, then the summary: imported, updated, unchanged and each skipped line with its reason.
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from webapp.core.permissions import PermissionDenied
from webapp.extensions import db
from webapp.imports import services
from webapp.imports.columns import KINDS, MappingError
from webapp.imports.forms import KIND_LABELS, UploadForm
from webapp.imports.models import ImportJob
from webapp.imports.readers import ImportFileError
from webapp.imports.report import ImportReport

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")

RECENT = 20


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload():
    kinds = services.upload_kinds(current_user)
    if not kinds:
        raise PermissionDenied()
    form = UploadForm(kinds, choose_status=current_user.is_admin)
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            job = services.create_job(
                current_user,
                kind=form.kind.data,
                filename=upload_file.filename or "",
                content=upload_file.read(),
                mapping=form.mapping.data,
                status=form.status.data if "status" in form else "submitted",
                locale=str(get_locale()),
            )
        except MappingError as exc:
            db.session.rollback()
            form.mapping.errors = [*form.mapping.errors, str(exc)]
        except ImportFileError as exc:
            db.session.rollback()
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            db.session.commit()
            return redirect(url_for("imports.job", job_id=job.id))
    jobs = db.session.scalars(services.jobs_seen_by(current_user).limit(RECENT)).all()
    return render_template(
        "imports/upload.html", form=form, jobs=jobs, kinds={k: KINDS[k] for k in kinds}, kind_labels=KIND_LABELS
    )


def _job_for(job_id: int) -> ImportJob:
    job = db.session.get(ImportJob, job_id) or abort(404)
    if not job.can_view(current_user):
        raise PermissionDenied()
    return job


@bp.route("/<int:job_id>")
@login_required
def job(job_id: int):
    job = _job_for(job_id)
    report = ImportReport.from_dict(job.report) if job.report else None
    return render_template("imports/job.html", job=job, report=report, kind_labels=KIND_LABELS)


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id: int):
    """Polled by the job page while the import runs."""
    job = _job_for(job_id)
    return jsonify(
        status=job.status.value,
        label=job.status.label,
        processed=job.processed,
        total=job.total,
        percent=job.percent,
        finished=job.status.finished,
    )
