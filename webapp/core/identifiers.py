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
        raise InvalidIdentifier(
            _("A unified social credit code has 18 characters; this one has %(n)d.", n=len(code))
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise InvalidIdentifier(
            _("Characters not allowed in a unified social credit code: %(chars)s", chars=" ".join(bad))
        )
    if code[17] != uscc_check_char(code[:17]):
        raise InvalidIdentifier(
            _("The check digit does not match: please check the code for a typing error.")
        )
    return code
