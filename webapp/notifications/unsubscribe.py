"""One-click unsubscribe (RFC 8058): every e-mail carries a signed link that turns off the e-mail it
came from, without logging in. The signature (itsdangerous, as the password reset link) is the
permission: it names the person and what the e-mail was, so a link works only for its own e-mail.
The page that reads the link is `webapp.subscriptions.views.unsubscribe`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from webapp.notifications import preferences
from webapp.notifications.models import Delivery, DigestPeriod

# What an e-mail was: one category's e-mail at once ("c:challenges") or a digest ("d:daily").
CATEGORY, DIGEST = "c", "d"


@dataclass(frozen=True)
class Link:
    """What a valid link stands for."""

    user_id: int
    scope: str

    @property
    def what(self) -> str:
        kind, _sep, code = self.scope.partition(":")
        if kind == DIGEST:
            return _("the daily digest") if code == DigestPeriod.DAILY.value else _("the weekly digest")
        return _("e-mail about “%(category)s”", category=preferences.BY_CODE[code].label)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def category_scope(code: str) -> str:
    return f"{CATEGORY}:{code}"


def digest_scope(period: DigestPeriod) -> str:
    return f"{DIGEST}:{period.value}"


def make_token(user, scope: str) -> str:
    return _serializer().dumps({"u": user.id, "s": scope})


def link(user, scope: str) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + f"/notifications/unsubscribe/{make_token(user, scope)}"


def headers(user, scope: str) -> dict[str, str]:
    """The message headers with which mail clients offer their own unsubscribe button."""
    return {"List-Unsubscribe": f"<{link(user, scope)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_token(token: str) -> Link | None:
    """What a link stands for, or None for a link that was not made here (cut, changed, forged)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    scope = str(data.get("s") or "")
    kind, _sep, code = scope.partition(":")
    if not ((kind == CATEGORY and code in preferences.BY_CODE) or (kind == DIGEST and code in ("daily", "weekly"))):
        return None
    return Link(data["u"], scope)


def apply(user, scope: str) -> bool:
    """Turn the e-mail off: the category keeps its notifications in the app (the suggestions, which
    are e-mail only, stop); a digest's categories all move to the app. Returns whether anything changed."""
    kind, _sep, code = scope.partition(":")
    current = preferences.choices_of(user)
    codes = [code] if kind == CATEGORY else [c for c, delivery in current.items() if delivery is Delivery(code)]
    changes = {}
    for c in codes:
        category = preferences.BY_CODE[c]
        if current[c] in (Delivery.INSTANT, Delivery.DAILY, Delivery.WEEKLY):
            changes[c] = Delivery.APP if Delivery.APP in category.choices else Delivery.OFF
    # The link is the person's own: it acts for them, its signature standing in for a login.
    return preferences.write(user, user, changes, "notification.unsubscribe")
