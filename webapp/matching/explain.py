"""A suggestion's score in words for the broker: each part of the score with what it rests on
(领域相同 +5, 成熟度低于需求 −10, 预算低于报价 …), and the words to mark in both texts."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from webapp.core.formatting import join_list
from webapp.core.money import format_money_range
from webapp.extensions import db
from webapp.matching import sources

# The parts of a score, in the order they are shown, with their short labels.
PART_LABELS = {
    "chars": _l("Shared wording"),
    "keywords": _l("Keywords"),
    "title": _l("Title"),
    "fuzzy": _l("Text similarity"),
    "related": _l("Like its closest matches"),
    "field": _l("Field"),
    "maturity": _l("Maturity"),
    "budget": _l("Budget"),
    "mode": _l("Cooperation mode"),
    "history": _l("Past decisions"),
}


# The confidence bands, best first, with what each has meant on pairs judged by reading (the share a
# broker would look at: `python -m bench match_relevance` measures it; README "Matching").
BAND_LABELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}
BAND_MEANINGS = {
    "high": _l("About three in ten such suggestions were worth a look on pairs judged by reading."),
    "medium": _l("About one in ten such suggestions was worth a look on pairs judged by reading."),
    "low": _l(
        "Shares some technical wording only: rarely worth a look on pairs judged by reading (about one in seventy)."
    ),
}


def band_of(score: float) -> str | None:
    """The confidence band of a score under the live weights (None: below every band)."""
    return sources.weights().band(float(score or 0))


def band_label(band: str | None) -> str:
    return str(BAND_LABELS[band]) if band in BAND_LABELS else "—"


def part_label(name: str) -> str:
    label = PART_LABELS.get(name)
    return str(label) if label is not None else name


def ordered_parts(parts: dict | None) -> list[tuple[str, str, float]]:
    """(name, label, value) of each part, known parts first in their order, then any others."""
    parts = parts or {}
    names = [n for n in PART_LABELS if n in parts] + sorted(n for n in parts if n not in PART_LABELS)
    return [(n, part_label(n), float(parts[n] or 0)) for n in names]


def signed(value: float) -> str:
    """+5, −10 (a true minus sign), 0; one decimal only where it matters."""
    rounded = round(float(value or 0), 1)
    text = f"{abs(rounded):.1f}".removesuffix(".0")
    if rounded > 0:
        return f"+{text}"
    if rounded < 0:
        return f"\u2212{text}"
    return "0"


@dataclass(frozen=True)
class Reason:
    part: str
    label: str
    text: str
    value: float

    @property
    def signed(self) -> str:
        return signed(self.value)

    @property
    def tone(self) -> str:
        return "plus" if self.value > 0 else ("minus" if self.value < 0 else "zero")


def _root(field):
    while field is not None and field.parent is not None:
        field = field.parent
    return field


def _field_text(need, achievement) -> str:
    if need.field is None or achievement.field is None:
        return _("Technical field not given on one side")
    if need.field_id == achievement.field_id:
        return _("Same technical field (%(field)s)", field=need.field.label)
    if _root(need.field) is _root(achievement.field):
        return _(
            "Related technical fields (%(need)s / %(achievement)s)",
            need=need.field.label,
            achievement=achievement.field.label,
        )
    return _(
        "Different technical fields (%(need)s / %(achievement)s)",
        need=need.field.label,
        achievement=achievement.field.label,
    )


def _maturity_text(need, achievement) -> str:
    wanted, offered = need.expected_maturity, achievement.maturity
    if wanted is None or offered is None:
        return _("Maturity not given on one side")
    if offered.rank < wanted.rank:
        return _(
            "Less mature than the need asks (%(offered)s, needed %(wanted)s)",
            offered=offered.label,
            wanted=wanted.label,
        )
    return _("Mature enough for the need (%(offered)s)", offered=offered.label)


def _budget_text(need, achievement) -> str:

    if need.budget_min is None or achievement.price_min is None:
        return _("Budget or price negotiable")
    budget = format_money_range(need.budget_min, need.budget_max)
    price = format_money_range(achievement.price_min, achievement.price_max)
    if need.budget_max < achievement.price_min:
        return _("Budget below the price (%(budget)s for %(price)s)", budget=budget, price=price)
    if need.budget_min > achievement.price_max:
        return _("Budget above the price (%(budget)s for %(price)s)", budget=budget, price=price)
    return _("Budget fits the price (%(budget)s for %(price)s)", budget=budget, price=price)


def _mode_text(need, achievement) -> str:
    if not need.coop_mask or not achievement.coop_mask:
        return _("Cooperation mode not given on one side")
    common = [m.label for m in achievement.coop_modes if need.coop_mask & m.bit]
    if common:
        return _("Cooperation modes in common: %(modes)s", modes=join_list(common))
    return _("No cooperation mode in common")


def _plain_text(part: str, value: float, terms: list[str]) -> str:
    shown = join_list(terms[:5])
    if part == "keywords":
        return _("Keywords in common: %(terms)s", terms=shown) if value and shown else _("No keywords in common")
    if part == "title":
        return _("Similar titles") if value else _("Titles not alike")
    if part == "fuzzy":
        return _("Similar descriptions") if value else _("Descriptions not alike")
    if part == "related":
        return (
            _("Worded like the achievements that match the need best")
            if value
            else _("Worded unlike the achievements that match the need best")
        )
    if part == "history":
        if value < 0:
            return _("Brokers rejected similar pairs before")
        if value > 0:
            return _("Brokers accepted similar pairs before")
        return _("No earlier decisions on similar pairs")
    return part_label(part)


def explain(suggestion) -> list[Reason]:
    """Each part of the score with the facts behind it, in display order."""
    need, achievement = suggestion.need, suggestion.achievement
    facts = {"field": _field_text, "maturity": _maturity_text, "budget": _budget_text, "mode": _mode_text}
    terms = list(suggestion.terms or [])
    out = []
    for name, label, value in ordered_parts(suggestion.parts):
        text = facts[name](need, achievement) if name in facts else _plain_text(name, value, terms)
        out.append(Reason(name, label, text, value))
    return out


def highlight_terms(terms: list[str]) -> list[str]:
    """The shared terms plus the words that stand for them (锂电 for 锂离子电池), so a term read
    through a synonym is marked where the text actually says it."""
    from webapp.matching.models import LexiconEntry, LexiconKind
    from webapp.matching.text import DEFAULT_SYNONYMS

    wanted = {t for t in terms if t}
    synonyms = dict(DEFAULT_SYNONYMS)
    synonyms.update(
        db.session.execute(
            sa.select(LexiconEntry.word, LexiconEntry.canonical).where(LexiconEntry.kind == LexiconKind.SYNONYM)
        ).all()
    )
    extra = {word for word, canonical in synonyms.items() if canonical in wanted}
    return [*terms, *sorted(extra - wanted)]
