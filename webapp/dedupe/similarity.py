"""How alike two listings are, as one 0–100 score for "is this a repost?". Pure functions, no Flask.

Calibrated on the real 51jishu listings (2,868 achievements, 1,806 needs; see the README's
near-duplicate section):

- Title and text are compared separately, character by character (RapidFuzz `ratio` on the
  normalised text without spaces and punctuation, at most `TEXT_CHARS` characters of text), and
  the score is their mean. Characters, not words: a repost differs by a few characters, and
  segmented words would turn one changed character into a whole changed word.
- An identical title (six characters or more) marks a repost even when the text was rewritten
  (314 real achievement titles were reposted with another description), and so does an identical
  text (≥ 97, at least 50 characters) under another title (needs copied under a new name): the
  score is then at least `FLOOR`.
- Titles naming different numbers (静麦4号 / 静麦5号, 25片 / 9片) are different varieties or
  models, however alike their texts: their title similarity is halved and the floors do not apply.
- A text that is missing or only repeats the title (175 real needs) says nothing more: the score
  is the title's.

At `THRESHOLD` = 80 every real same-title pair scores above it; what else scores above it is
mostly the same description under another title, or a sibling result from the same team whose
text differs by a word (四叶片 / 八叶片) — close enough that an admin should look.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from webapp.core.text import fold, normalise

THRESHOLD = 80.0  # a pair at or above it is flagged as a possible duplicate
FLOOR = 85.0  # the least an identical title or text scores
TEXT_CHARS = 2000  # longer texts are compared by their start: cost stays bounded for 100 KB texts
MIN_TITLE = 6  # shorter identical titles (锄草器) are too generic to mean a repost on their own
MIN_TEXT = 50
SAME_TEXT = 97.0

_NOISE = re.compile(r"[\s\W_]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Prepared:
    """A listing's text ready for comparison (computed once, compared with many)."""

    title: str
    text: str  # empty when missing or the same as the title
    numbers: tuple[str, ...]


def prepare(title: str | None, text: str | None) -> Prepared:
    title_n = normalise(title)
    squeezed_title = _NOISE.sub("", title_n.lower())
    squeezed_text = _NOISE.sub("", fold((text or "")[: TEXT_CHARS * 2]))[:TEXT_CHARS]
    if squeezed_text == squeezed_title:
        squeezed_text = ""
    return Prepared(squeezed_title, squeezed_text, tuple(sorted(_NUMBER.findall(title_n))))


@dataclass(frozen=True)
class Score:
    total: float
    title: float
    text: float | None  # None when one of the two has no text of its own

    def __float__(self) -> float:
        return self.total


def score(a: Prepared, b: Prepared) -> Score:
    title = fuzz.ratio(a.title, b.title)
    same_numbers = a.numbers == b.numbers
    if not same_numbers:
        title *= 0.5
    if a.text and b.text:
        text = fuzz.ratio(a.text, b.text)
        total = (title + text) / 2
    else:
        text = None
        total = title
    if same_numbers:
        if a.title == b.title and len(a.title) >= MIN_TITLE:
            total = max(total, FLOOR)
        if text is not None and text >= SAME_TEXT and min(len(a.text), len(b.text)) >= MIN_TEXT:
            total = max(total, FLOOR)
    return Score(round(total, 1), round(title, 1), None if text is None else round(text, 1))


def similarity(title_a: str, text_a: str, title_b: str, text_b: str) -> float:
    """The score of two listings given as (title, text)."""
    return score(prepare(title_a, text_a), prepare(title_b, text_b)).total
