"""Delivery after the award: the milestones (set with the terms, reported and decided after the
contract) and the contract both sides confirm."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.challenges.models.challenge import MAX_BOUNTY
from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.challenges.models.challenge import Challenge


class MilestoneStatus(enum.Enum):
    PENDING = "pending"
    REPORTED = "reported"
    APPROVED = "approved"
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return str(MILESTONE_LABELS[self])


MILESTONE_LABELS = {
    MilestoneStatus.PENDING: _l("Not reported yet"),
    MilestoneStatus.REPORTED: _l("Reported, awaiting approval"),
    MilestoneStatus.APPROVED: _l("Approved"),
    MilestoneStatus.RETURNED: _l("Returned for more work"),
}


class Milestone(TimestampMixin, db.Model):
    """A stage of the work with its share of the bounty. `amount` is the share in 元, computed with
    integers so that the amounts of a challenge add up to the bounty exactly (the last milestone
    takes the remainder); `payment_due` is recorded when the enterprise approves the milestone."""

    __tablename__ = "challenge_milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    share: Mapped[int] = mapped_column(nullable=False)  # percent of the bounty
    amount: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    status: Mapped[MilestoneStatus] = mapped_column(
        enum_type(MilestoneStatus, "milestone_status"), nullable=False, default=MilestoneStatus.PENDING
    )
    report: Mapped[str | None] = mapped_column(sa.Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    return_note: Mapped[str | None] = mapped_column(sa.String(2000))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_due: Mapped[int | None] = mapped_column(sa.BigInteger)

    challenge: Mapped[Challenge] = relationship(back_populates="milestones")

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "position", name="uq_challenge_milestones_position"),
        sa.CheckConstraint("share BETWEEN 1 AND 100", name="share_range"),
        sa.CheckConstraint("amount >= 0", name="amount_positive"),
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint(
            "status = 'pending' OR (reported_at IS NOT NULL AND report IS NOT NULL)", name="reported_has_report"
        ),
        sa.CheckConstraint(
            "status <> 'returned' OR (return_note IS NOT NULL AND decided_at IS NOT NULL)", name="returned_has_note"
        ),
        sa.CheckConstraint(
            "(status = 'approved') = (payment_due IS NOT NULL) AND (payment_due IS NULL OR payment_due = amount)"
            " AND (status <> 'approved' OR decided_at IS NOT NULL)",
            name="approved_has_payment",
        ),
    )


class Contract(TimestampMixin, db.Model):
    """The contract between the enterprise and the winner(s); both sides confirm its terms. In 赛马
    mode every winner confirms (Award.contract_confirmed_at); `winner_confirmed_at` is the last."""

    __tablename__ = "challenge_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    value: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))  # 技术合同登记号, once known
    signed_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    starts_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    enterprise_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    winner_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    challenge: Mapped[Challenge] = relationship(back_populates="contract")

    __table_args__ = (
        sa.CheckConstraint(f"value > 0 AND value <= {MAX_BOUNTY}", name="value_range"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_order"),
    )

    @property
    def confirmed(self) -> bool:
        return self.enterprise_confirmed_at is not None and self.winner_confirmed_at is not None
