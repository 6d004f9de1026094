"""Amounts in 万元 as people write them: a number, a range, or 面议; stored as whole 元."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from webapp.core.text import normalise

YUAN_PER_WAN = 10_000
# 100亿元: above any single technology contract the district has seen; larger figures are typos.
MAX_WAN = Decimal(1_000_000)
NEGOTIABLE = {"", "面议", "议价", "negotiable", "-", "—", "无", "待定"}
_RANGE = re.compile(r"^(-?[\d.]+)\s*(?:万元|万)?\s*(?:-|~|～|至|到|—|–)\s*(-?[\d.]+)\s*(?:万元|万)?$")
_SINGLE = re.compile(r"^(-?[\d.]+)\s*(?:万元|万)?$")


class MoneyError(ValueError):
    """The message says what is wrong, for the form or the import summary."""


def _wan(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(_("“%(value)s” is not a number.", value=text)) from exc
    if value < 0:
        raise MoneyError(_("Amounts cannot be negative."))
    if value > MAX_WAN:
        raise MoneyError(_("%(value)s 万元 is more than 100亿元; check the unit (amounts are in 万元).", value=value))
    return value


def parse_wan_range(value) -> tuple[int | None, int | None]:
    """Return (min, max) in 元, or (None, None) for 面议. Raises MoneyError."""
    if value is None:
        return None, None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = _wan(str(value))
        yuan = int(amount * YUAN_PER_WAN)
        return yuan, yuan
    text = normalise(str(value)).replace(",", "").replace("，", "")
    if text.lower() in NEGOTIABLE:
        return None, None
    match = _RANGE.match(text)
    if match:
        low, high = _wan(match.group(1)), _wan(match.group(2))
        if low > high:
            raise MoneyError(_("The range %(low)s–%(high)s 万元 starts above its end.", low=low, high=high))
        return int(low * YUAN_PER_WAN), int(high * YUAN_PER_WAN)
    match = _SINGLE.match(text)
    if match:
        yuan = int(_wan(match.group(1)) * YUAN_PER_WAN)
        return yuan, yuan
    raise MoneyError(_("“%(value)s” is not an amount in 万元, a range like 50-100, or 面议.", value=value))


def format_wan_range(low: int | None, high: int | None) -> str:
    """Plain text form used in exports: 面议, 50, or 50-100 (万元)."""
    if low is None:
        return "面议"

    def wan(yuan: int) -> str:
        text = f"{Decimal(yuan) / YUAN_PER_WAN:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text

    return wan(low) if low == high else f"{wan(low)}-{wan(high)}"
