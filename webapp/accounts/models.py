"""Users, their login sessions, and organisations."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.core.db import TimestampMixin, UTCDateTime, enum_type, utcnow
from webapp.extensions import db


class Role(enum.Enum):
    ENTERPRISE = "enterprise"
    RESEARCHER = "researcher"
    BROKER = "broker"
    EXPERT = "expert"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])

    @property
    def self_service(self) -> bool:
        """Only these roles may register themselves; the others are created by an admin."""
        return self in (Role.ENTERPRISE, Role.RESEARCHER)


ROLE_LABELS = {
    Role.ENTERPRISE: _l("Enterprise"),
    Role.RESEARCHER: _l("Researcher"),
    Role.BROKER: _l("Technology broker"),
    Role.EXPERT: _l("Review expert"),
    Role.ADMIN: _l("Administrator"),
}


class OrgKind(enum.Enum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    AGENCY = "agency"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.ENTERPRISE: _l("Enterprise"),
    OrgKind.UNIVERSITY: _l("University"),
    OrgKind.INSTITUTE: _l("Research institute"),
    OrgKind.AGENCY: _l("Technology transfer agency"),
}


class Tier(enum.Enum):
    """Enterprise tier tags used by the district's policies and dashboards."""

    HIGH_TECH = "high_tech"
    TECH_SME = "tech_sme"
    CHUYING = "chuying"
    DENGLING = "dengling"
    LINGJUN = "lingjun"

    @property
    def label(self) -> str:
        return str(TIER_LABELS[self])


TIER_LABELS = {
    Tier.HIGH_TECH: _l("High-tech enterprise"),
    Tier.TECH_SME: _l("Tech-based SME"),
    Tier.CHUYING: _l("Chuying (fledgling eagle)"),
    Tier.DENGLING: _l("Dengling (gazelle)"),
    Tier.LINGJUN: _l("Lingjun (tech leader)"),
}


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind, "org_kind"), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True, nullable=False)
    uscc: Mapped[str | None] = mapped_column(sa.String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(sa.String(100))
    address: Mapped[str | None] = mapped_column(sa.String(300))
    website: Mapped[str | None] = mapped_column(sa.String(300))
    description: Mapped[str | None] = mapped_column(sa.Text)

    tier_rows: Mapped[list[OrganisationTier]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="selectin"
    )
    members: Mapped[list[User]] = relationship(back_populates="organisation")

    __table_args__ = (
        sa.CheckConstraint("uscc IS NULL OR length(uscc) = 18", name="uscc_length"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    @property
    def tiers(self) -> list[Tier]:
        return sorted((row.tier for row in self.tier_rows), key=list(Tier).index)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class OrganisationTier(db.Model):
    __tablename__ = "organisation_tiers"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    tier: Mapped[Tier] = mapped_column(enum_type(Tier, "tier"), primary_key=True)

    organisation: Mapped[Organisation] = relationship(back_populates="tier_rows")


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(256), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"), nullable=False, index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    email_notifications: Mapped[bool] = mapped_column(sa.Boolean, default=True, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation | None] = relationship(back_populates="members", lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
    )

    # Set when the user is loaded for (or logged into) one login session; Flask-Login keeps this
    # token, not the user id, in the cookie, so deleting the session row ends that login for real.
    session_token = None  # type: str | None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    def can_view(self, user) -> bool:
        """Profiles are visible to the person and to admins."""
        return user.is_authenticated and (user.id == self.id or user.is_admin)

    def can_edit(self, user) -> bool:
        return self.can_view(user)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role.value}>"


class UserSession(db.Model):
    """One login. The cookie carries a random token whose hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    ip: Mapped[str | None] = mapped_column(sa.String(64))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))

    user: Mapped[User] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()


TOKEN_SCOPES = ("read", "read write")
TOKEN_SCOPE_LABELS = {"read": _l("Read"), "read write": _l("Read and write")}


class ApiToken(db.Model):
    """A personal access token for the JSON API; only its SHA-256 hash is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(sa.String(12), nullable=False)
    scopes: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")

    __table_args__ = (
        sa.CheckConstraint("length(trim(name)) > 0", name="name_not_blank"),
        sa.CheckConstraint("scopes IN ('read', 'read write')", name="scopes_known"),
        sa.CheckConstraint("expires_at > created_at", name="expires_after_creation"),
    )

    def status(self, moment: datetime) -> str:
        """`revoked`, `expired`, `deactivated` (its user's account is) or `active` at `moment`: what
        `tokens.authenticate` decides, in words."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= moment:
            return "expired"
        return "active" if self.user.active else "deactivated"

    @property
    def scope_label(self) -> str:
        return str(TOKEN_SCOPE_LABELS[self.scopes])

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix} user={self.user_id}>"


class IdempotentRequest(db.Model):
    """An API request sent with an `Idempotency-Key`: what it asked (a hash of method, path and
    body) and the response it got, so the same key sent again by the same user gets the same
    response instead of a second change. Written in the transaction of the change itself."""

    __tablename__ = "idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    key: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    fingerprint: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(sa.SmallInteger, nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    location: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "key"),
        sa.CheckConstraint("length(key) > 0", name="key_not_empty"),
        sa.CheckConstraint("status_code >= 200 AND status_code < 300", name="success_only"),
    )
