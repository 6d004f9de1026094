"""/api/v1/imports: uploading a list of achievements (or, for admins, needs) as .xlsx, .csv or .jsonl
and following its import — the upload page's service (webapp.imports.services: who may upload what,
the checks of the file, the job run in the background) and the job page's summary.

    curl -H "Authorization: Bearer $TOKEN" -F file=@成果.xlsx -F kind=achievements \\
         https://…/api/v1/imports
"""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_smorest import Blueprint as _Blueprint
from flask_smorest import abort
from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict, FileStorage

from webapp.api.auth import api_user
from webapp.api.common import caller_must, get_visible, newest_first, write
from webapp.api.schemas import MineQuery, Page
from webapp.imports import services
from webapp.imports.columns import KINDS, MappingError
from webapp.imports.models import ImportJob, JobStatus
from webapp.imports.readers import ImportFileError
from webapp.imports.report import ImportReport


class MultipartParser(FlaskParser):
    """A multipart/form-data body read as one: its text fields and its files together, so that one
    schema describes (and the document shows) the whole upload form."""

    def load_files(self, req, schema):
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class Blueprint(_Blueprint):
    ARGUMENTS_PARSER = MultipartParser()


bp = Blueprint(
    "api_imports",
    __name__,
    url_prefix="/api/v1",
    description="Importing achievements and needs from a spreadsheet, as on the upload page.",
)

STATUSES = ("published", "draft")


class File(Upload):
    """The upload, missing: the form's message."""

    def make_error(self, key: str, **kwargs) -> ValidationError:
        if key == "required":
            return ValidationError(_("Choose a file."))
        return super().make_error(key, **kwargs)


class ImportIn(Schema):
    file = File(
        required=True,
        metadata={"description": "The list: .xlsx, .csv (UTF-8 or GBK) or .jsonl, in the import format."},
    )
    kind = fields.String(
        required=True,
        validate=validate.OneOf(list(KINDS)),
        metadata={"description": "achievements (universities' and admins') or needs (admins only)."},
    )
    status = fields.String(
        load_default=None,
        validate=validate.OneOf(STATUSES),
        metadata={
            "description": "Admins: new listings published (the default) or saved as drafts. A researcher's "
            "new achievements always wait for review (submitted)."
        },
    )
    mapping = fields.String(
        load_default="",
        validate=validate.Length(max=1000),
        metadata={"description": "Other column names: source=target, separated by commas (名称=title,简介=summary)."},
    )


class Skip(Schema):
    line = fields.Integer(required=True, metadata={"description": "The line of the file (the header is line 1)."})
    reason = fields.String(required=True, metadata={"description": "Why the row was not imported."})


class WarningGroup(Schema):
    code = fields.String(required=True, metadata={"description": "The kind of warning."})
    text = fields.String(required=True, metadata={"description": "The warning, as the job page shows it."})
    count = fields.Integer(required=True, metadata={"description": "Rows imported with it."})
    lines = fields.List(fields.Integer(), required=True, metadata={"description": "Their first lines (up to 30)."})


class Summary(Schema):
    rows = fields.Integer(required=True, metadata={"description": "Data rows read."})
    imported = fields.Integer(required=True, metadata={"description": "New listings."})
    updated = fields.Integer(required=True, metadata={"description": "Listings changed (same external_id)."})
    unchanged = fields.Integer(required=True, metadata={"description": "Rows that changed nothing."})
    skipped = fields.List(fields.Nested(Skip), required=True, metadata={"description": "Each skipped row."})
    warnings = fields.List(
        fields.Nested(WarningGroup), required=True, metadata={"description": "Rows imported with warnings."}
    )
    ignored_columns = fields.List(
        fields.String(), required=True, metadata={"description": "Columns not in the import format."}
    )
    notes = fields.List(fields.String(), required=True, metadata={"description": "Notes on the file."})
    field_share = fields.String(allow_none=True, metadata={"description": "How many technical fields were recognised."})
    error = fields.String(allow_none=True, metadata={"description": "Why the file could not be imported (failed)."})
    text = fields.String(required=True, metadata={"description": "The counts in one line."})


class ImportJobOut(Schema):
    id = fields.Integer(required=True, metadata={"description": "The import job."})
    kind = fields.String(required=True, validate=validate.OneOf(list(KINDS)), metadata={"description": "The kind."})
    filename = fields.String(required=True, metadata={"description": "The uploaded file's name."})
    mapping = fields.String(allow_none=True, metadata={"description": "The column mapping given."})
    target_status = fields.String(
        required=True,
        validate=validate.OneOf(["published", "draft", "submitted"]),
        metadata={"description": "What new listings become: published, draft, or submitted for review."},
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in JobStatus]),
        metadata={"description": "queued, running, done or failed."},
    )
    status_label = fields.String(required=True, metadata={"description": "The status as the job page says it."})
    finished = fields.Boolean(required=True, metadata={"description": "Done or failed: nothing more will change."})
    processed = fields.Integer(required=True, metadata={"description": "Rows done so far."})
    total = fields.Integer(required=True, metadata={"description": "Rows in the file (0 until it is read)."})
    percent = fields.Integer(required=True, metadata={"description": "Progress, 0–100."})
    created_at = fields.DateTime(required=True, metadata={"description": "When it was uploaded."})
    started_at = fields.DateTime(allow_none=True, metadata={"description": "When the import began."})
    finished_at = fields.DateTime(allow_none=True, metadata={"description": "When it ended."})
    page = fields.String(required=True, metadata={"description": "The job's page on the site."})
    summary = fields.Nested(
        Summary, allow_none=True, metadata={"description": "What the import did so far; null before it starts."}
    )


class ImportJobPage(Page):
    items = fields.List(fields.Nested(ImportJobOut), required=True)


def summary_data(report: ImportReport) -> dict:
    return {
        "rows": report.rows,
        "imported": report.imported,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": [{"line": line, "reason": reason} for line, reason in report.skipped],
        "warnings": report.warning_groups(),
        "ignored_columns": list(report.ignored_columns),
        "notes": list(report.notes),
        "field_share": report.field_line(),
        "error": report.error,
        "text": report.counts_line(),
    }


def job_data(job: ImportJob) -> dict:
    """What the job page shows: the progress, then the summary."""
    return {
        "id": job.id,
        "kind": job.kind,
        "filename": job.filename,
        "mapping": job.mapping,
        "target_status": job.target_status,
        "status": job.status.value,
        "status_label": job.status.label,
        "finished": job.status.finished,
        "processed": job.processed,
        "total": job.total,
        "percent": job.percent,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "page": url_for("imports.job", job_id=job.id, _external=True),
        "summary": summary_data(ImportReport.from_dict(job.report)) if job.report else None,
    }


def _invalid(location: str, name: str, message: str):
    abort(422, message=message, messages={location: {name: [message]}})


@bp.post("/imports")
@write
@caller_must(services.can_upload)
@bp.arguments(ImportIn, location="files")
@bp.response(202, ImportJobOut)
@bp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def create_import(data):
    """Upload a list to import (admins; researchers of a university or institute: achievements
    only), as multipart/form-data. The file is checked as on the upload page (type, size, rows) and
    imported in the background: 202 with the job, whose address (Location) tells the progress and,
    once finished, the summary. A researcher's rows become their institution's achievements, owned
    by them and waiting for review."""
    user = api_user()
    kinds = services.upload_kinds(user)
    if data["kind"] not in kinds:  # as the page's form offers only these
        _invalid("files", "kind", _("You may import only: %(kinds)s.", kinds=", ".join(kinds)))
    upload = data["file"]
    if not isinstance(upload, FileStorage) or not upload.filename:
        _invalid("files", "file", _("Choose a file."))
    try:
        job = services.create_job(
            user,
            kind=data["kind"],
            filename=upload.filename,
            content=upload.read(),
            mapping=data["mapping"],
            status=data["status"] or "",
            locale=str(get_locale()),
        )
    except MappingError as exc:
        _invalid("files", "mapping", str(exc))
    except ImportFileError as exc:
        _invalid("files", "file", str(exc))
    return job_data(job), 202, {"Location": url_for("api_imports.import_job", job_id=job.id, _external=True)}


@bp.get("/imports")
@bp.arguments(MineQuery, location="query", as_kwargs=False)
@bp.response(200, ImportJobPage)
def import_jobs(args):
    """The caller's imports (admins: everyone's), newest first, each with its status, progress and
    summary, as the upload page lists them."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    return newest_first(services.jobs_seen_by(user), ImportJob, args, job_data)


@bp.get("/imports/<int:job_id>")
@bp.response(200, ImportJobOut)
@bp.alt_response(404, response="NOT_FOUND")
def import_job(job_id: int):
    """An import's status and progress and, as it goes, its summary: rows read, imported, updated,
    unchanged, and each skipped row with its reason. Only its uploader and admins see it."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    return job_data(get_visible(ImportJob, job_id, lambda job: job.can_view(user)))
