"""The words of accounts and organisations in the audit log and in notifications; create_app calls register()."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from webapp.accounts.models import Role
from webapp.core import audit
from webapp.notifications import catalogue

# Audit log actions, as people reading the log see them.
ACTIONS = {
    "account.register": _l("Account registered"),
    "account.create": _l("Account created"),
    "account.login": _l("Logged in"),
    "account.login_failed": _l("Wrong password"),
    "account.logout": _l("Logged out"),
    "account.password_change": _l("Password changed"),
    "account.password_reset_requested": _l("Password reset requested"),
    "account.password_reset": _l("Password reset"),
    "account.profile_update": _l("Profile edited"),
    "account.admin_update": _l("Account changed by an administrator"),
    "organisation.create": _l("Organisation created"),
    "organisation.update": _l("Organisation edited"),
    "api_token.create": _l("API token created"),
    "api_token.revoke": _l("API token revoked"),
}

# Audit log objects (table names).
OBJECTS = {
    "users": _l("User"),
    "organisations": _l("Organisation"),
    "api_tokens": _l("API token"),
}

# Notification kinds with their texts; parameters are filled in the reader's language.
NOTIFICATIONS = {
    "account.welcome": _l("Welcome to Jiebang, %(name)s. Your account is ready."),
    "account.password_changed": _l("Your password was changed; every other login of your account was signed out."),
    "account.created_by_admin": _l("An administrator created your %(role)s account."),
    "account.deactivated": _l("Your account was deactivated by an administrator."),
    "account.reactivated": _l("Your account was reactivated by an administrator."),
}


def register() -> None:
    audit.register_labels(actions=ACTIONS, objects=OBJECTS)
    catalogue.register_texts(NOTIFICATIONS, params={"role": _role})


def _role(code: str) -> str:
    """A role is stored as its code and shown in the reader's language."""
    return Role(code).label
