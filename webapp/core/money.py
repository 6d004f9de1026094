"""Money: typed in 万元, stored and computed in whole 元 (every money column is an integer of 元),
shown in 万元 to Chinese readers and as ¥600k / ¥1.2M to English ones.

There is one parse (`parse_wan_range`, and `parse_wan` for a single amount): a number, a range or
面议; full-width digits and thousands separators are read; negative, absurdly large and sub-yuan
amounts (more than four decimal places of 万元) are refused with a message for the form or the
import summary. `MoneyField` is the form field of every money input."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Flask
from flask_babel import gettext as _
from wtforms import StringField
from wtforms.validators import StopValidation, ValidationError

from webapp.core.formatting import is_chinese
from webapp.core.text import normalise

YUAN_PER_WAN = 10_000
# 100亿元: above any single technology contract the district has seen; larger figures are typos.
MAX_WAN = Decimal(1_000_000)
NEGOTIABLE = {"", "面议", "议价", "negotiable", "-", "—", "无", "待定"}
_UNIT = r"\s*(?:万元|万)?"
_RANGE = re.compile(rf"^(-?[\d.]+){_UNIT}\s*(?:-|~|～|至|到|—|–)\s*(-?[\d.]+){_UNIT}$")
_SINGLE = re.compile(rf"^(-?[\d.]+){_UNIT}$")


class MoneyError(ValueError):
    """The message says what is wrong, for the form or the import summary."""


class Yuan(int):
    """An amount in whole 元, as the database stores it; parsed from 万元 exactly (never float)."""

    @classmethod
    def from_wan(cls, wan: Decimal) -> Yuan:
        _sign, digits, exponent = wan.as_tuple()
        while exponent < -4 and digits and digits[-1] == 0:  # trailing zeros are not fractions of a yuan
            digits, exponent = digits[:-1], exponent + 1
        if exponent < -4 and any(digits):  # read from the digits: arithmetic would round them away
            raise MoneyError(_("Amounts are in whole yuan: at most four decimal places of 万元."))
        return cls(int(wan * YUAN_PER_WAN))

    @property
    def wan(self) -> Decimal:
        """The exact number of 万元 (four places at most, trailing zeros dropped)."""
        return wan_decimal(self)


def _wan(text: str) -> Yuan:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise MoneyError(_("“%(value)s” is not a number.", value=text)) from exc
    if not value.is_finite():
        raise MoneyError(_("“%(value)s” is not a number.", value=text))
    if value < 0:
        raise MoneyError(_("Amounts cannot be negative."))
    if value > MAX_WAN:
        raise MoneyError(_("%(value)s 万元 is more than 100亿元; check the unit (amounts are in 万元).", value=value))
    return Yuan.from_wan(value)


def parse_wan_range(value) -> tuple[Yuan | None, Yuan | None]:
    """(min, max) in 元 of an amount or range in 万元, or (None, None) for 面议. A number (from a
    spreadsheet cell) is read as 万元; a `Yuan` is already money. Raises MoneyError."""
    if value is None:
        return None, None
    if isinstance(value, Yuan):
        return value, value
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = _wan(str(value))
        return amount, amount
    text = normalise(str(value)).replace(",", "")
    if text.lower() in NEGOTIABLE:
        return None, None
    match = _RANGE.match(text)
    if match:
        low, high = _wan(match.group(1)), _wan(match.group(2))
        if low > high:
            raise MoneyError(_("The range %(low)s–%(high)s 万元 starts above its end.", low=low.wan, high=high.wan))
        return low, high
    match = _SINGLE.match(text)
    if match:
        amount = _wan(match.group(1))
        return amount, amount
    raise MoneyError(_("“%(value)s” is not an amount in 万元, a range like 50-100, or 面议.", value=value))


def parse_wan(value) -> Yuan | None:
    """One amount in 万元 → 元; None when empty (or 面议). Raises MoneyError for a range."""
    low, high = parse_wan_range(value)
    if low != high:
        raise MoneyError(_("Give one amount, not a range."))
    return low


def parse_positive_wan(value) -> Yuan:
    """One amount more than zero in 万元 → 元, read as a required money input of a form reads it
    (`MoneyField` with `AboveZero`): not empty, not 面议, not a range. Raises MoneyError."""
    low, high = parse_wan_range(value)
    if low != high:
        raise MoneyError(_("Give one amount, not a range."))
    if low is None:
        raise MoneyError(_("Give one amount in 万元, for example 12.5."))
    if low == 0:
        raise MoneyError(_("%(what)s must be more than zero.", what=_("The amount")))
    return low


# ---------------------------------------------------------------- plain figures (inputs, exports)


def wan_decimal(yuan: int) -> Decimal:
    """Whole 元 as an exact number of 万元 (four places at most, trailing zeros dropped)."""
    value = Decimal(yuan) / YUAN_PER_WAN
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def wan_text(yuan: int | None) -> str:
    """Whole 元 as the 万元 figure a form input shows back (12.5); empty for none."""
    return "" if yuan is None else format(wan_decimal(yuan), "f")


def wan_range_text(low: int | None, high: int | None) -> str:
    """The plain text form of exports and listing inputs: 面议, 50, or 50-100 (万元)."""
    if low is None:
        return "面议"
    return wan_text(low) if high is None or low == high else f"{wan_text(low)}-{wan_text(high)}"


def wan_figure(yuan: int) -> str:
    """A 万元 figure with thousands separators and no unit (1,234.5), in no language: for texts
    that carry the unit themselves, like a notification's."""
    return f"{wan_decimal(yuan):,f}"


def wan_number(yuan: int | None) -> float | None:
    """万元 as a number for charts and spreadsheet cells (exact to four places in a double)."""
    return None if yuan is None else float(wan_decimal(yuan))


# ---------------------------------------------------------------- for readers, per language


def _trimmed(value: Decimal) -> str:
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def format_english(yuan: int | Decimal) -> str:
    """An amount in 元 as English readers count it: ¥600k, ¥1.2M, or ¥123,456 when neither is exact."""
    value = Decimal(yuan)
    if abs(value) >= 1_000_000 and value % 10_000 == 0:
        return f"¥{_trimmed(value / 1_000_000)}M"
    if abs(value) >= 1_000 and value % 1_000 == 0:
        return f"¥{_trimmed(value / 1_000)}k"
    return f"¥{_trimmed(value)}"


def format_chinese(yuan: int | Decimal) -> str:
    """An amount in 元 in 万元 with up to four decimals, trailing zeros dropped (60 万元)."""
    return _("%(amount)s 10k CNY", amount=_trimmed((Decimal(yuan) / YUAN_PER_WAN).quantize(Decimal("0.0001"))))


def format_money(yuan: int | Decimal | None) -> str:
    """An amount in 元 in the page's language (面议 when there is none)."""
    if yuan is None:
        return _("Negotiable")
    return format_chinese(yuan) if is_chinese() else format_english(yuan)


def format_money_range(low: int | None, high: int | None = None) -> str:
    """An amount or range in 元: 50–100 万元 in Chinese, ¥500k–¥1M in English, 面议 for none."""
    if low is None:
        return _("Negotiable")
    if high is None or high == low:
        return format_money(low)
    if not is_chinese():
        return f"{format_english(low)}–{format_english(high)}"
    wan = [_trimmed((Decimal(v) / YUAN_PER_WAN).quantize(Decimal("0.0001"))) for v in (low, high)]
    return _("%(amount)s 10k CNY", amount="–".join(wan))


# ---------------------------------------------------------------- the form field


class MoneyField(StringField):
    """An input in 万元. `data` keeps what was typed (a refused amount is shown back as typed); the
    whole 元 are read from `yuan` (one amount) or `yuan_range` (with `ranges=True`), which raise
    MoneyError for what validation refuses. A field marked required refuses 面议."""

    def __init__(self, label=None, validators=None, *, ranges: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.ranges = ranges

    @property
    def yuan_range(self) -> tuple[Yuan | None, Yuan | None]:
        low, high = parse_wan_range(self.data)
        if low != high and not self.ranges:
            raise MoneyError(_("Give one amount, not a range."))
        if low is None and self.flags.required and (self.data or "").strip():
            raise MoneyError(_("Give one amount in 万元, for example 12.5."))
        return low, high

    @property
    def yuan(self) -> Yuan | None:
        return self.yuan_range[0]

    def pre_validate(self, form) -> None:
        try:
            self.yuan_range  # noqa: B018 - parsed for its error
        except MoneyError as exc:
            raise StopValidation(str(exc)) from None


class AboveZero:
    """Validator of a MoneyField: the amount is more than nothing (a contract value, a payment)."""

    def __call__(self, form, field) -> None:
        if field.yuan == 0:
            raise ValidationError(_("%(what)s must be more than zero.", what=_("The amount")))


def register(app: Flask) -> None:
    app.add_template_filter(format_money, "wan")
    app.add_template_filter(format_money_range, "wan_range")
