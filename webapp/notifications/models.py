from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.extensions import db
from webapp.notifications import catalogue


class Delivery(enum.Enum):
    """How someone hears of one category of notifications."""

    APP = "app"  # in the app only
    INSTANT = "instant"  # in the app, and an e-mail at once
    DAILY = "daily"  # in the app, and in the daily digest e-mail
    WEEKLY = "weekly"  # in the app, and in the weekly digest e-mail
    OFF = "off"  # not at all

    @property
    def label(self) -> str:
        return str(DELIVERY_LABELS[self])


DELIVERY_LABELS = {
    Delivery.APP: _l("In the app only"),
    Delivery.INSTANT: _l("In the app and by e-mail at once"),
    Delivery.DAILY: _l("In the app and in a daily digest e-mail"),
    Delivery.WEEKLY: _l("In the app and in a weekly digest e-mail"),
    Delivery.OFF: _l("Off"),
}


class DigestPeriod(enum.Enum):
    DAILY = "daily"  # one of Beijing's days
    WEEKLY = "weekly"  # an ISO week, Monday to Sunday in Beijing


class Notification(db.Model):
    """An in-app message. Text is stored as a kind plus parameters and rendered in the reader's language."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    params: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    link: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The digest the reader chose for it when it was made, and the digest e-mail that carried it.
    digest: Mapped[DigestPeriod | None] = mapped_column(enum_type(DigestPeriod, "digest_period"))
    digest_id: Mapped[int | None] = mapped_column(sa.ForeignKey("notification_digests.id", ondelete="SET NULL"))

    __table_args__ = (
        sa.Index("ix_notifications_user_unread", "user_id", "read_at"),
        sa.Index("ix_notifications_digest_pending", "user_id", "digest", "digest_id"),
    )

    @property
    def text(self) -> str:
        return catalogue.render_text(self.kind, self.params)

    def can_view(self, user) -> bool:
        return user.is_authenticated and user.id == self.user_id

    can_edit = can_view


class NotificationPreference(TimestampMixin, db.Model):
    """One person's choice for one category of notifications; without a row the default applies
    (`preferences.default_delivery`)."""

    __tablename__ = "notification_preferences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    category: Mapped[str] = mapped_column(sa.String(30), nullable=False)
    delivery: Mapped[Delivery] = mapped_column(enum_type(Delivery, "notification_delivery"), nullable=False)

    __table_args__ = (sa.UniqueConstraint("user_id", "category"),)


class NotificationDigest(db.Model):
    """One digest e-mail of one person for one period. The row is claimed (inserted) before the
    e-mail is queued, in the same transaction: the unique constraint lets a period's digest go out
    once, however often and on however many workers the beat task runs."""

    __tablename__ = "notification_digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    period: Mapped[DigestPeriod] = mapped_column(enum_type(DigestPeriod, "digest_period"), nullable=False)
    # The first Beijing day of the period: the day itself, or the Monday of the ISO week.
    period_start: Mapped[date] = mapped_column(sa.Date, nullable=False)
    notifications: Mapped[int] = mapped_column(nullable=False, default=0)
    suggestions: Mapped[int] = mapped_column(nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "period", "period_start"),
        sa.CheckConstraint("notifications >= 0 AND suggestions >= 0", name="counts_not_negative"),
    )
