"""Near-duplicate listings: found through the search index, scored with RapidFuzz, flagged for admins
to merge or dismiss (webapp/dedupe/decisions.py).

A pair is stored once, newest id first (`listing_id` > `other_id`), whichever of the two was
submitted last; once an admin has decided a pair it is never suggested again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from rapidfuzz.distance import Levenshtein

from webapp.dedupe.similarity import THRESHOLD, prepare, score
from webapp.extensions import db
from webapp.listings.kinds import model_for
from webapp.listings.models import DuplicateCandidate, DuplicateStatus, ListingStatus, ListingTerm
from webapp.listings.text import idf, index_terms, tokens

QUERY_TERMS = 12  # the listing's strongest terms, looked up in the index
COMMON = 4_000  # a term in more listings than this is common: counted no further, used only if needed
POSTINGS_BUDGET = 12_000  # index rows the candidate query reads for rare terms, at most
MIN_TERMS = 2
TITLE_TERMS = 3  # title words looked up even when common
CANDIDATES = 50  # index hits re-scored with RapidFuzz
FLAG_LIMIT = 5  # candidates recorded per listing


def text_of(listing) -> str:
    return (listing.summary if listing.KIND == "a" else listing.description) or ""


def _text_column(model):
    return model.summary if model.KIND == "a" else model.description


def detail_url(listing) -> str:
    return f"/{listing.__tablename__}/{listing.id}"


# --- finding ----------------------------------------------------------------------------------


def _doc_freqs(kind: str, names: list[str]) -> dict[str, int]:
    """How many listings have each term, counted only up to COMMON: each count is an index range
    scan that stops there, so a term in half the library costs no more than a rare one."""
    counts = [
        sa.select(sa.literal(name).label("term"), sa.func.count().label("n")).select_from(
            sa.select(ListingTerm.listing_id)
            .where(ListingTerm.kind == kind, ListingTerm.term == name)
            .limit(COMMON)
            .subquery()
        )
        for name in names
    ]
    return {term: n for term, n in db.session.execute(sa.union_all(*counts)) if n}


def _index_candidates(listing) -> list[int]:
    """Ids of the listings sharing most of this listing's title words and rarest strong terms,
    best first. A repost keeps (most of) its title, so title words are always looked up, even
    common ones; other terms only while rare enough that the query stays cheap."""
    kind = listing.KIND
    model = model_for(kind)
    terms = {t[:40]: w for t, w in index_terms(listing.title, listing.keywords or [], text_of(listing)).items()}
    strongest = sorted(terms.items(), key=lambda tw: -tw[1])[:QUERY_TERMS]
    title_words = [t[:40] for t in dict.fromkeys(tokens(listing.title)) if t[:40] in terms]
    names = list(dict.fromkeys([*title_words, *(t for t, _ in strongest)]))
    if not names:
        return []
    doc_freq = _doc_freqs(kind, names)
    doc_count = max(db.session.scalar(sa.select(sa.func.max(model.id))) or 0, max(doc_freq.values(), default=0), 1)

    def rank(name: str) -> float:
        return terms[name] * idf(doc_count, doc_freq[name])

    present = [n for n in names if doc_freq.get(n)]
    title_present = sorted((n for n in title_words if doc_freq.get(n)), key=rank, reverse=True)
    chosen = [n for n in title_present if doc_freq[n] < COMMON]
    for name in title_present:  # common title words too, the strongest first, up to TITLE_TERMS in all
        if len(chosen) >= TITLE_TERMS:
            break
        if name not in chosen:
            chosen.append(name)
    postings = sum(min(doc_freq[n], COMMON) for n in chosen)
    for name in sorted((n for n in present if n not in chosen and doc_freq[n] < COMMON), key=rank, reverse=True):
        if postings + doc_freq[name] <= POSTINGS_BUDGET:
            chosen.append(name)
            postings += doc_freq[name]
    for name in sorted((n for n in present if n not in chosen), key=rank, reverse=True):
        if len(chosen) >= MIN_TERMS:
            break
        chosen.append(name)
    if not chosen:
        return []
    chosen = {name: idf(doc_count, doc_freq[name]) for name in chosen}
    relevance = sa.func.sum(ListingTerm.weight * sa.case(chosen, value=ListingTerm.term, else_=0.0))
    # Grouped by an expression, not the bare column: otherwise SQLite walks the (kind, listing_id)
    # index over every row of the kind to group without sorting, instead of seeking each term.
    listing_id = (ListingTerm.listing_id + 0).label("listing_id")
    query = (
        sa.select(listing_id)
        .where(ListingTerm.kind == kind, ListingTerm.term.in_(list(chosen)))
        .group_by(listing_id)
        .order_by(relevance.desc(), listing_id)
        .limit(CANDIDATES + 1)
    )
    if listing.id is not None:
        query = query.where(ListingTerm.listing_id != listing.id)
    return list(db.session.scalars(query))


def find_similar(listing, limit: int = 5, threshold: float = THRESHOLD) -> list[tuple[object, float]]:
    """Other listings of the same kind that look like the same posting, best first, with their
    0–100 score. Merged listings and drafts are never returned."""
    model = model_for(listing.KIND)
    ids = _index_candidates(listing)
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(model.id, model.title, _text_column(model)).where(
            model.id.in_(ids),
            model.id != (listing.id or 0),
            model.duplicate_of_id.is_(None),
            model.status != ListingStatus.DRAFT,
        )
    ).all()
    mine = prepare(listing.title, text_of(listing))
    scored = [(row.id, score(mine, prepare(row[1], row[2])).total) for row in rows]
    scored = sorted(((i, s) for i, s in scored if s >= threshold), key=lambda pair: (-pair[1], pair[0]))[:limit]
    if not scored:
        return []
    loaded = {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_([i for i, _ in scored])))}
    return [(loaded[i], s) for i, s in scored if i in loaded]


def pair_score(a, b) -> float:
    return score(prepare(a.title, text_of(a)), prepare(b.title, text_of(b))).total


# --- flagging ---------------------------------------------------------------------------------


def _pair(a_id: int, b_id: int) -> tuple[int, int]:
    return (a_id, b_id) if a_id > b_id else (b_id, a_id)


def involving(kind: str, listing_id: int):
    return sa.and_(
        DuplicateCandidate.kind == kind,
        sa.or_(DuplicateCandidate.listing_id == listing_id, DuplicateCandidate.other_id == listing_id),
    )


def _insert_new(rows: list[dict]) -> None:
    """Insert pairs, leaving any a concurrent request inserted first: the unique constraint decides."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the two databases the project runs on
        raise RuntimeError(f"unsupported database {dialect}")
    statement = insert(DuplicateCandidate).on_conflict_do_nothing(index_elements=["kind", "listing_id", "other_id"])
    db.session.execute(statement, rows)


def flag(listing, threshold: float = THRESHOLD) -> list[DuplicateCandidate]:
    """Record the listing's near-duplicates as open candidates; returns its open candidates.

    Idempotent: running it again changes nothing unless the texts changed. Pairs an admin has
    decided stay decided; open pairs that no longer look alike (the listing was edited) go away."""
    kind = listing.KIND
    if listing.id is None:
        db.session.flush()
    if listing.status is ListingStatus.DRAFT or listing.duplicate_of_id is not None:
        return []
    found = {other.id: s for other, s in find_similar(listing, limit=FLAG_LIMIT, threshold=threshold)}
    existing = {
        (c.listing_id, c.other_id): c
        for c in db.session.scalars(sa.select(DuplicateCandidate).where(involving(kind, listing.id)))
    }
    new_rows = []
    for other_id, s in found.items():
        pair = _pair(listing.id, other_id)
        row = existing.get(pair)
        if row is None:
            new_rows.append(
                {"kind": kind, "listing_id": pair[0], "other_id": pair[1], "score": s, "status": DuplicateStatus.OPEN}
            )
        elif row.status is DuplicateStatus.OPEN and row.score != s:
            row.score = s
    model = model_for(kind)
    for (newer_id, older_id), row in existing.items():
        other_id = older_id if newer_id == listing.id else newer_id
        if row.status is not DuplicateStatus.OPEN or other_id in found:
            continue
        other = db.session.get(model, other_id)
        s = pair_score(listing, other) if other is not None and other.duplicate_of_id is None else 0.0
        if s >= threshold:
            row.score = s
        else:
            db.session.delete(row)
    if new_rows:
        _insert_new(new_rows)
    db.session.flush()
    return list(
        db.session.scalars(
            sa.select(DuplicateCandidate)
            .where(involving(kind, listing.id), DuplicateCandidate.status == DuplicateStatus.OPEN)
            .order_by(DuplicateCandidate.score.desc())
        )
    )


def flag_many(kind: str, ids: Iterable[int], chunk: int = 500, threshold: float = THRESHOLD) -> int:
    """Flag listings in bulk (after an import); returns how many new open pairs were recorded.
    About 10 ms per listing: large imports should run it in the background (tasks.flag_listings)."""
    model = model_for(kind)

    def open_count() -> int:
        return (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(DuplicateCandidate)
                .where(DuplicateCandidate.kind == kind, DuplicateCandidate.status == DuplicateStatus.OPEN)
            )
            or 0
        )

    before = open_count()
    ids = list(ids)
    for start in range(0, len(ids), chunk):
        for listing in db.session.scalars(sa.select(model).where(model.id.in_(ids[start : start + chunk]))):
            flag(listing, threshold)
    return open_count() - before


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicate:
    """One open candidate seen from a listing: the other listing and the score."""

    candidate: DuplicateCandidate
    other: object

    @property
    def score(self) -> float:
        return self.candidate.score

    @property
    def url(self) -> str:
        return detail_url(self.other)


def candidates_for(listing, user=None) -> list[Duplicate]:
    """Open candidates of a listing, best first; with `user`, only listings that user may see."""
    if listing.id is None or listing.duplicate_of_id is not None:
        return []
    kind = listing.KIND
    rows = db.session.scalars(
        sa.select(DuplicateCandidate)
        .where(involving(kind, listing.id), DuplicateCandidate.status == DuplicateStatus.OPEN)
        .order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id)
    ).all()
    if not rows:
        return []
    model = model_for(kind)
    other_ids = [r.other_id if r.listing_id == listing.id else r.listing_id for r in rows]
    others = {o.id: o for o in db.session.scalars(sa.select(model).where(model.id.in_(other_ids)))}
    out = []
    for row, other_id in zip(rows, other_ids, strict=True):
        other = others.get(other_id)
        if other is None or other.duplicate_of_id is not None:
            continue
        if user is not None and not other.can_view(user):
            continue
        out.append(Duplicate(row, other))
    return out


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool


def diff_segments(a: str, b: str) -> tuple[list[Segment], list[Segment]]:
    """Both texts cut into runs, the runs that differ marked, for showing side by side."""
    left: list[Segment] = []
    right: list[Segment] = []
    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            left.append(Segment(a[op.src_start : op.src_end], False))
            right.append(Segment(b[op.dest_start : op.dest_end], False))
            continue
        if op.src_end > op.src_start:
            left.append(Segment(a[op.src_start : op.src_end], True))
        if op.dest_end > op.dest_start:
            right.append(Segment(b[op.dest_start : op.dest_end], True))
    return left, right


PREVIEW_CHARS = 160


@dataclass
class Side:
    listing: object
    title: list[Segment]
    text: list[Segment]
    more: bool  # the text goes on after the preview

    @property
    def url(self) -> str:
        return detail_url(self.listing)


@dataclass
class Pair:
    candidate: DuplicateCandidate
    older: Side
    newer: Side

    @property
    def kind(self) -> str:
        return self.candidate.kind


def _shown(text: str | None) -> str:
    """Text as people wrote it (Chinese punctuation kept), on one line."""
    return " ".join((text or "").split())


def _age(listing) -> tuple:
    """Older first: the date it was first posted (imports keep the source's), then creation."""
    return (listing.posted_on or listing.created_at.date(), listing.created_at, listing.id)


def older_newer(a, b) -> tuple[object, object]:
    return (a, b) if _age(a) <= _age(b) else (b, a)


def open_pairs_query(kind: str | None = None):
    query = sa.select(DuplicateCandidate).where(DuplicateCandidate.status == DuplicateStatus.OPEN)
    if kind in ("a", "n"):
        query = query.where(DuplicateCandidate.kind == kind)
    return query.order_by(DuplicateCandidate.score.desc(), DuplicateCandidate.id.desc())


def describe(candidates: list[DuplicateCandidate]) -> list[Pair]:
    """Pairs for the admin page: both listings, older first, titles and text starts with the
    differences marked."""
    wanted: dict[str, set[int]] = {}
    for c in candidates:
        wanted.setdefault(c.kind, set()).update((c.listing_id, c.other_id))
    loaded = {}
    for kind, ids in wanted.items():
        model = model_for(kind)
        loaded.update({(kind, o.id): o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)))})
    pairs = []
    for c in candidates:
        a, b = loaded.get((c.kind, c.listing_id)), loaded.get((c.kind, c.other_id))
        if a is None or b is None:
            continue
        older, newer = older_newer(a, b)
        old_text, new_text = _shown(text_of(older)), _shown(text_of(newer))
        old_title, new_title = diff_segments(_shown(older.title), _shown(newer.title))
        old_start, new_start = diff_segments(old_text[:PREVIEW_CHARS], new_text[:PREVIEW_CHARS])
        pairs.append(
            Pair(
                c,
                Side(older, old_title, old_start, len(old_text) > PREVIEW_CHARS),
                Side(newer, new_title, new_start, len(new_text) > PREVIEW_CHARS),
            )
        )
    return pairs
