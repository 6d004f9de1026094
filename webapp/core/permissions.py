"""Role checks for views and object-level checks shared by views, services and templates."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user
from werkzeug.exceptions import Forbidden

from webapp.extensions import login_manager


class PermissionDenied(Forbidden):
    """Raised by services; rendered as 403."""


def roles_required(*roles):
    """Anonymous users are sent to log in; signed-in users without one of the roles get 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if roles and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapper.required_roles = roles
        return wrapper

    return decorator


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied()


def require_role(user, *roles) -> None:
    require(user is not None and user.is_authenticated and user.role in roles)
