"""The full re-match: every published listing matched again in the background, its progress
committed as it goes, so that a job whose worker was lost continues where it stopped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import takewhile

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from webapp.core import audit, outbox
from webapp.core.db import refresh_statistics, utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching import runtime
from webapp.matching.models import MatchJob, MatchJobStatus, Suggestion, SuggestionStatus
from webapp.matching.permissions import is_admin
from webapp.matching.services.suggestions import ACHIEVEMENT, NEED, delete_new, kind_of, refresh_batch
from webapp.matching.sources import models

log = logging.getLogger(__name__)

# A full re-match commits its progress every this many listings (the progress bar moves).
PROGRESS_EVERY = 50
# A queued or running job without progress for this long is taken as lost with its worker.
STALE_JOB = timedelta(minutes=30)


def running_job() -> MatchJob | None:
    """The queued or running re-match, if any; one that made no progress for a long time is
    marked failed (its worker was lost) so that a new one can start."""
    job = db.session.scalar(
        sa.select(MatchJob)
        .where(MatchJob.status.in_((MatchJobStatus.QUEUED, MatchJobStatus.RUNNING)))
        .order_by(MatchJob.id.desc())
        .limit(1)
    )
    if job is not None and job.updated_at < utcnow() - STALE_JOB:
        job.status = MatchJobStatus.FAILED
        job.error = f"no progress for {STALE_JOB.total_seconds() // 60:.0f} minutes: stopped"
        job.finished_at = utcnow()
        job.processed = min(job.processed, job.total)
        db.session.flush()
        return running_job()
    return job


def create_job(user=None) -> MatchJob:
    """A queued re-match job (refused while another one is queued or running)."""
    if running_job() is not None:
        raise ValueError(_("A full re-match is already queued or running; wait for it to finish."))
    job = MatchJob(started_by_id=getattr(user, "id", None), status=MatchJobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    audit.record("match.rematch", job, actor=user)
    return job


def start_rematch(user) -> MatchJob:
    """Admins start a full re-match; it runs in the background (task matching.rematch)."""
    require(is_admin(user))
    job = create_job(user)
    outbox.enqueue("matching.rematch", job_id=job.id)
    return job


def latest_job() -> MatchJob | None:
    return db.session.scalar(sa.select(MatchJob).order_by(MatchJob.id.desc()).limit(1))


def published_ids(kind: str, *, changed_since: datetime | None = None) -> list[int]:
    ach_model, need_model = models()
    model = need_model if kind_of(kind) == NEED else ach_model
    query = sa.select(model.id).where(model.status == ListingStatus.PUBLISHED)
    if changed_since is not None:
        query = query.where(sa.or_(model.updated_at >= changed_since, model.published_at >= changed_since))
    return list(db.session.scalars(query.order_by(model.id)))


def _rematch_batches(job: MatchJob, work: list, done: int, found: int, since, commit, progress) -> int:
    """Match the listings of `work` from `done` on, PROGRESS_EVERY at a time, committing the progress
    after each batch; returns the suggestions found."""
    while done < job.total:
        # The next listings of one kind, up to the next multiple of PROGRESS_EVERY.
        end = min(job.total, (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY)
        kind = work[done][0]
        same_kind = work[done:end]
        batch = [listing_id for _, listing_id in takewhile(lambda item, k=kind: item[0] == k, same_kind)]
        found += refresh_batch(kind, batch, keep_since=since)
        done += len(batch)
        job.processed = done
        job.suggestions = found
        commit()
        if progress:
            progress(done, job.total)
    return found


def run_rematch(
    job_id: int, *, commit: Callable[[], None] | None = None, progress: Callable[[int, int], None] | None = None
) -> MatchJob | None:
    """Rebuild the index, then match every published need and every published achievement,
    committing the progress every PROGRESS_EVERY listings. NEW suggestions found by neither side
    are dropped at the end. A finished job is left alone; a job run again after its worker was lost
    continues after the last committed listing (matching a listing twice changes nothing)."""
    commit = commit or db.session.commit
    job = db.session.get(MatchJob, job_id)
    if job is None or job.status.finished:
        return job
    try:
        job.status = MatchJobStatus.RUNNING
        job.started_at = job.started_at or utcnow()
        job.error = None
        commit()
        since = job.started_at
        runtime.rebuild_index()
        work = [(NEED, i) for i in published_ids(NEED)] + [(ACHIEVEMENT, i) for i in published_ids(ACHIEVEMENT)]
        job.total = len(work)
        job.processed = min(job.processed, job.total)
        commit()
        if progress:
            progress(job.processed, job.total)
        done = job.processed
        found = job.suggestions
        with runtime.helpers():
            found = _rematch_batches(job, work, done, found, since, commit, progress)
        # Pairs that neither side found again (or whose listings went offline) are stale.
        delete_new(Suggestion.computed_at < since)
        job.processed = job.total
        job.suggestions = (
            db.session.scalar(sa.select(sa.func.count(Suggestion.id)).where(Suggestion.status == SuggestionStatus.NEW))
            or 0
        )
        job.status = MatchJobStatus.DONE
        job.finished_at = utcnow()
        commit()
        refresh_statistics(Suggestion.__tablename__)
        commit()
        if progress:
            progress(job.total, job.total)
    except OperationalError:
        # The database went away: leave the job RUNNING; the task is retried and continues.
        db.session.rollback()
        raise
    except Exception as exc:
        log.exception("re-match job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(MatchJob, job_id)
        job.status = MatchJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:1000]
        job.finished_at = utcnow()
        job.processed = min(job.processed, job.total)
        commit()
    return job
