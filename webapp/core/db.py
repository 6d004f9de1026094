"""Column types and mixins shared by every domain's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from webapp.core import clock


def utcnow() -> datetime:
    """The application's clock (`webapp.core.clock.now`), for column defaults and timestamps."""
    return clock.now()


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC on every database; SQLite drops the offset, so it is restored on load."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """Store an Enum by value in a VARCHAR with a CHECK constraint (portable, easy to migrate)."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 8,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False)


def refresh_statistics(*tables: str) -> None:
    """After a bulk write (an import, a full re-match, the demo load), have PostgreSQL count the
    tables again. Its planner works from statistics that autovacuum refreshes only a minute or more
    later; in between, tables loaded from empty are planned as if nearly empty, and the brokers'
    queue over 80,000 suggestions took 40 s instead of 0.16 s. Without tables, every table."""
    from webapp.extensions import db

    if db.engine.dialect.name != "postgresql":
        return
    for table in tables or ("",):
        db.session.execute(sa.text(f'ANALYZE "{table}"' if table else "ANALYZE"))
