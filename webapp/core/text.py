"""Text normalisation, the one rule every domain compares typed text by. Pure functions, no Flask."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def tidy(text: str | None) -> str:
    """What people typed, as typed (full-width brackets, ℃, 锂电 stay), with the whitespace collapsed
    and canonical Unicode composition: for the texts the platform stores and shows. Search, matching
    and the duplicate finder compare normalise()d or fold()ed copies instead."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    return _SPACE.sub(" ", text).strip()


def normalise(text: str | None) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), whitespace collapsed to one
    space, stripped. Case is kept: fold() for comparisons that ignore Latin case."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).replace("\u00a0", " ")
    return _SPACE.sub(" ", text).strip()


def fold(text: str | None) -> str:
    """normalise(), then lower case: the form search terms, matching and look-ups compare."""
    return normalise(text).lower()
