"""Background import jobs: a crash loses at most a batch, and running the job again resumes it once
the crashed run's lease has run out; a task delivered twice runs once; a long import goes in chunks,
each a task of its own."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.imports.conftest import achievement, write_jsonl
from webapp.achievements.models import Achievement
from webapp.core.db import utcnow
from webapp.extensions import db
from webapp.imports import services
from webapp.imports.models import ImportJob, JobStatus


class Crash(BaseException):
    """Stands for the worker being killed: nothing in the job catches it."""


def test_a_job_interrupted_after_a_batch_resumes_where_it_stopped(app_ctx, make_user, tmp_path, monkeypatch):
    admin = make_user("admin")
    job = _queued_job(admin, tmp_path, 7)
    monkeypatch.setattr(services, "ImportOptions", _small_batches(services.ImportOptions))

    commits = []

    def crash_after_first_batch():
        commits.append(1)
        db.session.commit()
        if len(commits) == 4:  # the look-up, the lease, "started", the first batch: then the worker dies
            raise Crash

    try:
        services.execute_job(job.id, commit=crash_after_first_batch)
    except Crash:
        db.session.rollback()
    stopped = db.session.get(ImportJob, job.id)
    assert stopped.status is JobStatus.RUNNING and stopped.processed == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 3

    services.execute_job(job.id, commit=db.session.commit)  # redelivered while the dead run's lease holds
    assert db.session.get(ImportJob, job.id).processed == 3  # left alone: it cannot tell the run is dead

    stopped = db.session.get(ImportJob, job.id)
    stopped.lease_until = utcnow() - timedelta(seconds=1)  # the lease runs out
    db.session.commit()
    services.execute_job(job.id, commit=db.session.commit)

    done = db.session.get(ImportJob, job.id)
    assert done.status is JobStatus.DONE and done.processed == 7
    assert (done.report["imported"], done.report["unchanged"], done.report["skipped"]) == (7, 0, [])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 7

    services.execute_job(job.id, commit=db.session.commit)  # a duplicate delivery does nothing
    assert db.session.get(ImportJob, job.id).report["imported"] == 7


def test_a_long_import_goes_in_chunks_each_a_task_of_its_own(app_ctx, make_user, tmp_path, monkeypatch):
    admin = make_user("admin")
    job = _queued_job(admin, tmp_path, 7)
    monkeypatch.setattr(services, "ImportOptions", _small_batches(services.ImportOptions))
    handed_over, checked = [], []

    def enqueue(task, **kwargs):  # the broker: the test delivers each queued task itself
        if task == "imports.run_job":
            handed_over.append((kwargs, db.session.get(ImportJob, job.id).processed))
        elif task == "dedupe.flag_listings":
            checked.extend(kwargs["ids"])

    monkeypatch.setattr(services.outbox, "enqueue", enqueue)

    services.execute_job(job.id, commit=db.session.commit, chunk_rows=3)
    first = db.session.get(ImportJob, job.id)
    assert (first.status, first.processed, first.lease_until) == (JobStatus.RUNNING, 3, None)
    while len(handed_over) < 5 and db.session.get(ImportJob, job.id).status is JobStatus.RUNNING:
        services.execute_job(handed_over[-1][0]["job_id"], commit=db.session.commit, chunk_rows=3)

    assert handed_over == [({"job_id": job.id}, 3), ({"job_id": job.id}, 6)]  # each chunk queued the next
    done = db.session.get(ImportJob, job.id)
    assert (done.status, done.processed, done.report["imported"], done.lease_until) == (JobStatus.DONE, 7, 7, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Achievement)) == 7
    # Every chunk's listings are looked at for near-duplicates, not only the last chunk's.
    assert sorted(checked) == sorted(db.session.scalars(sa.select(Achievement.id)))


def _queued_job(admin, tmp_path, rows: int) -> ImportJob:
    """An import of `rows` achievements as create_job() makes it, without handing it to the task queue."""
    content = write_jsonl(tmp_path / "a.jsonl", [achievement(n) for n in range(1, rows + 1)]).read_bytes()
    job = ImportJob(
        kind="achievements", filename="a.jsonl", content=content, target_status="published", created_by_id=admin.id
    )
    db.session.add(job)
    db.session.commit()
    return job


def _small_batches(options_class):
    def make(**kwargs):
        return options_class(**kwargs, batch_size=3)

    return make


def test_after_an_import_postgresql_plans_from_the_real_table_sizes(app_ctx, make_user, tmp_path):
    """Without fresh statistics a table loaded from empty is planned as nearly empty (the brokers'
    queue then took 40 s instead of 0.16 s); the import has them counted when it ends."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    admin = make_user("admin")
    job = _queued_job(admin, tmp_path, 40)

    services.execute_job(job.id, commit=db.session.commit)

    counted = db.session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'achievements'")).scalar()
    assert counted >= 40
