"""Suggestions (need ↔ achievement pairs), the broker's decisions on them, introductions, the
admin-edited lexicon that shapes the text pipeline, and full re-match jobs."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.extensions import db


class SuggestionStatus(enum.Enum):
    NEW = "new"  # computed, waiting for a broker; replaced by the next computation
    ACCEPTED = "accepted"  # kept for good; an introduction was opened
    REJECTED = "rejected"  # kept for good; the pair is never suggested again

    @property
    def label(self) -> str:
        return str(SUGGESTION_LABELS[self])


SUGGESTION_LABELS = {
    SuggestionStatus.NEW: _l("Awaiting review"),
    SuggestionStatus.ACCEPTED: _l("Accepted"),
    SuggestionStatus.REJECTED: _l("Rejected"),
}


class RejectReason(enum.Enum):
    FIELD = "field"
    MATURITY = "maturity"
    BUDGET = "budget"
    EXISTING = "existing"
    INSUFFICIENT = "insufficient"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(REASON_LABELS[self])


REASON_LABELS = {
    RejectReason.FIELD: _l("Different field"),
    RejectReason.MATURITY: _l("Not mature enough"),
    RejectReason.BUDGET: _l("Budget does not fit"),
    RejectReason.EXISTING: _l("Already cooperating"),
    RejectReason.INSUFFICIENT: _l("Not enough information"),
    RejectReason.OTHER: _l("Other"),
}


class Suggestion(TimestampMixin, db.Model):
    """One need–achievement pair with its score (0–100), the score's parts and the shared terms.

    A pair is one row whichever side was matched (unique constraint). New suggestions of a listing
    are replaced in one transaction when it is matched again; decided ones stay as they are."""

    __tablename__ = "match_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), nullable=False)
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    parts: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    terms: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    status: Mapped[SuggestionStatus] = mapped_column(
        enum_type(SuggestionStatus, "suggestion_status"), nullable=False, default=SuggestionStatus.NEW
    )
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    reason: Mapped[RejectReason | None] = mapped_column(enum_type(RejectReason, "reject_reason"))
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    need = relationship("Need", lazy="joined")
    achievement = relationship("Achievement", lazy="joined")
    decided_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("need_id", "achievement_id", name="uq_match_suggestions_pair"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        sa.CheckConstraint("status <> 'rejected' OR reason IS NOT NULL", name="rejected_has_reason"),
        sa.CheckConstraint("status = 'new' OR decided_at IS NOT NULL", name="decided_has_time"),
        sa.Index("ix_match_suggestions_queue", "status", "score"),
    )

    def __repr__(self) -> str:
        return (
            f"<Suggestion need={self.need_id} achievement={self.achievement_id} {self.score:.0f} {self.status.value}>"
        )


class IntroductionOutcome(enum.Enum):
    NEGOTIATING = "negotiating"
    DEAL = "deal"
    NO_DEAL = "no_deal"

    @property
    def label(self) -> str:
        return str(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    IntroductionOutcome.NEGOTIATING: _l("Negotiating"),
    IntroductionOutcome.DEAL: _l("Deal"),
    IntroductionOutcome.NO_DEAL: _l("No deal"),
}


class ConsentAnswer(enum.Enum):
    """A party's answer to a proposed introduction."""

    ACCEPTED = "accepted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(CONSENT_LABELS[self])


CONSENT_LABELS = {
    ConsentAnswer.ACCEPTED: _l("Agreed"),
    ConsentAnswer.DECLINED: _l("Declined"),
}


class ConsentState(enum.Enum):
    """Where an introduction stands on its two answers, as the broker's list shows and filters it
    (not stored: read from the answers). One waiting for both is waiting for each side."""

    WAITING_NEED = "waiting_need"
    WAITING_ACHIEVEMENT = "waiting_achievement"
    AGREED = "agreed"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(CONSENT_STATE_LABELS[self])


CONSENT_STATE_LABELS = {
    ConsentState.WAITING_NEED: _l("Waiting for the enterprise"),
    ConsentState.WAITING_ACHIEVEMENT: _l("Waiting for the researcher"),
    ConsentState.AGREED: _l("Both agreed"),
    ConsentState.DECLINED: _l("Declined"),
}

# The two sides of an introduction, as `Introduction.side_of` names them.
NEED_SIDE = "need"
ACHIEVEMENT_SIDE = "achievement"
SIDES = (NEED_SIDE, ACHIEVEMENT_SIDE)
PARTY_LABELS = {NEED_SIDE: _l("The enterprise"), ACHIEVEMENT_SIDE: _l("The researcher")}
# The form a broker records an ownerless side's answer with (`permissions.can_answer_for`).
ON_BEHALF_TITLES = {
    NEED_SIDE: _l("Record the enterprise’s answer on its behalf"),
    ACHIEVEMENT_SIDE: _l("Record the researcher’s answer on their behalf"),
}
# The brokers' list: a side without an owner account whose answer waits for its broker to record it,
# and one whose answer the broker recorded.
TO_RECORD_LABELS = {
    NEED_SIDE: _l("Enterprise’s answer to record"),
    ACHIEVEMENT_SIDE: _l("Researcher’s answer to record"),
}
RECORDED_LABELS = {
    NEED_SIDE: _l("Enterprise’s answer recorded by the broker"),
    ACHIEVEMENT_SIDE: _l("Researcher’s answer recorded by the broker"),
}


class Introduction(TimestampMixin, db.Model):
    """A broker proposed to put the two owners in touch after accepting a suggestion. Each owner
    agrees or declines (with an optional message); only once both agreed do they see each other's
    identity and contacts. A decline closes the introduction as no deal; otherwise it is tracked
    to an outcome."""

    __tablename__ = "introductions"

    id: Mapped[int] = mapped_column(primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_suggestions.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    broker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    note: Mapped[str | None] = mapped_column(sa.String(2000))
    outcome: Mapped[IntroductionOutcome] = mapped_column(
        enum_type(IntroductionOutcome, "introduction_outcome"),
        nullable=False,
        default=IntroductionOutcome.NEGOTIATING,
    )
    outcome_note: Mapped[str | None] = mapped_column(sa.String(2000))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The need's owner (the enterprise) and the achievement's owner (the researcher) each answer once.
    need_answer: Mapped[ConsentAnswer | None] = mapped_column(enum_type(ConsentAnswer, "need_answer"))
    need_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    need_message: Mapped[str | None] = mapped_column(sa.String(1000))
    achievement_answer: Mapped[ConsentAnswer | None] = mapped_column(enum_type(ConsentAnswer, "achievement_answer"))
    achievement_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    achievement_message: Mapped[str | None] = mapped_column(sa.String(1000))
    # A side whose listing has no owner account (imported from the district's lists) has its answer,
    # obtained outside the platform, recorded by the introduction's broker or an admin: who did (the
    # account's id, kept as the audit log keeps its actor: without a foreign key, because adding one
    # to this table on SQLite copies it and empties the rooms and deals that point at it).
    need_recorded_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    achievement_recorded_by_id: Mapped[int | None] = mapped_column(sa.Integer)
    # Why the side that declined did so (a decline closes the introduction: the other cannot decline too).
    decline_reason: Mapped[RejectReason | None] = mapped_column(enum_type(RejectReason, "decline_reason"))

    suggestion = relationship("Suggestion", lazy="joined")
    broker = relationship("User", lazy="joined")
    need_recorded_by = relationship(
        "User", primaryjoin="foreign(Introduction.need_recorded_by_id) == User.id", viewonly=True
    )
    achievement_recorded_by = relationship(
        "User", primaryjoin="foreign(Introduction.achievement_recorded_by_id) == User.id", viewonly=True
    )

    __table_args__ = (
        sa.CheckConstraint("(outcome = 'negotiating') = (closed_at IS NULL)", name="closed_has_time"),
        sa.CheckConstraint("(need_answer IS NULL) = (need_answered_at IS NULL)", name="need_answer_has_time"),
        sa.CheckConstraint(
            "(achievement_answer IS NULL) = (achievement_answered_at IS NULL)", name="achievement_answer_has_time"
        ),
        sa.CheckConstraint("need_message IS NULL OR need_answer IS NOT NULL", name="need_message_has_answer"),
        sa.CheckConstraint(
            "achievement_message IS NULL OR achievement_answer IS NOT NULL", name="achievement_message_has_answer"
        ),
        sa.CheckConstraint(
            "NOT (need_answer = 'declined' AND achievement_answer = 'declined')", name="one_side_declines"
        ),
        sa.CheckConstraint(
            "(COALESCE(need_answer, '') = 'declined' OR COALESCE(achievement_answer, '') = 'declined')"
            " = (decline_reason IS NOT NULL)",
            name="declined_has_reason",
        ),
        sa.CheckConstraint("decline_reason IS NULL OR outcome = 'no_deal'", name="declined_is_closed"),
        sa.CheckConstraint("need_recorded_by_id IS NULL OR need_answer IS NOT NULL", name="need_recorder_has_answer"),
        sa.CheckConstraint(
            "achievement_recorded_by_id IS NULL OR achievement_answer IS NOT NULL",
            name="achievement_recorder_has_answer",
        ),
    )

    @property
    def agreed(self) -> bool:
        """Both sides accepted: from now on each sees the other's identity and contacts."""
        return self.need_answer is ConsentAnswer.ACCEPTED and self.achievement_answer is ConsentAnswer.ACCEPTED

    @property
    def declined(self) -> bool:
        return ConsentAnswer.DECLINED in (self.need_answer, self.achievement_answer)

    def side_of(self, user) -> str | None:
        """Which party `user` is: the need's owner ("need"), the achievement's owner
        ("achievement"), or neither (None) — brokers and admins are not a side."""
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        suggestion = self.suggestion
        if suggestion.need is not None and suggestion.need.is_owned_by(user):
            return NEED_SIDE
        if suggestion.achievement is not None and suggestion.achievement.is_owned_by(user):
            return ACHIEVEMENT_SIDE
        return None

    @property
    def consent_states(self) -> list[ConsentState]:
        if self.declined:
            return [ConsentState.DECLINED]
        if self.agreed:
            return [ConsentState.AGREED]
        return [
            state
            for side, state in (
                (NEED_SIDE, ConsentState.WAITING_NEED),
                (ACHIEVEMENT_SIDE, ConsentState.WAITING_ACHIEVEMENT),
            )
            if self.answer_of(side) is None
        ]

    @classmethod
    def in_consent_state(cls, state: ConsentState):
        """The SQL condition of `consent_states` containing `state` (the lists' filter)."""
        if state is ConsentState.DECLINED:
            return cls.decline_reason.is_not(None)  # a decline always carries its reason
        if state is ConsentState.AGREED:
            return sa.and_(cls.need_answer == ConsentAnswer.ACCEPTED, cls.achievement_answer == ConsentAnswer.ACCEPTED)
        column = cls.need_answer if state is ConsentState.WAITING_NEED else cls.achievement_answer
        return sa.and_(column.is_(None), cls.decline_reason.is_(None))

    def answer_of(self, side: str) -> ConsentAnswer | None:
        return getattr(self, f"{side}_answer")

    def answered_at_of(self, side: str) -> datetime | None:
        return getattr(self, f"{side}_answered_at")

    def message_of(self, side: str) -> str | None:
        return getattr(self, f"{side}_message")

    def listing_of(self, side: str):
        """The side's listing: the need or the achievement."""
        return getattr(self.suggestion, side)

    def recorded_by_of(self, side: str):
        """The broker or admin who recorded this side's answer for its ownerless listing (None when
        the side's owner answered, or nobody answered yet)."""
        return getattr(self, f"{side}_recorded_by")

    def recorded_on_behalf(self, side: str) -> bool:
        return getattr(self, f"{side}_recorded_by_id") is not None


class LexiconKind(enum.Enum):
    TERM = "term"  # a technical term the segmenter keeps whole (热管理, 碳化硅)
    STOPWORD = "stopword"  # a word that must never make a match (系统, 方法)
    SYNONYM = "synonym"  # `word` is read as `canonical` (锂电 → 锂离子电池, AI → 人工智能)

    @property
    def label(self) -> str:
        return str(LEXICON_LABELS[self])


LEXICON_LABELS = {
    LexiconKind.TERM: _l("Technical term"),
    LexiconKind.STOPWORD: _l("Stop word"),
    LexiconKind.SYNONYM: _l("Synonym"),
}


class LexiconEntry(TimestampMixin, db.Model):
    __tablename__ = "match_lexicon"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LexiconKind] = mapped_column(enum_type(LexiconKind, "lexicon_kind"), nullable=False)
    word: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    canonical: Mapped[str | None] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.UniqueConstraint("kind", "word", name="uq_match_lexicon_kind_word"),
        sa.CheckConstraint("length(trim(word)) > 0", name="word_not_blank"),
        sa.CheckConstraint("(kind = 'synonym') = (canonical IS NOT NULL)", name="synonym_has_canonical"),
    )


class MatchJobStatus(enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return str(JOB_LABELS[self])

    @property
    def finished(self) -> bool:
        return self in (MatchJobStatus.DONE, MatchJobStatus.FAILED)


JOB_LABELS = {
    MatchJobStatus.QUEUED: _l("Waiting"),
    MatchJobStatus.RUNNING: _l("Matching"),
    MatchJobStatus.DONE: _l("Finished"),
    MatchJobStatus.FAILED: _l("Failed"),
}


class MatchJob(TimestampMixin, db.Model):
    """A full re-match of the whole library: the index is rebuilt, then every published need and
    achievement is matched; `processed` of `total` listings drive the progress bar."""

    __tablename__ = "match_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[MatchJobStatus] = mapped_column(
        enum_type(MatchJobStatus, "match_job_status"), nullable=False, default=MatchJobStatus.QUEUED
    )
    total: Mapped[int] = mapped_column(nullable=False, default=0)
    processed: Mapped[int] = mapped_column(nullable=False, default=0)
    suggestions: Mapped[int] = mapped_column(nullable=False, default=0)
    error: Mapped[str | None] = mapped_column(sa.String(1000))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    started_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("processed >= 0 AND processed <= total", name="processed_in_range"),
        sa.CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name="finished_has_time"),
    )

    @property
    def percent(self) -> int:
        if self.status.finished:
            return 100
        return int(100 * self.processed / self.total) if self.total else 0


class MatchWeights(TimestampMixin, db.Model):
    """A set of the engine's weights and band thresholds (`scoring.Weights.as_dict()`), fitted on
    judged pairs and the brokers' decisions by `flask --app wsgi match fit`. The active one is what
    the engine scores with (none active: the fitted defaults in the code); `previous_id` is the set
    that was active before this one, so going back is one step."""

    __tablename__ = "match_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    weights: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    figures: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    previous_id: Mapped[int | None] = mapped_column(sa.ForeignKey("match_weights.id", ondelete="SET NULL"))
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        # At most one set is live.
        sa.Index(
            "uq_match_weights_active",
            "active",
            unique=True,
            postgresql_where=sa.text("active"),
            sqlite_where=sa.text("active"),
        ),
        sa.CheckConstraint("NOT active OR activated_at IS NOT NULL", name="active_has_time"),
    )
