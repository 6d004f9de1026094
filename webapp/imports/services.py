"""Uploads: who may import what, queueing a file, and running the queued import."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.accounts.models import OrgKind, Role
from webapp.core import audit, outbox
from webapp.core.db import refresh_statistics, utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.imports.columns import KINDS, parse_mapping
from webapp.imports.importer import Importer, ImportOptions
from webapp.imports.models import ImportJob, JobStatus
from webapp.imports.readers import ImportFileError, check_limits, detect_format, read_source
from webapp.imports.report import ImportReport
from webapp.listings.models import ListingStatus

log = logging.getLogger(__name__)

INSTITUTION_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


def is_institution_user(user) -> bool:
    """A researcher attached to a university or institute: uploads their institution's results."""
    return bool(
        user
        and user.is_authenticated
        and user.role is Role.RESEARCHER
        and user.organisation is not None
        and user.organisation.kind in INSTITUTION_KINDS
    )


def upload_kinds(user) -> list[str]:
    """The kinds of file this user may upload: admins both, institution researchers achievements."""
    if user is None or not user.is_authenticated:
        return []
    if user.is_admin:
        return ["achievements", "needs"]
    return ["achievements"] if is_institution_user(user) else []


def jobs_seen_by(user) -> sa.Select:
    """The import jobs a user follows, newest first: their own, or every one for admins."""
    query = sa.select(ImportJob).order_by(ImportJob.id.desc())
    return query if user.is_admin else query.where(ImportJob.created_by_id == user.id)


def can_upload(user, kind: str | None = None) -> bool:
    kinds = upload_kinds(user)
    return bool(kinds) if kind is None else kind in kinds


def create_job(
    actor, *, kind: str, filename: str, content: bytes, mapping: str | None, status: str, locale: str | None = None
) -> ImportJob:
    """Check and queue an uploaded file. Raises MappingError or ImportFileError for the form.

    Admins choose whether new listings are published or drafts; a researcher's rows always wait
    for review, as when they submit a form."""
    require(can_upload(actor, kind))
    detect_format(filename)
    if not content:
        raise ImportFileError(_("The file is empty."))
    check_limits(filename, content)
    most = current_app.config["IMPORT_MAX_ACTIVE_PER_USER"]
    active = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(ImportJob)
        .where(ImportJob.created_by_id == actor.id, ImportJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    )
    if active >= most:
        raise ImportFileError(
            _(
                "You already have %(n)d imports waiting or running (at most %(max)d at a time). Upload this "
                "file when one of them has finished.",
                n=active,
                max=most,
            )
        )
    parse_mapping(mapping, KINDS[kind])
    if not actor.is_admin:
        status = ListingStatus.SUBMITTED.value
    elif status not in (ListingStatus.PUBLISHED.value, ListingStatus.DRAFT.value):
        status = ListingStatus.PUBLISHED.value
    job = ImportJob(
        kind=kind,
        filename=filename[:255],
        content=content,
        mapping=(mapping or "").strip()[:1000] or None,
        target_status=status,
        created_by_id=actor.id,
        locale=locale,
        organisation_id=actor.organisation_id if not actor.is_admin else None,
    )
    db.session.add(job)
    db.session.flush()
    audit.record(
        "import.upload",
        job,
        actor=actor,
        after={"file": job.filename, "kind": kind, "bytes": len(content), "status": status},
    )
    outbox.enqueue("imports.run_job", job_id=job.id)
    return job


LEASE = timedelta(minutes=5)  # renewed after every batch; well under the broker's visibility timeout


def _claim(job_id: int, commit: Callable[[], None]) -> bool:
    """Take the job's lease, unless a live run holds it (a redelivered task then leaves at once)."""
    now = utcnow()
    taken = db.session.execute(
        sa.update(ImportJob)
        .where(
            ImportJob.id == job_id,
            ImportJob.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
            sa.or_(ImportJob.lease_until.is_(None), ImportJob.lease_until < now),
        )
        .values(lease_until=now + LEASE)
    ).rowcount
    commit()
    return bool(taken)


def execute_job(job_id: int, commit: Callable[[], None], chunk_rows: int | None = None) -> ImportJob | None:
    """Run a queued import, committing after every batch with the job's progress in the same
    transaction. With Celery the work goes in chunks of IMPORT_CHUNK_ROWS rows, one task each (the
    next is queued when one ends), so no task runs longer than a few minutes; a lease on the job
    makes a task delivered twice run once. Run again after a crash it resumes after the last
    committed batch; run again after it finished it does nothing."""
    job = db.session.get(ImportJob, job_id)
    if job is None or job.status.finished:
        return job
    # End the look-up's read snapshot: the claim's write then begins a transaction of its own, which
    # on SQLite waits for another writer instead of failing ("database is locked") when one committed
    # since the look-up — a failed claim would leave the job queued with its message already spent.
    commit()
    if not _claim(job_id, commit):
        log.info("import job %s is being run elsewhere; this delivery leaves it", job_id)
        return db.session.get(ImportJob, job_id)
    job = db.session.get(ImportJob, job_id)
    if chunk_rows is None and not current_app.extensions["celery"].conf.task_always_eager:
        chunk_rows = current_app.config["IMPORT_CHUNK_ROWS"]
    locale = job.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        try:
            _run(job, commit, chunk_rows)
        except Exception as exc:
            log.exception("import job %s failed", job_id)
            db.session.rollback()
            job = db.session.get(ImportJob, job_id)
            report = ImportReport.from_dict(job.report) if job.report else ImportReport(job.kind, job.filename)
            report.error = _(
                "The import stopped after %(done)d rows (those are saved): %(error)s",
                done=job.processed,
                error=f"{type(exc).__name__}: {exc}"[:300],
            )
            _finish(job, JobStatus.FAILED, report)
            commit()
    return job


def _run(job: ImportJob, commit: Callable[[], None], chunk_rows: int | None = None) -> None:
    kind = KINDS[job.kind]
    try:
        source = read_source(job.filename, job.content or b"")
    except ImportFileError as exc:
        report = ImportReport(job.kind, job.filename, error=str(exc))
        _finish(job, JobStatus.FAILED, report)
        commit()
        return
    actor = job.created_by
    options = ImportOptions(
        kind=kind,
        filename=job.filename,
        mapping=parse_mapping(job.mapping, kind),
        status=ListingStatus(job.target_status),
        owner_id=None if actor is None or actor.is_admin else actor.id,
        organisation_id=job.organisation_id,
        actor=actor,
        audit_object=job,
    )
    importer = Importer(options)
    start = 0
    if job.status is JobStatus.RUNNING and job.report:  # resuming after a crash
        start = job.processed
        importer.report = ImportReport.from_dict(job.report)
    job.status = JobStatus.RUNNING
    job.total = len(source.rows)
    job.started_at = job.started_at or utcnow()
    commit()
    for done in importer.run(source, start):
        job.processed = done
        job.report = importer.report.to_dict()
        job.lease_until = utcnow() + LEASE
        commit()
        if chunk_rows and done - start >= chunk_rows and done < len(source.rows):
            # This chunk is done: the next one is a task of its own, resuming after this batch.
            job.lease_until = None
            _follow_up(importer)
            outbox.enqueue("imports.run_job", job_id=job.id)
            commit()
            return
    _finish(job, JobStatus.DONE, importer.report)
    refresh_statistics(kind.name, "listing_terms")  # the kind is named as its table
    _follow_up(importer)
    commit()


def _follow_up(importer: Importer) -> None:
    """What follows the listings one run (a chunk, or the whole file) wrote, in the background: the
    real lists are full of reposts, so look for near-duplicates; new needs published at once are
    announced to the followers of their topics, once per person for the run."""
    if importer.written:
        outbox.enqueue("dedupe.flag_listings", kind=importer.kind.code, ids=importer.written)
    announce_new_needs(importer)


def announce_new_needs(importer: Importer) -> None:
    """New needs published at once are news for the followers of their topics: one notification each
    per run, in the background (`subscriptions.announce_imported`). The upload's runs and `flask
    import` call it."""
    if importer.kind.code == "n" and importer.options.status is ListingStatus.PUBLISHED and importer.inserted:
        outbox.enqueue("subscriptions.announce_imported", ids=importer.inserted)


def _finish(job: ImportJob, status: JobStatus, report: ImportReport) -> None:
    job.status = status
    job.report = report.to_dict()
    job.finished_at = utcnow()
    job.lease_until = None
    job.processed = min(job.processed, job.total)
    job.content = None  # the listings hold the data now; the upload is not kept
