"""The expert review and what follows it: the panel, conflict declarations, scores, objections during
the public notice, and the awards."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import UTCDateTime, enum_type, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.challenges.models.challenge import Challenge


class ExpertAssignment(db.Model):
    __tablename__ = "challenge_experts"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    challenge: Mapped[Challenge] = relationship(back_populates="experts")
    expert = relationship("User", foreign_keys=[expert_id], lazy="joined")
    declarations: Mapped[list[ConflictDeclaration]] = relationship(
        back_populates="assignment", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (sa.UniqueConstraint("challenge_id", "expert_id", name="uq_challenge_experts_expert"),)


class ConflictDeclaration(db.Model):
    """An expert's statement about one application, made before the expert may see it.

    Rows with `automatic` are written by the system when the expert's organisation is the lead unit
    or a consortium member: they always declare a conflict and the expert cannot change them."""

    __tablename__ = "challenge_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_experts.id", ondelete="CASCADE"), nullable=False
    )
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_applications.id", ondelete="CASCADE"), nullable=False, index=True
    )
    has_conflict: Mapped[bool] = mapped_column(sa.Boolean, nullable=False)
    automatic: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    assignment: Mapped[ExpertAssignment] = relationship(back_populates="declarations")

    __table_args__ = (
        sa.UniqueConstraint("assignment_id", "application_id", name="uq_challenge_conflicts_pair"),
        sa.CheckConstraint("NOT automatic OR has_conflict", name="automatic_is_conflict"),
    )


class Review(db.Model):
    """An expert's scores (0–100 per criterion, keyed by criterion id) and comment on one application.

    `points` is Σ score × weight (0–10000): the weighted score × 100, kept as an integer."""

    __tablename__ = "challenge_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge_applications.id", ondelete="CASCADE"), nullable=False
    )
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    scores: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    points: Mapped[int] = mapped_column(nullable=False)
    comment: Mapped[str] = mapped_column(sa.Text, nullable=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    revision_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision_note: Mapped[str | None] = mapped_column(sa.String(1000))

    application = relationship("Application", lazy="joined")
    expert = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("application_id", "expert_id", name="uq_challenge_reviews_expert"),
        sa.CheckConstraint("points BETWEEN 0 AND 10000", name="points_range"),
        sa.CheckConstraint("length(trim(comment)) > 0", name="comment_not_blank"),
        sa.CheckConstraint("revision_requested_at IS NULL OR revision_note IS NOT NULL", name="revision_has_note"),
    )

    @property
    def weighted(self) -> float:
        return self.points / 100

    @property
    def awaiting_revision(self) -> bool:
        return self.revision_requested_at is not None


class ObjectionStatus(enum.Enum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def label(self) -> str:
        return str(OBJECTION_LABELS[self])


OBJECTION_LABELS = {
    ObjectionStatus.OPEN: _l("Open, awaiting resolution"),
    ObjectionStatus.UPHELD: _l("Upheld"),
    ObjectionStatus.DISMISSED: _l("Dismissed"),
}


class Objection(db.Model):
    """An objection (异议) filed during the public notice."""

    __tablename__ = "challenge_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    filed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    status: Mapped[ObjectionStatus] = mapped_column(
        enum_type(ObjectionStatus, "objection_status"), nullable=False, default=ObjectionStatus.OPEN
    )
    resolution: Mapped[str | None] = mapped_column(sa.String(2000))
    resolved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    challenge: Mapped[Challenge] = relationship(back_populates="objections")
    filed_by = relationship("User", foreign_keys=[filed_by_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        sa.CheckConstraint(
            "(status = 'open') = (resolved_at IS NULL) AND (status = 'open' OR resolution IS NOT NULL)",
            name="resolved_has_resolution",
        ),
        sa.Index("ix_challenge_objections_open", "challenge_id", "status"),
    )


class Award(db.Model):
    """One winning application (挂帅). Slots run 1..winners_max: with the unique constraints the
    database itself refuses a second winner (or an N+1st in 赛马 mode), whatever Python read.
    `winners_max` is a copy of the challenge's, tied to it by a composite foreign key."""

    __tablename__ = "challenge_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(nullable=False)
    application_id: Mapped[int] = mapped_column(nullable=False)
    slot: Mapped[int] = mapped_column(nullable=False)
    winners_max: Mapped[int] = mapped_column(nullable=False)
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    contract_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the winner's confirmation

    # Read-only: the columns are set explicitly (two composite foreign keys share challenge_id).
    challenge: Mapped[Challenge] = relationship(
        primaryjoin="foreign(Award.challenge_id) == Challenge.id", viewonly=True
    )
    application = relationship(
        "Application", primaryjoin="foreign(Award.application_id) == Application.id", viewonly=True, lazy="joined"
    )

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["challenge_id", "winners_max"],
            ["challenges.id", "challenges.winners_max"],
            ondelete="CASCADE",
            name="fk_challenge_awards_challenge",
        ),
        sa.ForeignKeyConstraint(
            ["application_id", "challenge_id"],
            ["challenge_applications.id", "challenge_applications.challenge_id"],
            ondelete="CASCADE",
            name="fk_challenge_awards_application",
        ),
        sa.UniqueConstraint("challenge_id", "slot", name="uq_challenge_awards_slot"),
        sa.UniqueConstraint("challenge_id", "application_id", name="uq_challenge_awards_application"),
        sa.CheckConstraint("slot >= 1 AND slot <= winners_max", name="slot_in_range"),
    )
