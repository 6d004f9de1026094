"""Applications (揭榜) to a challenge, one per unit, and the files attached to applications and
milestone reports."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.challenges.models.challenge import UnitKind, unit_key
from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.extensions import db

if TYPE_CHECKING:
    from webapp.challenges.models.challenge import Challenge


class ApplicationStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"

    @property
    def label(self) -> str:
        return str(APPLICATION_LABELS[self])


APPLICATION_LABELS = {
    ApplicationStatus.DRAFT: _l("Draft"),
    ApplicationStatus.SUBMITTED: _l("Submitted"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.ELIGIBLE: _l("Passed the formal check"),
    ApplicationStatus.INELIGIBLE: _l("Failed the formal check"),
}
# An application that holds its unit's place in the challenge (a draft does not; see Application).
LODGED = ("submitted", "eligible", "ineligible")


class Application(TimestampMixin, db.Model):
    """A 揭榜申请 by a lead unit (with an optional consortium).

    One unit, one application: the unique index on (challenge, unit key) covers lodged applications
    (submitted, eligible, ineligible). Drafts do not hold the unit's place, so that one researcher's
    abandoned draft never locks out the rest of the institution; the second of two drafts of the same
    unit is refused at submission with a message naming the unit."""

    __tablename__ = "challenge_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    applicant_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    lead_unit: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    lead_kind: Mapped[UnitKind] = mapped_column(enum_type(UnitKind, "unit_kind"), nullable=False)
    # The lead unit's name normalised (NFKC, no spaces, case folded): what "the same unit" means.
    unit_key: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    members: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)  # [{"name", "kind", "key"}]
    team: Mapped[str | None] = mapped_column(sa.Text)
    plan: Mapped[str | None] = mapped_column(sa.Text)
    budget: Mapped[int | None] = mapped_column(sa.BigInteger)
    schedule: Mapped[str | None] = mapped_column(sa.Text)
    commitment_signed: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)  # 承诺书
    commitment_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_type(ApplicationStatus, "application_status"), nullable=False, default=ApplicationStatus.DRAFT
    )
    ineligible_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_slot: Mapped[int | None] = mapped_column()  # set while proposed as a winner (公示)

    challenge: Mapped[Challenge] = relationship(back_populates="applications")
    applicant = relationship("User", lazy="joined")

    __table_args__ = (
        sa.Index(
            "uq_challenge_applications_unit",
            "challenge_id",
            "unit_key",
            unique=True,
            sqlite_where=sa.text("status IN ('submitted', 'eligible', 'ineligible')"),
            postgresql_where=sa.text("status IN ('submitted', 'eligible', 'ineligible')"),
        ),
        sa.Index(
            "uq_challenge_applications_applicant",
            "challenge_id",
            "applicant_id",
            unique=True,
            sqlite_where=sa.text("status <> 'withdrawn'"),
            postgresql_where=sa.text("status <> 'withdrawn'"),
        ),
        sa.UniqueConstraint("challenge_id", "proposed_slot", name="uq_challenge_applications_proposed_slot"),
        sa.UniqueConstraint("id", "challenge_id", name="uq_challenge_applications_id_challenge"),
        sa.CheckConstraint("length(trim(lead_unit)) > 0 AND length(unit_key) > 0", name="lead_unit_not_blank"),
        sa.CheckConstraint("budget IS NULL OR budget >= 0", name="budget_positive"),
        sa.CheckConstraint("commitment_signed = (commitment_signed_at IS NOT NULL)", name="commitment_has_time"),
        sa.CheckConstraint(
            "status NOT IN ('submitted', 'eligible', 'ineligible') OR (submitted_at IS NOT NULL AND commitment_signed)",
            name="lodged_is_signed",
        ),
        sa.CheckConstraint("status <> 'ineligible' OR ineligible_reason IS NOT NULL", name="ineligible_has_reason"),
        sa.CheckConstraint("status <> 'withdrawn' OR withdrawn_at IS NOT NULL", name="withdrawn_has_time"),
        sa.CheckConstraint(
            "proposed_slot IS NULL OR (proposed_slot >= 1 AND status = 'eligible')", name="proposed_is_eligible"
        ),
    )

    @property
    def lodged(self) -> bool:
        return self.status.value in LODGED

    @property
    def member_names(self) -> list[str]:
        return [m["name"] for m in self.members or []]

    @property
    def names_poster(self) -> bool:
        """Whether the lead unit or a member is the enterprise that posted the challenge (refused
        when the applicant could see who posted it; otherwise for the formal check to decide)."""
        organisation = self.challenge.organisation if self.challenge is not None else None
        if organisation is None:
            return False
        keys = {self.unit_key, *(m.get("key") or unit_key(m.get("name")) for m in self.members or [])}
        return unit_key(organisation.name) in keys

    def __repr__(self) -> str:
        return f"<Application {self.id} {self.status.value} {self.lead_unit}>"


class AttachmentKind(enum.Enum):
    """What an attachment belongs to."""

    APPLICATION = "application"
    MILESTONE = "milestone"


class Attachment(db.Model):
    """A file kept in the database (so any web or worker process can serve it), its type sniffed
    from the content, never taken from the name."""

    __tablename__ = "challenge_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[AttachmentKind] = mapped_column(enum_type(AttachmentKind, "attachment_kind"), nullable=False)
    owner_id: Mapped[int] = mapped_column(nullable=False)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False, index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    __table_args__ = (
        sa.Index("ix_challenge_attachments_owner", "owner_kind", "owner_id"),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
        sa.CheckConstraint("length(trim(filename)) > 0", name="filename_not_blank"),
    )
