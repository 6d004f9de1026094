"""Performance reports (事后绩效) and what they keep: evidence files and the reminders already sent.

A report falls due when a challenge is completed or a deal is paid in full; there is at most one per
challenge and one per deal (unique columns), and exactly one of the two is set. CHECK constraints tie
the state to the columns it needs: a submitted or accepted report has every figure, a returned one
the comment it was returned with, an accepted one its rating. Money is whole 元.

A report whose enterprise has no account on the platform (a deal from a need imported from the
district's lists) is filed on the enterprise's behalf by an administrator, with the figures obtained
by phone, visit or a paper form: `filed_by_id` says who recorded it, `filed_note` where the figures
come from, and a filed report recorded so always has its note.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db


class ReportStatus(enum.Enum):
    DRAFT = "draft"  # due: the enterprise fills it in
    SUBMITTED = "submitted"  # waiting for the district's review
    RETURNED = "returned"  # sent back to the enterprise with a comment
    ACCEPTED = "accepted"  # reviewed and rated

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ReportStatus.DRAFT: _l("To be filed"),
    ReportStatus.SUBMITTED: _l("Submitted, awaiting review"),
    ReportStatus.RETURNED: _l("Returned for changes"),
    ReportStatus.ACCEPTED: _l("Reviewed"),
}
OPEN_STATES = (ReportStatus.DRAFT, ReportStatus.RETURNED)  # the enterprise still has to file it


class Rating(enum.Enum):
    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 良好
    PASS = "pass"  # 合格
    FAIL = "fail"  # 不合格

    @property
    def label(self) -> str:
        return str(RATING_LABELS[self])


RATING_LABELS = {
    Rating.EXCELLENT: _l("Excellent"),
    Rating.GOOD: _l("Good"),
    Rating.PASS: _l("Satisfactory"),
    Rating.FAIL: _l("Unsatisfactory"),
}

# The figures every submitted report gives (counts, then money in 元).
COUNTS = ("new_products", "patents_filed", "patents_granted", "jobs", "follow_on_contracts")
AMOUNTS = ("sales", "cost_saved", "follow_on_value")
FIGURES = COUNTS + AMOUNTS


def _all_figures() -> str:
    return " AND ".join(f"{name} IS NOT NULL" for name in FIGURES)


def _not_negative() -> str:
    return " AND ".join(f"({name} IS NULL OR {name} >= 0)" for name in FIGURES)


class PerformanceReport(TimestampMixin, db.Model):
    __tablename__ = "performance_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), unique=True)
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), unique=True)
    # Who reports: the challenge's owner, or the deal's enterprise party (its need side's contact).
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # the challenge's or deal's
    opened_on: Mapped[date] = mapped_column(sa.Date, nullable=False)  # completed / paid in full (Beijing)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False, index=True)
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus, "performance_report_status"), nullable=False, default=ReportStatus.DRAFT, index=True
    )
    new_products: Mapped[int | None] = mapped_column()
    sales: Mapped[int | None] = mapped_column(sa.BigInteger)  # 元
    cost_saved: Mapped[int | None] = mapped_column(sa.BigInteger)  # 元
    patents_filed: Mapped[int | None] = mapped_column()
    patents_granted: Mapped[int | None] = mapped_column()
    jobs: Mapped[int | None] = mapped_column()
    follow_on_contracts: Mapped[int | None] = mapped_column()
    follow_on_value: Mapped[int | None] = mapped_column(sa.BigInteger)  # 元
    # One outcome per indicator of the challenge: [{"indicator": …, "outcome": …}, …].
    outcomes: Mapped[list | None] = mapped_column(sa.JSON)
    commitment: Mapped[str | None] = mapped_column(sa.Text)  # how the 承诺书 was kept
    summary: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    return_comment: Mapped[str | None] = mapped_column(sa.String(2000))
    rating: Mapped[Rating | None] = mapped_column(enum_type(Rating, "performance_rating"))
    review_comment: Mapped[str | None] = mapped_column(sa.String(2000))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Filed on the enterprise's behalf (it has no account): the admin who last recorded it (the
    # account's id, kept as the audit log keeps its actor: without a foreign key, because adding one
    # to this table on SQLite copies it, see migration 0021) and where the figures come from.
    filed_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    filed_note: Mapped[str | None] = mapped_column(sa.String(500))

    enterprise = relationship("User", foreign_keys=[enterprise_id], lazy="joined")
    filed_by = relationship("User", primaryjoin="foreign(PerformanceReport.filed_by_id) == User.id", viewonly=True)
    challenge = relationship("Challenge")
    deal = relationship("Deal")
    files: Mapped[list[ReportFile]] = relationship(
        back_populates="report", order_by="ReportFile.id", passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("(challenge_id IS NULL) <> (deal_id IS NULL)", name="one_subject"),
        sa.CheckConstraint("due_on >= opened_on", name="due_after_opened"),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint(_not_negative(), name="figures_not_negative"),
        sa.CheckConstraint(
            f"status IN ('draft', 'returned') OR ({_all_figures()} AND submitted_at IS NOT NULL)",
            name="filed_is_complete",
        ),
        sa.CheckConstraint("status <> 'returned' OR return_comment IS NOT NULL", name="returned_has_comment"),
        sa.CheckConstraint(
            "(status = 'accepted') = (rating IS NOT NULL AND reviewed_at IS NOT NULL)", name="accepted_has_rating"
        ),
        sa.CheckConstraint("filed_note IS NULL OR filed_by_id IS NOT NULL", name="filed_note_has_recorder"),
        sa.CheckConstraint(
            "status IN ('draft', 'returned') OR filed_by_id IS NULL OR filed_note IS NOT NULL",
            name="filed_for_has_note",
        ),
    )

    @property
    def enterprise_name(self) -> str:
        """Who reports, as the district knows the enterprise: the deal's need side, the challenge's
        organisation, or the reporting account."""
        if self.deal is not None:
            return self.deal.need_party
        if self.challenge is not None and self.challenge.organisation is not None:
            return self.challenge.organisation.name
        return self.enterprise.name if self.enterprise is not None else ""

    @property
    def filed_on_behalf(self) -> bool:
        """Filed (submitted at least once) by an admin on the enterprise's behalf."""
        return self.filed_by_id is not None and self.status is not ReportStatus.DRAFT

    @property
    def subject_link(self) -> str:
        return f"/challenges/{self.challenge_id}" if self.challenge_id else f"/deals/{self.deal_id}"

    def overdue_on(self, today: date) -> bool:
        """Still to be filed after its due day (`today`: the district's date)."""
        return self.status in OPEN_STATES and self.due_on < today

    @classmethod
    def overdue_where(cls, today: date):
        """The SQL condition of `overdue_on` (the lists' filter)."""
        return sa.and_(cls.status.in_(OPEN_STATES), cls.due_on < today)

    def __repr__(self) -> str:
        return f"<PerformanceReport {self.id} {self.status.value} due {self.due_on}>"


class ReportFile(db.Model):
    """Evidence of a report (in the database, so every process can serve it), its type sniffed from
    the content by the platform's one upload check."""

    __tablename__ = "performance_report_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("performance_reports.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    report: Mapped[PerformanceReport] = relationship(back_populates="files")

    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
    )


class ReportReminder(db.Model):
    """A reminder already sent: (report, key) is unique, so each goes out once however often, or
    however concurrently, the reminder task runs."""

    __tablename__ = "performance_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("performance_reports.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(40), nullable=False)  # before:30, due, overdue:30, …
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)

    __table_args__ = (sa.UniqueConstraint("report_id", "key", name="uq_performance_reminders_report_id_key"),)
