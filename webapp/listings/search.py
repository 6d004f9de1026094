"""Full-text search and browsing over both libraries, on the `listing_terms` index.

The query is segmented like the listings were (`text.tokens`), plus the whole query and its
comma-separated parts as terms, so 锂电池 reaches 锂离子电池组 through 电池 while an exact keyword
hit still counts. A listing's score is Σ weight × idf over the query terms it has; the index
already weights title terms ×3 and keywords ×2, so title hits rank first.

Scores are summed as integers (weight and idf each scaled by 1000 and rounded) so SQLite and
PostgreSQL rank ties identically: floating-point sums depend on the order rows are added in.

Lists without a query are paged by a cursor on the sort key and the id (keyset pagination), which
costs the same on page 500 as on page 1 and never repeats or skips a listing when new ones are
published meanwhile; search results, which are scored as a whole anyway, are paged by number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from markupsafe import Markup, escape

from webapp.core import clock
from webapp.core.text import fold, normalise, tidy
from webapp.extensions import db
from webapp.listings.kinds import model_for
from webapp.listings.models import CoopMode, ListingStatus, ListingTerm, Maturity
from webapp.listings.paging import date_column, decode_cursor, encode_cursor, sort_key
from webapp.listings.text import idf, split_list, tokens

PER_PAGE = 20
SCALE = 1000  # fixed-point factor for weights and idf
MAX_QUERY_TERMS = 30
SORTS = ("relevance", "newest", "price_asc", "price_desc")


@dataclass
class Criteria:
    """What a list shows. Amounts in 元; dates are Beijing days, both ends included."""

    q: str = ""
    field_id: int | None = None
    maturity: Maturity | None = None
    coop: CoopMode | None = None
    org: str = ""
    money_min: int | None = None
    money_max: int | None = None
    posted_from: date | None = None
    posted_to: date | None = None
    statuses: frozenset[ListingStatus] = frozenset({ListingStatus.PUBLISHED})
    owner_id: int | None = None
    sort: str = ""  # "" = relevance with a query, newest without

    @property
    def effective_sort(self) -> str:
        if self.sort == "relevance" and not self.q.strip():
            return "newest"
        if self.sort in SORTS:
            return self.sort
        return "relevance" if self.q.strip() else "newest"

    @property
    def public_only(self) -> bool:
        return self.statuses == frozenset({ListingStatus.PUBLISHED})


@dataclass
class Results:
    items: list
    total: int
    terms: list[str]  # to highlight
    sort: str
    numbered: bool = False  # search results are paged by number, lists by cursor
    page: int = 1
    pages: int = 1
    next_cursor: str | None = None
    prev_cursor: str | None = None
    scores: dict[int, float] = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Query terms and scores


def query_terms(q: str | None) -> list[str]:
    """Segmented words, then the comma-separated parts and the whole query, as index terms."""
    q = fold(q)
    if not q:
        return []
    terms = dict.fromkeys(tokens(q))
    for part in [*split_list(q), q]:
        if 2 <= len(part) <= 40:
            terms.setdefault(part.lower(), None)
    return list(terms)[:MAX_QUERY_TERMS]


def term_idf(kind: str, terms: Sequence[str]) -> dict[str, int]:
    """Scaled idf of each term that occurs in the index (absent terms are left out)."""
    if not terms:
        return {}
    freqs = dict(
        db.session.execute(
            sa.select(ListingTerm.term, sa.func.count())
            .where(ListingTerm.kind == kind, ListingTerm.term.in_(terms))
            .group_by(ListingTerm.term)
        ).all()
    )
    if not freqs:
        return {}
    model = model_for(kind)
    docs = db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 1
    return {t: max(1, round(idf(docs, freqs[t]) * SCALE)) for t in terms if t in freqs}


def score_column(idfs: dict[str, int]):
    """Σ round(weight × 1000) × idf₁₀₀₀ over the matched terms: integer arithmetic on both databases."""
    weight = sa.cast(sa.func.round(ListingTerm.weight * SCALE), sa.BigInteger)
    return sa.func.sum(weight * sa.case(idfs, value=ListingTerm.term, else_=0)).label("score")


def title_hits(model, q: str):
    """How many of the query's words (as typed, split on commas and spaces) the title contains:
    the first sort key of search results, so a title holding what was asked for comes first even
    when another listing carries the same word as an explicit keyword."""
    parts = [p.lower() for p in split_list(normalise(q))][:5] or [fold(q)]
    title = sa.func.lower(model.title)
    return sum((sa.case((title.contains(p, autoescape=True), 1), else_=0) for p in parts), sa.literal(0)).label(
        "title_hits"
    )


def rank(kind: str, text: str, *, limit: int = 200, where: Iterable = ()) -> list[tuple[int, float]]:
    """Best published listings for a text, as (id, score); for the matching engine's candidate lists."""
    model = model_for(kind)
    idfs = term_idf(kind, query_terms(text))
    if not idfs:
        return []
    scored = scored_postings(kind, idfs)
    stmt = (
        sa.select(model.id, scored.c.score)
        .join(scored, scored.c.id == model.id)
        .where(model.status == ListingStatus.PUBLISHED, *where)
        .order_by(scored.c.score.desc(), model.id.desc())
        .limit(limit)
    )
    return [(row.id, int(row.score) / SCALE / SCALE) for row in db.session.execute(stmt)]


def scored_postings(kind: str, idfs: dict[str, int]):
    """(id, score) of every listing holding a query term, summed on the index alone before any join."""
    return (
        sa.select(ListingTerm.listing_id.label("id"), score_column(idfs))
        .where(ListingTerm.kind == kind, ListingTerm.term.in_(list(idfs)))
        .group_by(ListingTerm.listing_id)
        .subquery()
    )


# --------------------------------------------------------------------------------------------
# Filters


def field_ids(field_id: int) -> list[int]:
    """The field and everything under it."""
    from webapp.taxonomy.models import TechField

    rows = db.session.execute(sa.select(TechField.id, TechField.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for fid, parent in rows:
        children.setdefault(parent, []).append(fid)
    found, todo = [], [field_id]
    while todo:
        fid = todo.pop()
        if fid in found:
            continue
        found.append(fid)
        todo.extend(children.get(fid, []))
    return found


def contains(column, text: str):
    """Substring match that ignores Latin case on both databases (LIKE does on SQLite only)."""
    return sa.func.lower(column).contains(text.lower(), autoescape=True)


def sees_all_identities(viewer) -> bool:
    from webapp.accounts.models import Role

    return bool(viewer is not None and viewer.is_authenticated and viewer.role in (Role.BROKER, Role.ADMIN))


def conditions(model, criteria: Criteria, viewer=None) -> list:
    from webapp.accounts.models import Organisation

    kind = model.KIND
    statuses = sorted(criteria.statuses, key=lambda s: s.value)
    # One status as an equality, so the (status, published_at, id) index serves the order too.
    where = [model.status == statuses[0] if len(statuses) == 1 else model.status.in_(statuses)]
    if criteria.owner_id is not None:
        where.append(model.owner_id == criteria.owner_id)
    if criteria.field_id is not None:
        where.append(model.field_id.in_(field_ids(criteria.field_id)))
    if criteria.maturity is not None:
        where.append((model.maturity if kind == "a" else model.expected_maturity) == criteria.maturity)
    if criteria.coop is not None:
        where.append(model.coop_mask.op("&")(criteria.coop.bit) != 0)
    org = normalise(criteria.org)
    if org:
        named = sa.or_(
            model.organisation_id.in_(sa.select(Organisation.id).where(contains(Organisation.name, org))),
            contains(model.institution_name if kind == "a" else model.organisation_name, org),
        )
        if kind == "n" and not sees_all_identities(viewer):
            # Matching a hidden organisation would tell who posted a de-identified need.
            mine = model.owner_id == viewer.id if viewer is not None and viewer.is_authenticated else sa.false()
            named = sa.and_(named, sa.or_(model.show_identity.is_(True), mine))
        where.append(named)
    low_col, high_col = (model.price_min, model.price_max) if kind == "a" else (model.budget_min, model.budget_max)
    if criteria.money_min is not None:  # ranges overlap; 面议 (no figure) never matches a range
        where.append(high_col >= criteria.money_min)
    if criteria.money_max is not None:
        where.append(low_col <= criteria.money_max)
    when = date_column(model, criteria)
    if criteria.posted_from is not None:
        where.append(when >= clock.day_start(criteria.posted_from))  # posting dates are the district's days
    if criteria.posted_to is not None:
        where.append(when < clock.day_start(criteria.posted_to + timedelta(days=1)))
    return where


# --------------------------------------------------------------------------------------------
# The search


def search(
    kind: str,
    criteria: Criteria,
    viewer=None,
    *,
    after: str | None = None,
    before: str | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Results:
    model = model_for(kind)
    where = conditions(model, criteria, viewer)
    sort = criteria.effective_sort
    if criteria.q.strip():
        return _search_text(model, criteria, where, sort, page, per_page)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0
    return _list_keyset(model, criteria, where, sort, total, after, before, per_page)


def _load(model, ids: list[int]) -> list:
    """The listings with these ids, in this order. Pages are chosen on narrow rows (ids and sort
    keys) and loaded afterwards: sorting whole rows, long texts included, costs several times more."""
    if not ids:
        return []
    found = {item.id: item for item in db.session.scalars(sa.select(model).where(model.id.in_(ids))).unique()}
    return [found[i] for i in ids if i in found]


def _list_keyset(model, criteria, where, sort, total, after, before, per_page) -> Results:
    key, descending = sort_key(model, criteria)
    order = [key.desc(), model.id.desc()] if descending else [key.asc(), model.id.asc()]
    stmt = sa.select(model.id, key.label("key")).where(*where)
    backwards = False
    position = decode_cursor(after, sort) or decode_cursor(before, sort)
    if position is not None:
        backwards = decode_cursor(after, sort) is None
        value, listing_id = position
        mark = sa.tuple_(key, model.id)
        other = sa.tuple_(sa.bindparam(None, value, type_=key.type), sa.bindparam(None, listing_id, type_=sa.Integer))
        forward_cmp = (mark < other) if descending else (mark > other)
        backward_cmp = (mark > other) if descending else (mark < other)
        stmt = stmt.where(backward_cmp if backwards else forward_cmp)
    if backwards:
        order = [key.asc(), model.id.asc()] if descending else [key.desc(), model.id.desc()]
    rows = db.session.execute(stmt.order_by(*order).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    results = Results(items=_load(model, [r.id for r in rows]), total=total, terms=[], sort=sort)
    if rows:
        first, last = rows[0], rows[-1]
        has_next = (not backwards and more) or (backwards and position is not None)
        has_prev = (backwards and more) or (not backwards and position is not None)
        if has_next:
            results.next_cursor = encode_cursor(sort, last.key, last.id)
        if has_prev:
            results.prev_cursor = encode_cursor(sort, first.key, first.id)
    return results


def _search_text(model, criteria, where, sort, page, per_page) -> Results:
    kind = model.KIND
    terms = query_terms(criteria.q)
    idfs = term_idf(kind, terms)
    if idfs:
        if db.session.get_bind().dialect.name == "postgresql":
            # PostgreSQL hash-joins the postings to the filtered listings, then sums: with filters
            # this is about twice as fast as summing first. SQLite would walk every listing and
            # probe the index for each, so there the postings are summed first (same results).
            ranked = (
                sa.select(model.id, score_column(idfs), title_hits(model, criteria.q))
                .join(ListingTerm, sa.and_(ListingTerm.listing_id == model.id, ListingTerm.kind == kind))
                .where(ListingTerm.term.in_(list(idfs)), *where)
                .group_by(model.id)
            )
        else:
            scored = scored_postings(kind, idfs)
            ranked = (
                sa.select(model.id, scored.c.score, title_hits(model, criteria.q))
                .join(scored, scored.c.id == model.id)
                .where(*where)
            )
        highlight_terms = [t for t in terms if t in idfs]
    else:
        # Nothing in the index (a single character, a stopword): a plain substring of the title.
        q = normalise(criteria.q)
        ranked = sa.select(model.id, sa.literal(0).label("score"), sa.literal(0).label("title_hits")).where(
            contains(model.title, q), *where
        )
        highlight_terms = [q]
        if sort == "relevance":
            sort = "newest"
    key, descending = sort_key(model, criteria)
    if sort == "relevance":
        order = [sa.desc("title_hits"), sa.desc("score"), date_column(model, criteria).desc(), model.id.desc()]
    else:
        order = [key.desc(), model.id.desc()] if descending else [key.asc(), model.id.asc()]
    page = max(1, page)
    ranked = ranked.add_columns(sa.func.count().over().label("total")).order_by(*order)
    rows = db.session.execute(ranked.limit(per_page).offset((page - 1) * per_page)).all()
    if rows:
        total = rows[0].total
    else:  # past the end (or nothing at all): count, and show the last page
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ranked.subquery())) or 0
        if total and page > 1:
            page = -(-total // per_page)
            rows = db.session.execute(ranked.limit(per_page).offset((page - 1) * per_page)).all()
    return Results(
        items=_load(model, [r.id for r in rows]),
        total=total,
        terms=highlight_terms,
        sort=sort,
        numbered=True,
        page=page,
        pages=max(1, -(-total // per_page)),
        scores={r.id: int(r.score or 0) / SCALE / SCALE for r in rows},
    )


def all_matching(kind: str, criteria: Criteria, viewer=None, *, limit: int) -> list:
    """Every listing of the current list in its order, at most `limit` (for exports)."""
    model = model_for(kind)
    where = conditions(model, criteria, viewer)
    if criteria.q.strip():
        return _search_text(model, criteria, where, criteria.effective_sort, 1, limit).items
    return _list_keyset(model, criteria, where, criteria.effective_sort, 0, None, None, limit).items


# --------------------------------------------------------------------------------------------
# Highlighting


def _pattern(terms: Iterable[str]) -> re.Pattern | None:
    words = sorted({t for t in terms if t and t.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def _hits(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Where the terms occur in the text as typed, as (start, end) in the text. Terms are normalised
    (half-width, lower case), so the text is folded character by character the same way and each
    hit is mapped back: "ＬＥＤ（驱动）" shows as typed, with ＬＥＤ marked for the term "led"."""
    pattern = _pattern(terms)
    if pattern is None or not text:
        return []
    folded, origin = [], []
    for index, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char)
        folded.append(piece)
        origin.extend([index] * len(piece))
    return [
        (origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer("".join(folded)) if m.end() > m.start()
    ]


def highlight(text: str | None, terms: Iterable[str]) -> Markup:
    """The text escaped, with each hit wrapped in <mark>. Every piece is escaped on its own, so a hit
    never lands inside an HTML entity."""
    text = text or ""
    out, last = [], 0
    for start, end in _hits(text, terms):
        if start < last:
            continue
        out.append(escape(text[last:start]))
        out.append(Markup("<mark>%s</mark>") % text[start:end])
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def snippet(text: str | None, terms: Iterable[str], width: int = 140) -> Markup:
    """About `width` characters of the text as typed, around the first hit (or the start), highlighted."""
    text = tidy(text)
    terms = list(terms)
    hits = _hits(text, terms)
    start = 0
    if hits and hits[0][1] > width:
        start = max(0, hits[0][0] - width // 4)
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return escape(prefix) + highlight(piece, terms) + escape(suffix)
