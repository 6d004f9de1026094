"""The database facts the engine is fed with: the published listings as `Doc`s, the lexicon, the
brokers' rejections by pair of areas, and the live weights with the threshold they set.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask import g

from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching.index import Doc
from webapp.matching.scoring import DEFAULT_WEIGHTS, Weights
from webapp.matching.text import Lexicon

KEYWORD_TERMS_MAX = 12  # listing keywords up to this length become dictionary terms
WEIGHTS_KEY = "_match_weights"


# -- documents ------------------------------------------------------------------------------


def field_paths() -> dict[int, tuple[int, ...]]:
    from webapp.taxonomy.models import TechField

    parents = dict(db.session.execute(sa.select(TechField.id, TechField.parent_id)).all())
    paths: dict[int, tuple[int, ...]] = {}
    for field_id in parents:
        path, node, seen = [], field_id, set()
        while node is not None and node not in seen:
            seen.add(node)
            path.append(node)
            node = parents.get(node)
        paths[field_id] = tuple(reversed(path))
    return paths


def achievement_doc(row, paths: dict[int, tuple[int, ...]]) -> Doc:
    return Doc(
        id=row.id,
        title=row.title,
        keywords=tuple(row.keywords or ()),
        body="\n".join(x for x in (row.summary, row.scenarios) if x),
        field_path=paths.get(row.field_id, ()) if row.field_id else (),
        maturity=row.maturity.rank if row.maturity else None,
        money_min=row.price_min,
        money_max=row.price_max,
        coop_mask=row.coop_mask or 0,
        org=row.institution_name or "",
    )


def need_doc(row, paths: dict[int, tuple[int, ...]]) -> Doc:
    return Doc(
        id=row.id,
        title=row.title,
        keywords=tuple(row.keywords or ()),
        body="\n".join(x for x in (row.description, row.indicators) if x),
        field_path=paths.get(row.field_id, ()) if row.field_id else (),
        maturity=row.expected_maturity.rank if row.expected_maturity else None,
        money_min=row.budget_min,
        money_max=row.budget_max,
        coop_mask=row.coop_mask or 0,
        org=row.organisation_name or "",
    )


def models():
    from webapp.achievements.models import Achievement
    from webapp.needs.models import Need

    return Achievement, Need


def _columns(model):
    Achievement, _ = models()
    names = ["id", "title", "keywords", "field_id", "coop_mask"]
    if model is Achievement:
        names += ["summary", "scenarios", "maturity", "price_min", "price_max", "institution_name"]
    else:
        names += ["description", "indicators", "expected_maturity", "budget_min", "budget_max", "organisation_name"]
    return [getattr(model, n) for n in names]


def listing_docs(model, *conditions, stamps: dict[int, int] | None = None) -> list[Doc]:
    """The published listings as the engine reads them; `stamps` receives each one's version."""
    Achievement, _ = models()
    paths = field_paths()
    make = achievement_doc if model is Achievement else need_doc
    rows = db.session.execute(
        sa.select(*_columns(model), model.updated_at)
        .where(model.status == ListingStatus.PUBLISHED, *conditions)
        .order_by(model.id)
    )
    docs = []
    for row in rows:
        docs.append(make(row, paths))
        if stamps is not None:
            stamps[row.id] = stamp(row.updated_at)
    return docs


def stamp(moment: datetime | None) -> int:
    """A listing's version: its `updated_at` in microseconds."""
    return round(moment.timestamp() * 1_000_000) if moment is not None else 0


# -- lexicon --------------------------------------------------------------------------------


class AdminEntries(NamedTuple):
    """The lexicon admins edit (`LexiconEntry`), sorted: the same entries compare and hash equal, so
    they can key a cache that an admin's edit makes stale."""

    terms: tuple[str, ...]
    stopwords: tuple[str, ...]
    synonyms: tuple[tuple[str, str], ...]  # (word, the canonical term it is read as)


def admin_entries() -> AdminEntries:
    """The admins' terms, stop words and synonyms, read with one query of that table alone."""
    from webapp.matching.models import LexiconEntry, LexiconKind

    terms: set[str] = set()
    stopwords: set[str] = set()
    synonyms: dict[str, str] = {}
    for kind, word, canonical in db.session.execute(
        sa.select(LexiconEntry.kind, LexiconEntry.word, LexiconEntry.canonical)
    ):
        if kind is LexiconKind.TERM:
            terms.add(word)
        elif kind is LexiconKind.STOPWORD:
            stopwords.add(word)
        elif canonical:
            synonyms[word] = canonical
    return AdminEntries(tuple(sorted(terms)), tuple(sorted(stopwords)), tuple(sorted(synonyms.items())))


def current_lexicon() -> Lexicon:
    """The admins' entries, plus the taxonomy's field names and the listings' keywords as terms, and
    the grammar words no text is matched on (的, 以及, 所述 …, the search's own list)."""
    from webapp.listings.text import STOPWORDS as GRAMMAR_WORDS
    from webapp.taxonomy.models import TechField

    Achievement, Need = models()
    entries = admin_entries()
    terms: list[str] = list(entries.terms)
    for name, aliases in db.session.execute(sa.select(TechField.name, TechField.aliases)):
        terms.append(name)
        terms.extend(aliases or ())
    for model in (Achievement, Need):
        for (keywords,) in db.session.execute(sa.select(model.keywords).where(model.status == ListingStatus.PUBLISHED)):
            terms.extend(k for k in keywords or () if isinstance(k, str) and len(k) <= KEYWORD_TERMS_MAX)
    return Lexicon.build(terms=terms, stopwords=[*GRAMMAR_WORDS, *entries.stopwords], synonyms=dict(entries.synonyms))


# -- the refusals (brokers' and parties'), the weights and the threshold -------------------------------------


def refused_pairs() -> sa.Subquery:
    """Every pair someone turned down, with the reason (need_id, achievement_id, reason): the
    brokers' rejections of suggestions and the parties' declines of an introduction. A party who
    declines teaches the matching what a broker's rejection teaches."""
    from webapp.matching.models import Introduction, Suggestion, SuggestionStatus

    rejected = sa.select(
        Suggestion.need_id.label("need_id"),
        Suggestion.achievement_id.label("achievement_id"),
        Suggestion.reason.label("reason"),
    ).where(Suggestion.status == SuggestionStatus.REJECTED)
    declined = (
        sa.select(Suggestion.need_id, Suggestion.achievement_id, Introduction.decline_reason)
        .join(Introduction, Introduction.suggestion_id == Suggestion.id)
        .where(Introduction.decline_reason.is_not(None))
    )
    return sa.union_all(rejected, declined).subquery("refused")


def field_pair_penalties() -> dict[tuple[int, int], float]:
    """Repeated 领域不符 for a pair of areas (need's top field, achievement's top field), from brokers
    or from the parties, lowers that pairing: 3 points per refusal (`scoring.adjustments` caps them at
    HISTORY_MOST)."""
    from webapp.matching.models import RejectReason

    Achievement, Need = models()
    refused = refused_pairs()
    rows = db.session.execute(
        sa.select(Need.field_id, Achievement.field_id)
        .select_from(refused)
        .join(Need, Need.id == refused.c.need_id)
        .join(Achievement, Achievement.id == refused.c.achievement_id)
        .where(
            refused.c.reason == RejectReason.FIELD,
            Need.field_id.is_not(None),
            Achievement.field_id.is_not(None),
        )
    ).all()
    if not rows:
        return {}
    paths = field_paths()
    counts = Counter((paths[n][0], paths[a][0]) for n, a in rows if n in paths and a in paths)
    return {pair: 3.0 * count for pair, count in counts.items()}


def weights() -> Weights:
    """The live weights: the set `flask --app wsgi match fit --activate` made active, else the fitted
    defaults of the code. Read once per application context (a request, a task, a command)."""
    from webapp.matching.models import MatchWeights

    found = g.get(WEIGHTS_KEY)
    if found is None:
        stored = db.session.scalar(sa.select(MatchWeights.weights).where(MatchWeights.active.is_(True)))
        found = Weights.from_dict(stored) if stored else DEFAULT_WEIGHTS
        setattr(g, WEIGHTS_KEY, found)
    return found


def threshold() -> float:
    """The lowest score worth suggesting: the live weights' lowest band (`Weights.floor`). Nothing
    below it is stored as a suggestion or shown in the broker's queue."""
    return weights().floor
