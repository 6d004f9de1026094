"""How each person wants to hear of each category of notifications, and the service that saves it.

Every notification kind belongs to exactly one category (by the prefix of its code); people choose
per category, since nobody wants to set forty kinds one by one. `notify()` reads the choice here.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core import audit
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.notifications.models import DELIVERY_LABELS, Delivery, NotificationPreference
from webapp.notifications.permissions import can_edit_preferences

D = Delivery
ALL = (D.APP, D.INSTANT, D.DAILY, D.WEEKLY, D.OFF)


@dataclass(frozen=True)
class Category:
    code: str
    label: object
    hint: object
    prefixes: tuple[str, ...]  # the kinds it holds, by the start of their codes
    choices: tuple[Delivery, ...] = ALL
    default: Delivery = D.INSTANT  # when e-mail is on in the profile
    labels: dict | None = None  # words of its own for a choice

    def choice_label(self, delivery: Delivery):
        return (self.labels or {}).get(delivery) or DELIVERY_LABELS[delivery]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "matches",
        _l("Matches and introductions"),
        _l("Introductions proposed by brokers, their outcome, and requests to see a confidential part."),
        ("match.", "achievement."),
    ),
    Category(
        "challenges",
        _l("Challenges"),
        _l("Challenges you posted, applied to or review: each step, the notice, the contract and milestones."),
        ("challenge.",),
    ),
    Category(
        "rooms",
        _l("Negotiation rooms"),
        _l("Messages, files, the next step and confidentiality terms in the rooms of your introductions."),
        ("room.",),
    ),
    Category("deals", _l("Deals"), _l("Contracts, registrations and payments of your deals."), ("deal.",)),
    Category(
        "performance",
        _l("Performance reports"),
        _l("Performance reports after delivery: when one falls due, reminders, and the district's review."),
        ("performance.",),
    ),
    Category(
        "listings",
        _l("Listings review"),
        _l("Your achievements and needs approved, returned, taken down or marked as duplicates."),
        ("listing.",),
    ),
    # Always shown in the app: a password change or a deactivation is how someone notices that
    # their account is in other hands, so it can never be switched off (only its e-mail).
    Category(
        "account",
        _l("Account and security"),
        _l("Password changes and changes to your account; always shown in the app."),
        ("account.",),
        choices=(D.APP, D.INSTANT, D.DAILY, D.WEEKLY),
    ),
    Category(
        "subscriptions",
        _l("New needs and challenges I follow"),
        _l("Published needs and challenges in the fields and keywords you follow."),
        ("subscription.",),
        default=D.DAILY,
    ),
    # Not a notification: the weekly e-mail of the best new suggestions for the listings one owns.
    Category(
        "suggestions",
        _l("Weekly suggestions for my listings"),
        _l("Once a week, the best new matches found for your achievements and needs."),
        (),
        choices=(D.WEEKLY, D.OFF),
        default=D.WEEKLY,
        labels={D.WEEKLY: _l("In the weekly digest e-mail")},
    ),
)

BY_CODE = {category.code: category for category in CATEGORIES}


def categories_of(kind: str) -> list[Category]:
    return [category for category in CATEGORIES if kind.startswith(category.prefixes)]


def category_of(kind: str) -> Category:
    found = categories_of(kind)
    if len(found) != 1:
        raise KeyError(f"notification kind {kind!r} belongs to {len(found)} categories")
    return found[0]


def default_delivery(user, category: Category) -> Delivery:
    """Without a saved choice: as before preferences existed — in the app, and by e-mail at once
    when e-mail is on in the profile (follow-ups go to the daily digest, suggestions weekly)."""
    if not user.email_notifications:
        return D.APP if D.APP in category.choices else D.OFF
    return category.default


def saved(user) -> dict[str, Delivery]:
    rows = db.session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id))
    return {row.category: row.delivery for row in rows}


def choices_of(user) -> dict[str, Delivery]:
    """Every category's delivery for this person, saved or default."""
    chosen = saved(user)
    return {c.code: chosen.get(c.code, default_delivery(user, c)) for c in CATEGORIES}


def delivery_of(user, category: Category) -> Delivery:
    row = db.session.scalar(
        sa.select(NotificationPreference.delivery).where(
            NotificationPreference.user_id == user.id, NotificationPreference.category == category.code
        )
    )
    return row if row is not None else default_delivery(user, category)


def delivery_for(user, kind: str) -> Delivery:
    return delivery_of(user, category_of(kind))


class ChoiceError(ValueError):
    """Choices the settings do not offer: an unknown category or delivery, or a delivery its category
    does not allow (account and security switched off). `errors` names each, by category code, in
    the reader's language."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(next(iter(errors.values())))
        self.errors = errors


def _refusal(code: str, choice: Delivery | str) -> str | None:
    """Why `code` cannot be set to `choice` (a delivery or its value), or None when it can."""
    category = BY_CODE.get(code)
    if category is None:
        return _("There is no category “%(code)s”; the categories are: %(codes)s.", code=code, codes=", ".join(BY_CODE))
    try:
        delivery = Delivery(choice)
    except ValueError:
        return _(
            "There is no delivery “%(value)s”; the deliveries are: %(choices)s.",
            value=choice,
            choices=", ".join(d.value for d in Delivery),
        )
    if delivery in category.choices:
        return None
    if delivery is D.OFF:
        return _("“%(category)s” cannot be switched off.", category=category.label)
    return _(
        "“%(category)s” cannot be “%(delivery)s”; choose one of: %(choices)s.",
        category=category.label,
        delivery=delivery.value,
        choices=", ".join(d.value for d in category.choices),
    )


def parse(choices: dict[str, Delivery | str]) -> dict[str, Delivery]:
    """The choices ({"deals": "weekly"}, values as deliveries or their text) as deliveries, each one
    its category offers; raises ChoiceError naming every one that is not."""
    errors = {code: why for code, choice in choices.items() if (why := _refusal(code, choice))}
    if errors:
        raise ChoiceError(errors)
    return {code: Delivery(choice) for code, choice in choices.items()}


def set_deliveries(actor, user, deliveries: dict[str, Delivery], *, action: str = "notification.preferences") -> bool:
    """Save the choices (each category's own choices only); records one audit event if anything changed."""
    require(can_edit_preferences(actor, user))
    return write(actor, user, deliveries, action)


def write(actor, user, deliveries: dict[str, Delivery], action: str) -> bool:
    """Save without a permission check: for the callers that proved who acts (a signed link).
    Nothing is saved when any choice is refused (ChoiceError)."""
    deliveries = parse(deliveries)
    before = choices_of(user)
    rows = {
        row.category: row
        for row in db.session.scalars(
            sa.select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for code, delivery in deliveries.items():
        if code in rows:
            rows[code].delivery = delivery
        else:  # saved even when equal to today's default, which follows the profile's e-mail switch
            db.session.add(NotificationPreference(user_id=user.id, category=code, delivery=delivery))
    db.session.flush()
    after = choices_of(user)
    changed = {code for code in after if after[code] is not before[code]}
    if changed:
        audit.record(
            action,
            user,
            actor=actor,
            before={code: before[code] for code in sorted(changed)},
            after={code: after[code] for code in sorted(changed)},
        )
    return bool(changed)
