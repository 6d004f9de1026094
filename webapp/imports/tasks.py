"""The background import of an uploaded file."""

from __future__ import annotations

from celery import shared_task

from webapp.extensions import db
from webapp.imports import services


@shared_task(name="imports.run_job", ignore_result=True)
def run_job(job_id: int) -> None:
    """Idempotent: a finished job is left alone, an interrupted one resumes after its last batch."""
    services.execute_job(job_id, commit=db.session.commit)
