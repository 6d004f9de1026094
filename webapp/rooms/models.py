"""What a negotiation room keeps. A room is not a row of its own: it is the agreed introduction's,
and everything in it points at `introductions.id`.

What the database itself guarantees: a reply and a message's file stay in the message's room
(composite foreign keys on the room and the message), texts are never blank, a file has its size
and digest, an achievement's terms are numbered 1, 2, 3 … without two of the same number, and a
person accepts one version of the terms once per room (version 0 is the platform's default text).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from webapp.core.db import UTCDateTime, utcnow
from webapp.extensions import db

ROOM_FK = "introductions.id"


class RoomMessage(db.Model):
    """A message in a room; `parent_id` is the message it replies to (in the same room)."""

    __tablename__ = "room_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(sa.ForeignKey(ROOM_FK, ondelete="CASCADE"), nullable=False)
    parent_id: Mapped[int | None] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    author = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("introduction_id", "id", name="uq_room_messages_room_message"),
        sa.ForeignKeyConstraint(
            ["introduction_id", "parent_id"],
            ["room_messages.introduction_id", "room_messages.id"],
            name="fk_room_messages_parent",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
        sa.CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        sa.Index("ix_room_messages_room_time", "introduction_id", "created_at"),
    )


class RoomFile(db.Model):
    """A file kept in a room, on a message or on the room itself; its type sniffed from the bytes."""

    __tablename__ = "room_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(sa.ForeignKey(ROOM_FK, ondelete="CASCADE"), nullable=False)
    message_id: Mapped[int | None] = mapped_column()
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    content_type: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    data: Mapped[bytes] = deferred(mapped_column(sa.LargeBinary, nullable=False))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    uploaded_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["introduction_id", "message_id"],
            ["room_messages.introduction_id", "room_messages.id"],
            name="fk_room_files_message",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("length(sha256) = 64", name="sha256_length"),
        sa.CheckConstraint("length(trim(filename)) > 0", name="filename_not_blank"),
        sa.Index("ix_room_files_room_time", "introduction_id", "uploaded_at"),
    )


class RoomNextStep(db.Model):
    """One version of the room's agreed next step; the newest is the current one, the others its history."""

    __tablename__ = "room_next_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(sa.ForeignKey(ROOM_FK, ondelete="CASCADE"), nullable=False)
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)  # a day of Beijing's calendar
    set_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    set_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        sa.Index("ix_room_next_steps_room_time", "introduction_id", "set_at"),
    )


class ConfidentialityTerms(db.Model):
    """One version of the 保密承诺 an achievement's owner set for it; every version is kept."""

    __tablename__ = "confidentiality_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    created_by = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("achievement_id", "version", name="uq_confidentiality_terms_version"),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        sa.CheckConstraint("length(trim(body)) > 0", name="body_not_blank"),
    )


class TermsAcceptance(db.Model):
    """The enterprise accepted a version of the terms in a room: who, when, which version, and the
    text exactly as it was shown. Version 0 is the platform's default text (no `terms_id`)."""

    __tablename__ = "terms_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(sa.ForeignKey(ROOM_FK, ondelete="CASCADE"), nullable=False)
    achievement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("achievements.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    terms_id: Mapped[int | None] = mapped_column(sa.ForeignKey("confidentiality_terms.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)

    user = relationship("User", lazy="joined")

    __table_args__ = (
        sa.UniqueConstraint("introduction_id", "user_id", "version", name="uq_terms_acceptances_once"),
        sa.CheckConstraint("version >= 0", name="version_not_negative"),
        sa.CheckConstraint("(version = 0) = (terms_id IS NULL)", name="default_has_no_terms"),
        sa.CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
    )
