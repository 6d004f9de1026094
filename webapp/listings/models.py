"""What achievements and needs share: states, cooperation modes, maturity, the search index."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db


class ListingStatus(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    RETURNED = "returned"
    OFFLINE = "offline"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])


STATUS_LABELS = {
    ListingStatus.DRAFT: _l("Draft"),
    ListingStatus.SUBMITTED: _l("Awaiting review"),
    ListingStatus.PUBLISHED: _l("Published"),
    ListingStatus.RETURNED: _l("Returned for changes"),
    ListingStatus.OFFLINE: _l("Offline"),
}


class Maturity(enum.Enum):
    """Ordered from the earliest stage; matching compares positions."""

    RESEARCH = "research"
    LAB = "lab"
    PILOT = "pilot"
    SAMPLE = "sample"
    MASS = "mass"

    @property
    def label(self) -> str:
        return str(MATURITY_LABELS[self])

    @property
    def rank(self) -> int:
        return list(Maturity).index(self)


MATURITY_LABELS = {
    Maturity.RESEARCH: _l("In research"),
    Maturity.LAB: _l("Lab-scale tested"),
    Maturity.PILOT: _l("Pilot-scale tested"),
    Maturity.SAMPLE: _l("Samples available"),
    Maturity.MASS: _l("Ready for mass production"),
}


class CoopMode(enum.Enum):
    """How a result changes hands or a need is met. Stored as a bit mask so it filters the same
    way on SQLite and PostgreSQL (`mask & bit <> 0`)."""

    TRANSFER = "transfer"
    LICENSE = "license"
    CO_DEVELOP = "co_develop"
    COMMISSIONED = "commissioned"
    EQUITY = "equity"
    SERVICE = "service"
    OTHER = "other"

    @property
    def bit(self) -> int:
        return 1 << list(CoopMode).index(self)

    @property
    def label(self) -> str:
        return str(COOP_LABELS[self])


COOP_LABELS = {
    CoopMode.TRANSFER: _l("Transfer"),
    CoopMode.LICENSE: _l("Licence"),
    CoopMode.CO_DEVELOP: _l("Joint development"),
    CoopMode.COMMISSIONED: _l("Commissioned development"),
    CoopMode.EQUITY: _l("Equity investment"),
    CoopMode.SERVICE: _l("Consulting or service"),
    CoopMode.OTHER: _l("Other"),
}


def modes_to_mask(modes) -> int:
    return sum({m.bit for m in modes})


def mask_to_modes(mask: int) -> list[CoopMode]:
    return [m for m in CoopMode if mask & m.bit]


# Where 面议 (no amount) sorts: after every figure, in either direction.
NO_AMOUNT_HIGH = 10**15
NO_AMOUNT_LOW = -1


def amount_sort_sql(column: str, *, ascending: bool) -> str:
    return f"coalesce({column}, {NO_AMOUNT_HIGH if ascending else NO_AMOUNT_LOW})"


class ListingMixin(TimestampMixin):
    """Columns and rules common to achievements and needs."""

    KIND: str  # "achievement" or "need"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(100), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    keywords: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    status: Mapped[ListingStatus] = mapped_column(
        enum_type(ListingStatus, "listing_status"), nullable=False, default=ListingStatus.DRAFT
    )
    moderation_reason: Mapped[str | None] = mapped_column(sa.String(1000))
    coop_mask: Mapped[int] = mapped_column(nullable=False, default=0)
    posted_on: Mapped[date | None] = mapped_column(sa.Date)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @declared_attr
    def field_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("tech_fields.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def organisation_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def duplicate_of_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey(f"{cls.__tablename__}.id", ondelete="SET NULL"))

    @declared_attr
    def field(cls):
        return relationship("TechField", lazy="joined")

    @declared_attr
    def owner(cls):
        return relationship("User", lazy="joined")

    @declared_attr
    def organisation(cls):
        return relationship("Organisation", lazy="joined")

    @classmethod
    def listing_constraints(cls) -> tuple:
        return (
            sa.CheckConstraint("length(trim(title)) > 0", name="title_not_blank"),
            sa.CheckConstraint("coop_mask >= 0", name="coop_mask_positive"),
            sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name="published_has_time"),
            sa.CheckConstraint(
                "status NOT IN ('returned') OR moderation_reason IS NOT NULL", name="returned_has_reason"
            ),
            sa.Index(f"ix_{cls.__tablename__}_browse", "status", "published_at", "id"),
            # Matching reads the listings changed since its index was built.
            sa.Index(f"ix_{cls.__tablename__}_updated", "updated_at"),
        )

    @classmethod
    def amount_indexes(cls, low: str, high: str) -> tuple:
        """The lists sorted by price or budget (面议 last either way), paged by cursor like the date
        order. The search orders by exactly these expressions, literals included, which is what
        lets SQLite and PostgreSQL use the indexes."""
        table = cls.__tablename__
        return (
            sa.Index(f"ix_{table}_amount_asc", "status", sa.text(amount_sort_sql(low, ascending=True)), "id"),
            sa.Index(f"ix_{table}_amount_desc", "status", sa.text(amount_sort_sql(high, ascending=False)), "id"),
        )

    @property
    def coop_modes(self) -> list[CoopMode]:
        return mask_to_modes(self.coop_mask or 0)

    @coop_modes.setter
    def coop_modes(self, modes) -> None:
        self.coop_mask = modes_to_mask(modes)

    @property
    def is_public(self) -> bool:
        return self.status is ListingStatus.PUBLISHED

    def is_owned_by(self, user) -> bool:
        return bool(user and user.is_authenticated and self.owner_id == user.id)

    def can_view(self, user) -> bool:
        """Published listings are public; others only for their owner and admins."""
        if self.is_public:
            return True
        return self.is_owned_by(user) or bool(user and user.is_authenticated and user.is_admin)

    def can_edit(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        return user.is_admin or self.is_owned_by(user)

    def can_moderate(self, user) -> bool:
        return bool(user and user.is_authenticated and user.is_admin)


class ListingTerm(db.Model):
    """The search index: weighted terms of each listing, one row per (kind, term, listing).

    A table of our own (not FTS5 or tsvector) so that search ranks identically on SQLite and
    PostgreSQL; rows are written with the listing, in the same transaction."""

    __tablename__ = "listing_terms"

    kind: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    term: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    listing_id: Mapped[int] = mapped_column(primary_key=True)
    weight: Mapped[float] = mapped_column(sa.Float, nullable=False)

    __table_args__ = (
        # A search reads postings by term, weights included: the primary key holds the weight too
        # (PostgreSQL: INCLUDE; SQLite: the table itself is stored in key order, WITHOUT ROWID), so
        # a search never visits rows scattered over the table, one random read per posting.
        sa.PrimaryKeyConstraint("kind", "term", "listing_id", postgresql_include=["weight"]),
        sa.Index("ix_listing_terms_listing", "kind", "listing_id"),
        sa.CheckConstraint("kind IN ('a', 'n')", name="kind_known"),
        {"sqlite_with_rowid": False},
    )


class DuplicateStatus(enum.Enum):
    OPEN = "open"
    MERGED = "merged"
    DISMISSED = "dismissed"


class DuplicateCandidate(TimestampMixin, db.Model):
    """A listing that looks like a repost of an earlier one, for an admin to merge or dismiss."""

    __tablename__ = "duplicate_candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(1), nullable=False)
    listing_id: Mapped[int] = mapped_column(nullable=False)
    other_id: Mapped[int] = mapped_column(nullable=False)
    score: Mapped[float] = mapped_column(sa.Float, nullable=False)
    status: Mapped[DuplicateStatus] = mapped_column(
        enum_type(DuplicateStatus, "duplicate_status"), nullable=False, default=DuplicateStatus.OPEN
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.UniqueConstraint("kind", "listing_id", "other_id", name="uq_duplicate_candidates_pair"),
        sa.CheckConstraint("listing_id <> other_id", name="not_self"),
        sa.CheckConstraint("kind IN ('a', 'n')", name="kind_known"),
        sa.Index("ix_duplicate_candidates_open", "kind", "status"),
        # A listing's pairs are looked up from both sides (it may be the newer or the older one).
        sa.Index("ix_duplicate_candidates_other", "kind", "other_id"),
    )
