"""Account services: registration, login sessions, passwords, profiles, users and organisations.

Services check permission, change state, write the audit event and flush; the caller commits.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.accounts.models import Organisation, OrganisationTier, OrgKind, Role, Tier, User, UserSession
from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.identifiers import validate_uscc
from webapp.core.permissions import require, require_role
from webapp.extensions import db
from webapp.notifications.services import notify, queue_email

# A fixed hash to compare against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")

MIN_PASSWORD_LENGTH = 8


class AccountError(ValueError):
    """A rule about accounts was broken; the message is shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def check_password_rules(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "password")
    if password.isdigit() or password.isalpha():
        raise AccountError(_("Mix letters with digits or symbols."), "password")


# --- login sessions -----------------------------------------------------------------------


def load_user_from_session_token(token: str) -> User | None:
    row = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == UserSession.hash_token(token)))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    row.user.session_token = token
    return row.user


def authenticate(email: str, password: str) -> User | None:
    user = user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        audit.record("account.login_failed", user, actor=user)
        return None
    if not user.active:
        return None
    return user


def start_session(user: User, *, remember: bool = False) -> UserSession:
    """Create a server-side login and attach it to the browser through Flask-Login."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["LOGIN_SESSION_HOURS"]
    row = UserSession(
        user_id=user.id,
        token_hash=UserSession.hash_token(token),
        expires_at=utcnow() + (timedelta(days=30) if remember else timedelta(hours=hours)),
        ip=request.remote_addr,
        user_agent=(request.user_agent.string or "")[:300],
    )
    db.session.add(row)
    user.session_token = token
    user.last_login_at = utcnow()
    from flask import session

    session.clear()  # no fixation: a fresh session for a fresh login
    login_user(user, remember=remember, duration=timedelta(days=30))
    audit.record("account.login", user, actor=user)
    return row


def end_session(user: User) -> None:
    if user.session_token:
        db.session.execute(
            sa.delete(UserSession).where(UserSession.token_hash == UserSession.hash_token(user.session_token))
        )
    audit.record("account.logout", user, actor=user)
    logout_user()


def end_all_sessions(user: User) -> int:
    return db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id)).rowcount


# --- registration and profile -------------------------------------------------------------


def register(
    *,
    role: Role,
    email: str,
    password: str,
    name: str,
    phone: str | None = None,
    org_name: str | None = None,
    uscc: str | None = None,
    institution_id: int | None = None,
) -> User:
    """Self-service sign-up for enterprises and researchers."""
    if not role.self_service:
        raise AccountError(_("This role is created by an administrator."), "role")
    email = normalise_email(email)
    if user_by_email(email):
        raise AccountError(_("An account with this e-mail already exists."), "email")
    check_password_rules(password)
    organisation = None
    if role is Role.ENTERPRISE:
        code = validate_uscc(uscc or "")
        org_name = (org_name or "").strip()
        if not org_name:
            raise AccountError(_("Enter the enterprise's registered name."), "org_name")
        existing = db.session.scalar(
            sa.select(Organisation).where(sa.or_(Organisation.uscc == code, Organisation.name == org_name))
        )
        if existing:
            raise AccountError(
                _(
                    "This enterprise is already registered. Ask its existing users or the platform administrator to add you."
                ),
                "uscc",
            )
        organisation = Organisation(kind=OrgKind.ENTERPRISE, name=org_name, uscc=code)
        db.session.add(organisation)
        db.session.flush()
        audit.record("organisation.create", organisation, after={"name": org_name, "uscc": code})
    else:
        organisation = db.session.get(Organisation, institution_id) if institution_id else None
        if organisation is None or organisation.kind not in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE):
            raise AccountError(_("Choose your university or institute."), "institution_id")
    user = User(
        email=email,
        password_hash=generate_password_hash(password),
        name=name.strip(),
        phone=(phone or "").strip() or None,
        role=role,
        organisation=organisation,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "account.register", user, actor=user, after={"email": email, "role": role, "organisation": organisation.name}
    )
    notify(user, "account.welcome", name=user.name, link="/account")
    return user


PROFILE_FIELDS = ["name", "phone", "locale", "email_notifications"]


def update_profile(actor: User, user: User, **fields) -> None:
    require(user.can_edit(actor))
    before = audit.changes(user, PROFILE_FIELDS)
    for key, value in fields.items():
        if key not in PROFILE_FIELDS:
            raise KeyError(key)
        setattr(user, key, value.strip() if isinstance(value, str) else value)
    if not user.name:
        raise AccountError(_("Enter your name."), "name")
    after = audit.changes(user, PROFILE_FIELDS)
    if before != after:
        audit.record("account.profile_update", user, actor=actor, before=before, after=after)


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Every login of the account ends, this one included; the caller starts a new one."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise AccountError(_("The current password is not correct."), "current_password")
    check_password_rules(new_password)
    _set_password(user, new_password)
    audit.record("account.password_change", user, actor=user)
    notify(user, "account.password_changed", link="/account")


def _set_password(user: User, password: str) -> None:
    user.password_hash = generate_password_hash(password)
    user.password_changed_at = utcnow()
    end_all_sessions(user)


# --- password reset -------------------------------------------------------------------------


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    # The password hash's tail makes the token single-use: it stops working once the password changes.
    return _reset_serializer().dumps({"uid": user.id, "ph": user.password_hash[-16:]})


def user_from_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_HOURS"] * 3600
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("uid"))
    if user is None or not user.active or user.password_hash[-16:] != data.get("ph"):
        return None
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset e-mail if the account exists; the caller shows the same answer either way."""
    user = user_by_email(email)
    if user is None or not user.active:
        return
    link = current_app.config["SITE_URL"].rstrip("/") + f"/password/reset/{make_reset_token(user)}"
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    queue_email(
        to=user.email,
        subject=_("[Jiebang] Reset your password"),
        body=_(
            "Someone asked to reset the password of your Jiebang account.\n\n"
            "Open this link within %(hours)d hours to choose a new password:\n%(link)s\n\n"
            "If it was not you, ignore this message; your password stays as it is.",
            hours=hours,
            link=link,
        ),
    )
    audit.record("account.password_reset_requested", user, actor=user)


def reset_password(user: User, new_password: str) -> None:
    check_password_rules(new_password)
    _set_password(user, new_password)
    audit.record("account.password_reset", user, actor=user)
    notify(user, "account.password_changed", link="/account")


# --- administration --------------------------------------------------------------------------


def create_user(
    *,
    email: str,
    role: Role,
    name: str | None = None,
    password: str | None = None,
    organisation: Organisation | None = None,
    actor: User | None = None,
    send_invitation: bool = False,
) -> tuple[User, str | None]:
    """Create a user of any role (admin screen or CLI). Returns the user and a generated password, if any."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    email = normalise_email(email)
    if "@" not in email:
        raise AccountError(_("Enter a valid e-mail address."), "email")
    if user_by_email(email):
        raise AccountError(_("An account with this e-mail already exists."), "email")
    generated = None
    if password is None:
        generated = password = secrets.token_urlsafe(12)
    else:
        check_password_rules(password)
    user = User(
        email=email,
        name=(name or email.split("@")[0]).strip(),
        role=role,
        organisation=organisation,
        password_hash=generate_password_hash(password),
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "account.create",
        user,
        actor=actor,
        after={"email": email, "role": role, "organisation": organisation.name if organisation else None},
    )
    if send_invitation:
        link = current_app.config["SITE_URL"].rstrip("/") + f"/password/reset/{make_reset_token(user)}"
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):  # the invitee's language is not known yet
            queue_email(
                to=user.email,
                subject=_("[Jiebang] Your account"),
                body=_(
                    "An administrator created a %(role)s account for you on Jiebang.\n\n"
                    "Choose your password here:\n%(link)s",
                    role=role.label,
                    link=link,
                ),
            )
        notify(user, "account.created_by_admin", email=False, role=role.value)
    return user, generated


def admin_update_user(actor: User, user: User, *, role: Role, organisation: Organisation | None, active: bool) -> None:
    require_role(actor, Role.ADMIN)
    if user.id == actor.id and (role is not Role.ADMIN or not active):
        raise AccountError(_("You cannot remove your own administrator rights or deactivate yourself."), "role")
    fields = ["role", "organisation_id", "active"]
    before = audit.changes(user, fields)
    user.role = role
    user.organisation = organisation
    user.organisation_id = organisation.id if organisation else None
    was_active, user.active = user.active, active
    if was_active and not active:
        end_all_sessions(user)
        notify(user, "account.deactivated", email=True)
    elif active and not was_active:
        notify(user, "account.reactivated", email=True)
    after = audit.changes(user, fields)
    if before != after:
        audit.record("account.admin_update", user, actor=actor, before=before, after=after)


ORG_FIELDS = ["kind", "name", "uscc", "industry", "address", "website", "description", "tiers"]


def save_organisation(
    actor: User | None, organisation: Organisation | None, *, tiers: list[Tier] | None = None, **fields
) -> Organisation:
    """Create (organisation=None) or edit an organisation; enterprises need a valid USCC."""
    if actor is not None:
        require_role(actor, Role.ADMIN)
    name = (fields.get("name") or "").strip()
    if not name:
        raise AccountError(_("Enter the organisation's name."), "name")
    fields["name"] = name
    raw_uscc = (fields.get("uscc") or "").strip()
    fields["uscc"] = validate_uscc(raw_uscc) if raw_uscc else None
    if fields.get("kind") is OrgKind.ENTERPRISE and not fields["uscc"]:
        raise AccountError(_("An enterprise needs its unified social credit code."), "uscc")
    clash = db.session.scalar(
        sa.select(Organisation).where(
            sa.or_(
                Organisation.name == name, sa.and_(Organisation.uscc.is_not(None), Organisation.uscc == fields["uscc"])
            ),
            Organisation.id != (organisation.id if organisation else -1),
        )
    )
    if clash:
        field = "name" if clash.name == name else "uscc"
        message = (
            _("Another organisation already uses this name.")
            if field == "name"
            else _("Another organisation already uses this unified social credit code.")
        )
        raise AccountError(message, field)
    creating = organisation is None
    before = None if creating else audit.changes(organisation, ORG_FIELDS)
    if creating:
        organisation = Organisation(**{k: fields.get(k) for k in ORG_FIELDS if k != "tiers"})
        db.session.add(organisation)
    else:
        for key in ORG_FIELDS:
            if key != "tiers" and key in fields:
                # kind and name are required; empty optional fields are stored as NULL
                setattr(organisation, key, fields[key] if key in ("kind", "name") else (fields[key] or None))
    if tiers is not None:
        wanted = set(tiers) if organisation.kind is OrgKind.ENTERPRISE else set()
        organisation.tier_rows = [row for row in organisation.tier_rows if row.tier in wanted] + [
            OrganisationTier(tier=t) for t in wanted - {row.tier for row in organisation.tier_rows}
        ]
    db.session.flush()
    audit.record(
        "organisation.create" if creating else "organisation.update",
        organisation,
        actor=actor,
        before=before,
        after=audit.changes(organisation, ORG_FIELDS),
    )
    return organisation
