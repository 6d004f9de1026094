"""揭榜挂帅: challenges (榜单), their criteria and milestones, applications, expert review, objections
during the public notice, awards, contracts, attachments, and the reminders already sent.

States are enums stored as text; CHECK constraints tie each state to the columns it needs, and the
facts that must be unique (one application per unit, one award per slot, one contract per
challenge) are unique constraints, so no read-then-write in Python can break them.
"""

from __future__ import annotations

import enum
import unicodedata
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
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
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan", order_by="Milestone.position", lazy="selectin"
    )
    applications: Mapped[list[Application]] = relationship(
        back_populates="challenge", order_by="Application.id", passive_deletes=True
    )
    experts: Mapped[list[ExpertAssignment]] = relationship(
        back_populates="challenge", order_by="ExpertAssignment.id", passive_deletes=True
    )
    objections: Mapped[list[Objection]] = relationship(
        back_populates="challenge", order_by="Objection.id", passive_deletes=True
    )
    awards: Mapped[list[Award]] = relationship(
        primaryjoin="Challenge.id == foreign(Award.challenge_id)", order_by="Award.slot", viewonly=True
    )
    contract: Mapped[Contract | None] = relationship(back_populates="challenge", uselist=False, passive_deletes=True)

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
