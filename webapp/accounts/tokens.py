"""Personal access tokens for the JSON API: made by their owner, revoked by the owner or an admin.

The plaintext is returned once, by create_token(); only its hash (UserSession.hash_token) is kept,
and no audit event or log line carries it. Services check permission, audit and flush; the caller
commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.accounts.models import TOKEN_SCOPES, ApiToken, User, UserSession
from webapp.accounts.services import AccountError, normalise_email
from webapp.core import audit, clock
from webapp.core.permissions import require
from webapp.extensions import db

TOKEN_DAYS = (30, 90, 365)
DEFAULT_DAYS = 90
MAX_LIVE_TOKENS = 20
PREFIX = "jb_"
SHOWN_CHARS = 9  # "jb_" and six random characters: enough to tell tokens apart in a list
MAX_TOKEN_LENGTH = 100
# last_used_at is a hint for people, not a log: it is written at most this often per token.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def live_tokens_query(user: User) -> sa.Select:
    return sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > clock.now()
    )


def create_token(user: User, name: str, scopes: str, days: int = DEFAULT_DAYS) -> tuple[ApiToken, str]:
    """A new token of `user` (always the person asking: nobody makes tokens for someone else),
    with its plaintext, which the caller shows once and never stores."""
    require(user is not None and user.is_authenticated and user.active)
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Give the token a name."), "name")
    if len(name) > 80:
        raise AccountError(_("Use at most %(n)d characters.", n=80), "name")
    if scopes not in TOKEN_SCOPES:
        raise AccountError(_("Choose what the token may do."), "scopes")
    if days not in TOKEN_DAYS:
        raise AccountError(_("Choose how long the token is valid."), "days")
    live = db.session.scalar(sa.select(sa.func.count()).select_from(live_tokens_query(user).subquery()))
    if live >= MAX_LIVE_TOKENS:
        raise AccountError(
            _(
                "You already have %(n)d active tokens. Revoke one you no longer use before creating another.",
                n=MAX_LIVE_TOKENS,
            )
        )
    plaintext = PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=UserSession.hash_token(plaintext),
        prefix=plaintext[:SHOWN_CHARS],
        scopes=scopes,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api_token.create",
        token,
        actor=user,
        after={"name": name, "prefix": token.prefix, "scopes": scopes, "expires_at": token.expires_at},
    )
    return token, plaintext


def revoke_token(actor: User, token: ApiToken) -> bool:
    """Revoke `token` (its owner or an admin); False if it was already revoked."""
    require(actor is not None and actor.is_authenticated and (actor.id == token.user_id or actor.is_admin))
    if token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    token.revoked_by_id = actor.id
    audit.record(
        "api_token.revoke",
        token,
        actor=actor,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at, "user_id": token.user_id, "prefix": token.prefix},
    )
    db.session.flush()
    return True


def authenticate(header_value: str | None) -> tuple[User, ApiToken] | None:
    """The user and token of an `Authorization: Bearer jb_…` value, or None when the token is
    unknown, revoked, expired or its user deactivated."""
    scheme, _sep, value = (header_value or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value.startswith(PREFIX) or len(value) > MAX_TOKEN_LENGTH:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == UserSession.hash_token(value)))
    now = clock.now()
    if token is None or token.status(now) != "active" or not token.user.active:
        return None
    return token.user, token


def record_use(token: ApiToken) -> bool:
    """Mark the token used now, at most once a minute (a hint for people, not a log); True when
    it wrote, for the caller to commit."""
    now = clock.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return False
    token.last_used_at = now
    db.session.flush()
    return True


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones included)."""
    return list(
        db.session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def all_tokens(actor: User, email: str | None = None) -> sa.Select:
    """Every user's tokens for an admin, newest first, optionally of the users whose e-mail
    contains `email`; the view paginates the query."""
    require(actor is not None and actor.is_authenticated and actor.is_admin)
    query = sa.select(ApiToken).join(User, User.id == ApiToken.user_id)
    email = normalise_email(email or "")
    if email:
        query = query.where(User.email.contains(email, autoescape=True))
    return query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
