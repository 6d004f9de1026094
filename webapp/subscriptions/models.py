from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import UTCDateTime, utcnow
from webapp.extensions import db


class Subscription(db.Model):
    """A technical field or a keyword someone follows: new needs and challenges about it are
    notified to them (kinds `subscription.*`, category "subscriptions")."""

    __tablename__ = "notification_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    field_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tech_fields.id", ondelete="CASCADE"), index=True)
    keyword: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    field = relationship("TechField", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "field_id"),
        sa.UniqueConstraint("user_id", "keyword"),
        sa.CheckConstraint("(field_id IS NULL) <> (keyword IS NULL)", name="field_or_keyword"),
        sa.CheckConstraint("keyword IS NULL OR length(trim(keyword)) > 0", name="keyword_not_blank"),
    )

    @property
    def topic(self) -> str:
        return self.field.label if self.field is not None else (self.keyword or "")
