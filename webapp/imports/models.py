"""An uploaded file waiting to be imported, being imported, or imported, with its summary."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db


class JobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(JOB_LABELS[self])

    @property
    def finished(self) -> bool:
        return self in (JobStatus.DONE, JobStatus.FAILED)


JOB_LABELS = {
    JobStatus.QUEUED: _l("Waiting"),
    JobStatus.RUNNING: _l("Importing"),
    JobStatus.DONE: _l("Finished"),
    JobStatus.FAILED: _l("Failed"),
}


class ImportJob(TimestampMixin, db.Model):
    """The file is kept in the database (not on a web server's disk) because the worker that runs
    the import may be another machine; it is dropped once the import has finished."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)  # "achievements" or "needs"
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    mapping: Mapped[str | None] = mapped_column(sa.String(1000))
    target_status: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # A researcher's upload: rows become this institution's achievements, owned by the uploader.
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    status: Mapped[JobStatus] = mapped_column(
        enum_type(JobStatus, "import_job_status"), nullable=False, default=JobStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(nullable=False, default=0)
    processed: Mapped[int] = mapped_column(nullable=False, default=0)
    report: Mapped[dict | None] = mapped_column(sa.JSON)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Held by the run that is importing the job; a second delivery of the same task finds it and leaves.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    created_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("kind IN ('achievements', 'needs')", name="kind_known"),
        sa.CheckConstraint("processed >= 0 AND processed <= total", name="processed_in_range"),
        sa.CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name="finished_has_time"),
    )

    def can_view(self, user) -> bool:
        return bool(user and user.is_authenticated and (user.is_admin or user.id == self.created_by_id))

    @property
    def percent(self) -> int:
        if self.status.finished:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0

    def __repr__(self) -> str:
        return f"<ImportJob {self.id} {self.kind} {self.filename} {self.status.value}>"
