"""How the challenge services clean what people type, and how long it may be."""

from __future__ import annotations

import unicodedata

TITLE_MAX = 200
TEXT_MAX = 20_000
REASON_MAX = 1000
NAME_MAX = 100


def clean_text(value: str | None, limit: int) -> str:
    return unicodedata.normalize("NFC", (value or "").replace("\r\n", "\n")).strip()[:limit]
