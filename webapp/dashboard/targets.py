"""The district's yearly technology-contract turnover target, set by an admin (in 万元 on the form,
kept in whole 元)."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.money import MoneyError, parse_wan
from webapp.core.permissions import require
from webapp.deals.models import TurnoverTarget
from webapp.extensions import db

MAX_TARGET = 10**14  # 元: 100万亿元, far above any district's plan; beyond it the figure is a typing slip


class TargetError(ValueError):
    """Bad input; the message is for the user. `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def can_set(user) -> bool:
    from webapp.accounts.models import Role

    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "active", True)
        and user.role == Role.ADMIN
    )


def parse_target(text) -> int:
    """A target typed in 万元 ("500000", "50,0000.5") to whole 元, exactly."""
    if text is None or not str(text).strip():
        raise TargetError(_("Give the target in 万元, for example 500000 for 50亿元."), "amount")
    try:
        amount = parse_wan(str(text))
    except MoneyError as exc:
        raise TargetError(str(exc), "amount") from None
    if amount is None:
        raise TargetError(_("Give one amount in 万元, for example 12.5."), "amount")
    if amount == 0:
        raise TargetError(_("%(what)s must be more than zero.", what=_("The amount")), "amount")
    if amount > MAX_TARGET:
        raise TargetError(_("That is more than 100万亿元: check the figure (the target is in 万元)."), "amount")
    return amount


def set_target(user, year: int, amount_yuan: int) -> TurnoverTarget:
    """Set (or change) the year's target; audited with the value before and after."""
    require(can_set(user))
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise TargetError(_("Choose a year between 2000 and 2100."), "year")
    if isinstance(amount_yuan, bool) or not isinstance(amount_yuan, int) or amount_yuan <= 0:
        raise TargetError(_("The target must be a positive whole number of yuan."), "amount")
    if amount_yuan > MAX_TARGET:
        raise TargetError(_("That is more than 100万亿元: check the figure (the target is in 万元)."), "amount")
    target = db.session.get(TurnoverTarget, year)
    before = {"year": year, "amount": target.amount} if target else None
    if target is None:
        target = TurnoverTarget(year=year, amount=amount_yuan)
        db.session.add(target)
    target.amount = amount_yuan
    target.set_by_id = user.id
    target.set_at = utcnow()
    db.session.flush()
    audit.record("dashboard.target", target, actor=user, before=before, after={"year": year, "amount": amount_yuan})
    return target


def targets() -> list[TurnoverTarget]:
    return list(db.session.scalars(db.select(TurnoverTarget).order_by(TurnoverTarget.year.desc())))
