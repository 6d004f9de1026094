"""Chinese identifiers checked with their published check-digit algorithms."""

from __future__ import annotations

import unicodedata

# GB 32100-2015 统一社会信用代码: 18 characters from a 31-symbol alphabet (no I, O, S, V, Z);
# the last one is a check digit over the first 17 with weights 3^i mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidIdentifier(ValueError):
    """Raised with a message fit to show the user."""


def normalise_uscc(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "").replace("-", "")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return the normalised code, or raise InvalidIdentifier saying what is wrong."""
    from flask_babel import gettext as _

    code = normalise_uscc(raw)
    if len(code) != 18:
        raise InvalidIdentifier(_("A unified social credit code has 18 characters; this one has %(n)d.", n=len(code)))
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise InvalidIdentifier(
            _("Characters not allowed in a unified social credit code: %(chars)s", chars=" ".join(bad))
        )
    if code[17] != uscc_check_char(code[:17]):
        raise InvalidIdentifier(_("The check digit does not match: please check the code for a typing error."))
    return code


# CNIPA patent application numbers. Since October 2003: year (4) + type (1) + serial (7), then a
# check character; before that: year (2) + type (1) + serial (5) + check. The check is the sum of
# the digits weighted 2,3,4,5,6,7,8,9,2,3,4,5 modulo 11, with 10 written X. Granted patents are
# cited with the prefix ZL. Publication numbers (CN + 9 digits + kind code) carry no check.
PATENT_TYPES = {"1": "invention", "2": "utility_model", "3": "design", "8": "pct_invention", "9": "pct_utility_model"}
_PATENT_WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)


def patent_check_char(digits: str) -> str:
    total = sum(int(d) * w for d, w in zip(digits, _PATENT_WEIGHTS, strict=False))
    value = total % 11
    return "X" if value == 10 else str(value)


def validate_patent_number(raw: str) -> str:
    """Return the number in canonical form (e.g. ZL201720001285.X, CN112345678A) or raise."""
    import re

    from flask_babel import gettext as _

    text = unicodedata.normalize("NFKC", raw or "").upper()
    text = re.sub(r"[\s·•]", "", text)
    publication = re.fullmatch(r"CN(\d{7,9})([A-Z]\d?)", text)
    if publication:
        return f"CN{publication.group(1)}{publication.group(2)}"
    match = re.fullmatch(r"(ZL|CN)?(\d{8}|\d{12})\.?([\dX])", text)
    if not match:
        raise InvalidIdentifier(
            _("%(value)s is not a patent number: expected e.g. ZL201720001285.X or CN112345678A.", value=raw.strip())
        )
    prefix, digits, check = match.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in PATENT_TYPES:
        raise InvalidIdentifier(_("%(value)s has an unknown patent type digit %(d)s.", value=raw.strip(), d=type_digit))
    if len(digits) == 12 and not 1985 <= int(digits[:4]) <= 2100:
        raise InvalidIdentifier(_("%(value)s has an impossible year.", value=raw.strip()))
    if patent_check_char(digits) != check:
        raise InvalidIdentifier(
            _("The check character of %(value)s does not match: please check for a typing error.", value=raw.strip())
        )
    return f"{'ZL' if prefix == 'ZL' else ''}{digits}.{check}"
