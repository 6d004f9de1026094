"""Challenges (榜单): their states and the rules each state imposes on the columns, the kinds of
units that may apply, the review criteria, and the reminders the clock has already sent.

States are enums stored as text; CHECK constraints tie each state to the columns it needs, and the
facts that must be unique are unique constraints, so no read-then-write in Python can break them.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db

MAX_BOUNTY = 10**12  # 元 (one trillion): far above any real bounty, well inside BIGINT


def unit_key(name: str | None) -> str:
    """What makes two spellings the same unit: NFKC (full-width letters and brackets), no spaces,
    case folded. 天津大学 and ＂天津 大学＂ are one unit."""
    text = unicodedata.normalize("NFKC", name or "")
    return "".join(text.split()).casefold()[:200]


class ChallengeStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    PUBLISHED = "published"  # 已发榜: the application window is (or will be) open
    FORMAL_CHECK = "formal_check"  # window closed with applications: eligibility is checked
    REVIEW = "review"  # experts score the eligible applications
    NOTICE = "notice"  # 公示: proposed winners published, objections may be filed
    AWARDED = "awarded"  # 挂帅
    CONTRACTED = "contracted"
    IN_PROGRESS = "in_progress"
    ACCEPTANCE = "acceptance"  # every milestone approved: waiting for the final 验收
    COMPLETED = "completed"
    FAILED = "failed"  # 流榜
    WITHDRAWN = "withdrawn"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


STATUS_LABELS = {
    ChallengeStatus.DRAFT: _l("Draft"),
    ChallengeStatus.SUBMITTED: _l("Awaiting review"),
    ChallengeStatus.RETURNED: _l("Returned for changes"),
    ChallengeStatus.PUBLISHED: _l("Published, open for applications"),
    ChallengeStatus.FORMAL_CHECK: _l("Formal check"),
    ChallengeStatus.REVIEW: _l("Expert review"),
    ChallengeStatus.NOTICE: _l("Public notice"),
    ChallengeStatus.AWARDED: _l("Awarded"),
    ChallengeStatus.CONTRACTED: _l("Contract signed"),
    ChallengeStatus.IN_PROGRESS: _l("In progress"),
    ChallengeStatus.ACCEPTANCE: _l("Awaiting acceptance"),
    ChallengeStatus.COMPLETED: _l("Completed"),
    ChallengeStatus.FAILED: _l("No valid application"),
    ChallengeStatus.WITHDRAWN: _l("Withdrawn"),
    ChallengeStatus.TERMINATED: _l("Terminated"),
}

S = ChallengeStatus
FINAL_STATES = frozenset({S.COMPLETED, S.FAILED, S.WITHDRAWN, S.TERMINATED})
# Published onwards, in order (the side exits failed and terminated also come after publication).
AFTER_PUBLICATION = (
    S.PUBLISHED,
    S.FORMAL_CHECK,
    S.REVIEW,
    S.NOTICE,
    S.AWARDED,
    S.CONTRACTED,
    S.IN_PROGRESS,
    S.ACCEPTANCE,
    S.COMPLETED,
)
# What the public board shows: published and everything after it, side exits after publication too.
PUBLIC_STATES = frozenset({*AFTER_PUBLICATION, S.FAILED, S.TERMINATED})


def _from(state: ChallengeStatus) -> tuple[ChallengeStatus, ...]:
    """The main-line states from `state` on (completed included)."""
    return AFTER_PUBLICATION[AFTER_PUBLICATION.index(state) :]


def _requires(states, condition: str) -> str:
    listed = ", ".join(f"'{s.value}'" for s in states)
    return f"status NOT IN ({listed}) OR ({condition})"


class Failure(enum.Enum):
    """Why a challenge ended as 流榜."""

    NO_APPLICATION = "no_application"
    NONE_ELIGIBLE = "none_eligible"

    @property
    def label(self) -> str:
        return str(FAILURE_LABELS[self])


FAILURE_LABELS = {
    Failure.NO_APPLICATION: _l("No application was submitted before the deadline"),
    Failure.NONE_ELIGIBLE: _l("No application passed the formal check"),
}


class UnitKind(enum.Enum):
    """What kind of unit leads an application (and what eligibility allows)."""

    UNIVERSITY = "university"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        return str(UNIT_KIND_LABELS[self])


UNIT_KIND_LABELS = {
    UnitKind.UNIVERSITY: _l("University"),
    UnitKind.INSTITUTE: _l("Research institute"),
    UnitKind.ENTERPRISE: _l("Enterprise"),
}


class Eligibility(enum.Enum):
    """Who may apply, stored as a bit mask. CONSORTIUM allows an application with member units;
    the lead unit's own kind must be allowed as well."""

    UNIVERSITY = "university"
    INSTITUTE = "institute"
    ENTERPRISE = "enterprise"
    CONSORTIUM = "consortium"

    @property
    def bit(self) -> int:
        return 1 << list(Eligibility).index(self)

    @property
    def label(self) -> str:
        return str(ELIGIBILITY_LABELS[self])

    @classmethod
    def for_unit(cls, kind: UnitKind) -> Eligibility:
        return cls(kind.value)


ELIGIBILITY_LABELS = {
    Eligibility.UNIVERSITY: _l("Universities"),
    Eligibility.INSTITUTE: _l("Research institutes"),
    Eligibility.ENTERPRISE: _l("Enterprises"),
    Eligibility.CONSORTIUM: _l("Consortia"),
}
ALL_ELIGIBILITY = sum(e.bit for e in Eligibility)
UNIT_ELIGIBILITY = sum(Eligibility.for_unit(k).bit for k in UnitKind)


def eligibility_mask(items) -> int:
    return sum({Eligibility(i).bit for i in items})


def eligibility_items(mask: int) -> list[Eligibility]:
    return [e for e in Eligibility if mask & e.bit]


# The application, review and delivery models import this module, so its relationships name their
# classes by annotation only (resolved by SQLAlchemy's registry; hence the noqa: F821).
class Challenge(TimestampMixin, db.Model):
    """A 榜单: an enterprise's need turned into a problem with a bounty, reviewed and published by
    the district, applied for, reviewed by experts, publicly noticed, awarded, contracted and
    delivered against milestones. Money is in integer 元."""

    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="RESTRICT"), nullable=False, index=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    problem: Mapped[str] = mapped_column(sa.Text, nullable=False)
    indicators: Mapped[str | None] = mapped_column(sa.Text)  # what acceptance will be judged by
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tech_fields.id", ondelete="SET NULL"), index=True)
    bounty: Mapped[int | None] = mapped_column(sa.BigInteger)  # 企业出资; empty only in a fresh draft
    cofunding: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)  # 政府配套, set by admins
    eligibility_mask: Mapped[int] = mapped_column(nullable=False, default=ALL_ELIGIBILITY)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_days: Mapped[int] = mapped_column(nullable=False, default=7)
    winners_max: Mapped[int] = mapped_column(nullable=False, default=1)  # >1: 赛马 (horse race)
    status: Mapped[ChallengeStatus] = mapped_column(
        enum_type(ChallengeStatus, "challenge_status"), nullable=False, default=ChallengeStatus.DRAFT, index=True
    )
    return_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    termination_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    failure: Mapped[Failure | None] = mapped_column(enum_type(Failure, "challenge_failure"))
    acceptance_opinion: Mapped[str | None] = mapped_column(sa.Text)  # the experts' opinion at 验收

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notice_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    awarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    contracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acceptance_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    terminated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Who posted it is public only if the enterprise chose so; a challenge made from a de-identified
    # need starts de-identified too.
    show_identity: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False, server_default=sa.false())

    need = relationship("Need", lazy="joined")
    owner = relationship("User", lazy="joined")
    organisation = relationship("Organisation", lazy="joined")
    field = relationship("TechField", lazy="joined")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="Criterion.position", lazy="selectin"
    )
    milestones: Mapped[list[Milestone]] = relationship(  # noqa: F821
        back_populates="challenge", cascade="all, delete-orphan", order_by="Milestone.position", lazy="selectin"
    )
    applications: Mapped[list[Application]] = relationship(  # noqa: F821
        back_populates="challenge", order_by="Application.id", passive_deletes=True
    )
    experts: Mapped[list[ExpertAssignment]] = relationship(  # noqa: F821
        back_populates="challenge", order_by="ExpertAssignment.id", passive_deletes=True
    )
    objections: Mapped[list[Objection]] = relationship(  # noqa: F821
        back_populates="challenge", order_by="Objection.id", passive_deletes=True
    )
    awards: Mapped[list[Award]] = relationship(  # noqa: F821
        primaryjoin="Challenge.id == foreign(Award.challenge_id)", order_by="Award.slot", viewonly=True
    )
    contract: Mapped[Contract | None] = relationship(  # noqa: F821
        back_populates="challenge", uselist=False, passive_deletes=True
    )

    __table_args__ = (
        sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
        sa.CheckConstraint("length(trim(problem)) > 0", name="problem_not_blank"),
        sa.CheckConstraint(f"bounty IS NULL OR (bounty > 0 AND bounty <= {MAX_BOUNTY})", name="bounty_range"),
        sa.CheckConstraint(f"cofunding >= 0 AND cofunding <= {MAX_BOUNTY}", name="cofunding_range"),
        sa.CheckConstraint(
            f"(eligibility_mask & {UNIT_ELIGIBILITY}) <> 0 AND eligibility_mask <= {ALL_ELIGIBILITY}",
            name="eligibility_known",
        ),
        sa.CheckConstraint("notice_days BETWEEN 1 AND 30", name="notice_days_range"),
        sa.CheckConstraint("winners_max BETWEEN 1 AND 10", name="winners_max_range"),
        sa.CheckConstraint("opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at", name="window_order"),
        sa.CheckConstraint(
            "status IN ('draft', 'withdrawn') OR (bounty IS NOT NULL AND opens_at IS NOT NULL AND closes_at IS NOT NULL"
            " AND submitted_at IS NOT NULL)",
            name="submitted_is_complete",
        ),
        sa.CheckConstraint(_requires([S.RETURNED], "return_reason IS NOT NULL"), name="returned_has_reason"),
        sa.CheckConstraint(
            _requires([*AFTER_PUBLICATION, S.FAILED, S.TERMINATED], "published_at IS NOT NULL"),
            name="published_has_time",
        ),
        sa.CheckConstraint(_requires(_from(S.FORMAL_CHECK), "closed_at IS NOT NULL"), name="closed_has_time"),
        sa.CheckConstraint(_requires(_from(S.REVIEW), "review_started_at IS NOT NULL"), name="review_has_time"),
        sa.CheckConstraint(
            _requires([S.NOTICE], "notice_started_at IS NOT NULL AND notice_ends_at > notice_started_at"),
            name="notice_has_period",
        ),
        sa.CheckConstraint(_requires(_from(S.AWARDED), "awarded_at IS NOT NULL"), name="awarded_has_time"),
        sa.CheckConstraint(_requires(_from(S.CONTRACTED), "contracted_at IS NOT NULL"), name="contracted_has_time"),
        sa.CheckConstraint(_requires(_from(S.IN_PROGRESS), "started_at IS NOT NULL"), name="started_has_time"),
        sa.CheckConstraint(_requires(_from(S.ACCEPTANCE), "acceptance_at IS NOT NULL"), name="acceptance_has_time"),
        sa.CheckConstraint(
            _requires([S.COMPLETED], "completed_at IS NOT NULL AND acceptance_opinion IS NOT NULL"),
            name="completed_has_opinion",
        ),
        sa.CheckConstraint(
            "(status = 'failed') = (failure IS NOT NULL) AND (status <> 'failed' OR failed_at IS NOT NULL)",
            name="failed_has_cause",
        ),
        sa.CheckConstraint(_requires([S.WITHDRAWN], "withdrawn_at IS NOT NULL"), name="withdrawn_has_time"),
        sa.CheckConstraint(
            _requires([S.TERMINATED], "terminated_at IS NOT NULL AND termination_reason IS NOT NULL"),
            name="terminated_has_reason",
        ),
        # Awards copy winners_max and point back at (id, winners_max): the copy cannot drift.
        sa.UniqueConstraint("id", "winners_max", name="uq_challenges_id_winners_max"),
        sa.Index("ix_challenges_board", "status", "closes_at", "id"),
    )

    @property
    def eligibility(self) -> list[Eligibility]:
        return eligibility_items(self.eligibility_mask or 0)

    @property
    def total_funding(self) -> int:
        return (self.bounty or 0) + (self.cofunding or 0)

    @property
    def horse_race(self) -> bool:
        return self.winners_max > 1

    def is_owned_by(self, user) -> bool:
        return bool(user is not None and user.is_authenticated and self.owner_id == user.id)

    def can_see_identity(self, user) -> bool:
        """Who posted the challenge: public if the enterprise chose so, else as for a de-identified
        need — the enterprise itself, brokers and admins."""
        return (
            self.show_identity or self.is_owned_by(user) or (self.need is not None and self.need.may_know_poster(user))
        )

    def publisher_label(self, user) -> str:
        """The name `user` may see for who posted it: the enterprise's, or 某企业（津南区）."""
        if self.can_see_identity(user):
            if self.organisation is not None:
                return self.organisation.name
            return self.need.organisation_label if self.need is not None else ""
        return self.need.anonymous_label if self.need is not None else ""

    def __repr__(self) -> str:
        return f"<Challenge {self.id} {self.status.value} {self.title[:20]}>"


class Criterion(db.Model):
    """A review criterion; the weights of a challenge's criteria sum to 100."""

    __tablename__ = "challenge_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False)
    position: Mapped[int] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    weight: Mapped[int] = mapped_column(nullable=False)

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "position", name="uq_challenge_criteria_position"),
        sa.CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )


class ReminderSent(db.Model):
    """A reminder already sent: the unique key makes every reminder go out once, however often
    (or however concurrently) the clock task runs."""

    __tablename__ = "challenge_reminders"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False, unique=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenges.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
