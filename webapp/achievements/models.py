"""科技成果: research results offered for licence, transfer, joint development or equity."""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type
from webapp.extensions import db
from webapp.listings.models import ListingMixin, Maturity

# Further rules by which a user may read an achievement's confidential part, added by the domains
# that grant it (create_app registers them): each answers (achievement, user) -> bool.
CONFIDENTIAL_GRANTS: list[Callable[[Achievement, object], bool]] = []


class Achievement(ListingMixin, db.Model):
    __tablename__ = "achievements"
    KIND = "a"

    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    maturity: Mapped[Maturity | None] = mapped_column(enum_type(Maturity, "maturity"))
    trl: Mapped[int | None] = mapped_column(sa.SmallInteger)
    patents: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    # Price in 元; both empty means 面议 (negotiable); a single figure has min = max.
    price_min: Mapped[int | None] = mapped_column(sa.BigInteger)
    price_max: Mapped[int | None] = mapped_column(sa.BigInteger)
    institution_name: Mapped[str | None] = mapped_column(sa.String(200))
    team: Mapped[str | None] = mapped_column(sa.String(500))
    scenarios: Mapped[str | None] = mapped_column(sa.Text)
    confidential: Mapped[str | None] = mapped_column(sa.Text)

    access_grants: Mapped[list[AchievementAccess]] = relationship(
        back_populates="achievement", cascade="all, delete-orphan"
    )

    @declared_attr.directive
    def __table_args__(cls):
        return (
            *cls.listing_constraints(),
            *cls.amount_indexes("price_min", "price_max"),
            sa.CheckConstraint("trl IS NULL OR trl BETWEEN 1 AND 9", name="trl_range"),
            sa.CheckConstraint("price_min IS NULL OR price_min >= 0", name="price_min_positive"),
            sa.CheckConstraint(
                "(price_min IS NULL) = (price_max IS NULL) AND (price_min IS NULL OR price_min <= price_max)",
                name="price_range",
            ),
            sa.CheckConstraint("length(trim(summary)) > 0", name="summary_not_blank"),
        )

    @property
    def institution_label(self) -> str:
        return self.organisation.name if self.organisation else (self.institution_name or "")

    def can_see_confidential(self, user) -> bool:
        """Owner, admins, users the owner granted access, and those a higher domain lets read it
        (`CONFIDENTIAL_GRANTS`: the enterprise that accepted the achievement's 保密承诺 in a
        negotiation room)."""
        if not self.confidential or user is None or not user.is_authenticated:
            return False
        if self.can_edit(user):
            return True
        if any(g.user_id == user.id and g.status is AccessStatus.GRANTED for g in self.access_grants):
            return True
        return any(grant(self, user) for grant in CONFIDENTIAL_GRANTS)

    def __repr__(self) -> str:
        return f"<Achievement {self.id} {self.title[:20]}>"


class AccessStatus(enum.Enum):
    REQUESTED = "requested"
    GRANTED = "granted"
    DENIED = "denied"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return str(ACCESS_LABELS[self])


ACCESS_LABELS = {
    AccessStatus.REQUESTED: _l("Requested"),
    AccessStatus.GRANTED: _l("Granted"),
    AccessStatus.DENIED: _l("Declined"),
    AccessStatus.REVOKED: _l("Revoked"),
}


class AchievementAccess(TimestampMixin, db.Model):
    """A request to read an achievement's confidential part, and the owner's answer."""

    __tablename__ = "achievement_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(sa.ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    status: Mapped[AccessStatus] = mapped_column(
        enum_type(AccessStatus, "access_status"), nullable=False, default=AccessStatus.REQUESTED
    )
    message: Mapped[str | None] = mapped_column(sa.String(1000))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    achievement: Mapped[Achievement] = relationship(back_populates="access_grants")
    user = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("achievement_id", "user_id", name="uq_achievement_access_pair"),
        sa.CheckConstraint("status = 'requested' OR decided_at IS NOT NULL", name="decided_has_time"),
    )
