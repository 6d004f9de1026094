"""Following technical fields and keywords: when a need or a challenge is published, everyone who
follows its field (or the field above it) or a keyword found in its text hears of it, as they chose
for the category "subscriptions" (at once, in a digest, in the app only, or not). create_app calls
register().

Keywords are matched on the terms of the matching pipeline (`webapp.matching.text`: segmented with
the technical dictionary, synonyms read as their canonical term), each followed keyword added to
the dictionary so that it is cut as one word: 真空压铸 finds 真空压铸工艺 but 压铸 does not find 铸造.
The dictionary is the built-in one with the lexicon admins edit on top (their terms, stop words and
synonyms, `matching.sources.admin_entries`): an admin's 钠电 → 钠离子电池 makes a need saying 钠电
reach the followers of 钠离子电池. A followed keyword is never a stop word for its followers.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import sqlalchemy as sa

from webapp.extensions import db
from webapp.subscriptions.models import Subscription

if TYPE_CHECKING:
    from webapp.matching.sources import AdminEntries


@lru_cache(maxsize=4)
def _analyser(keywords: frozenset[str], entries: AdminEntries):
    """One segmenter for a set of keywords and the admins' entries (a bulk publication builds it once;
    an admin's edit changes `entries`, so the next listing is cut with a new one). A followed keyword
    is never a stop word here: whoever follows 设计 asked for it."""
    from webapp.core.text import fold
    from webapp.matching.text import Analyser, Lexicon

    base = Lexicon.default(stopwords=entries.stopwords, synonyms=dict(entries.synonyms))
    followed = {fold(keyword).replace(" ", "") for keyword in keywords}
    return Analyser(
        Lexicon.build(terms=[*keywords, *entries.terms], stopwords=base.stopwords - followed, synonyms=base.synonyms)
    )


def keyword_hits(text: str, keywords: list[str], entries: AdminEntries | None = None) -> set[str]:
    """The keywords whose every term is among the text's terms (`entries`: the admins' lexicon, when
    the caller has read it already)."""
    from webapp.matching.sources import admin_entries

    if not keywords:
        return set()
    analyser = _analyser(frozenset(keywords), entries if entries is not None else admin_entries())
    terms = set(analyser.tokens(text))
    hits = set()
    for keyword in keywords:
        parts = analyser.tokens(keyword)
        # The keyword is in the dictionary, so its longest term is the keyword itself: it must be
        # found as that word, not as its parts apart (真空泵……压铸 is no 真空压铸).
        if parts and max(parts, key=len) in terms and set(parts) <= terms:
            hits.add(keyword)
    return hits


@dataclass(frozen=True)
class Topic:
    """What a follower follows that a listing is about: a field (or the field above it) or a keyword."""

    name: str
    field_id: int | None = None

    def search_args(self) -> dict[str, str]:
        """The needs library's search for this topic."""
        return {"field": str(self.field_id)} if self.field_id is not None else {"q": self.name}


class Following:
    """Who follows what, read once: for one listing, or for the many listings of an import. `fields`:
    read the followers of these fields (and those above them) only, for one listing's field."""

    def __init__(self, fields: list[int] | None = None) -> None:
        from webapp.matching.sources import admin_entries
        from webapp.taxonomy.models import TechField

        self.parent_of: dict[int, int | None] = dict(
            db.session.execute(sa.select(TechField.id, TechField.parent_id)).all()
        )
        followed = sa.select(Subscription).where(Subscription.field_id.is_not(None)).order_by(Subscription.id)
        if fields is not None:
            ids = {*fields, *(self.parent_of.get(fid) for fid in fields)} - {None}
            followed = followed.where(Subscription.field_id.in_(ids))
        self.by_field: dict[int, list[tuple[int, Topic]]] = {}
        for sub in db.session.scalars(followed):
            self.by_field.setdefault(sub.field_id, []).append((sub.user_id, Topic(sub.field.name, sub.field_id)))
        self.keywords: list[tuple[int, str]] = list(
            db.session.execute(
                sa.select(Subscription.user_id, Subscription.keyword)
                .where(Subscription.keyword.is_not(None))
                .order_by(Subscription.id)
            ).all()
        )
        self.words = sorted({keyword for _user, keyword in self.keywords})
        self.entries = admin_entries() if self.words else None

    def of(self, *, field_id: int | None, text: str) -> dict[int, Topic]:
        """Who follows this field (or the field above it) or a keyword in this text, each with the
        first topic that matched (shown in the notification)."""
        found: dict[int, Topic] = {}
        if field_id is not None:
            parent = self.parent_of.get(field_id)
            for fid in (field_id, parent) if parent else (field_id,):
                for user_id, topic in self.by_field.get(fid, ()):
                    found.setdefault(user_id, topic)
        hits = keyword_hits(text, self.words, self.entries)
        for user_id, keyword in self.keywords:
            if keyword in hits:
                found.setdefault(user_id, Topic(keyword))
        return found


def followers(*, field_id: int | None, text: str) -> dict[int, str]:
    """Who follows this field (or the field above it) or a keyword in this text, each with the first
    topic that matched."""
    following = Following(fields=[field_id] if field_id is not None else [])
    return {user_id: topic.name for user_id, topic in following.of(field_id=field_id, text=text).items()}


def need_text(need) -> str:
    """The words of a need its followers' keywords are looked for in."""
    return "\n".join([need.title, need.description or "", need.indicators or "", *(need.keywords or [])])


def announce(kind: str, *, title: str, link: str, field_id: int | None, text: str, skip: set[int]) -> int:
    """Notify the followers of a newly published listing once (a listing published again after an
    edit is not news); returns how many were told."""
    told = 0
    for user_id, topic in followers(field_id=field_id, text=text).items():
        if user_id not in skip and _tell_once(user_id, kind, link=link, title=title, topic=topic):
            told += 1
    return told


def _tell_once(user_id: int, kind: str, *, link: str, **params) -> bool:
    """Notify an active person of this kind and link unless they were already; whether they were now."""
    from webapp.accounts.models import User
    from webapp.notifications.models import Notification
    from webapp.notifications.services import notify

    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return False
    already = db.session.scalar(
        sa.select(Notification.id).where(
            Notification.user_id == user_id, Notification.kind == kind, Notification.link == link
        )
    )
    return already is None and notify(user, kind, link=link, **params) is not None


# An import's needs posted longer ago than this before it are a back catalogue loaded, not news.
IMPORT_NEWS_DAYS = 30


def announce_imported(ids: list[int]) -> int:
    """The needs an import published at once (`ids`, one run of it) reach their followers as one
    notification each — how many are on a topic they follow, the newest by name, and the needs
    library searched for that topic since the first of them was posted — not one per need: a list
    of 1,800 rows must not bury anyone (a person only one of them concerns hears of it as of a need
    published on its own). Needs posted more than IMPORT_NEWS_DAYS before the import
    (as the import ran: the task follows it) are not announced. Run twice for the same needs (a task
    delivered again), it tells nobody twice. Returns how many were told."""
    from collections import Counter
    from datetime import timedelta
    from urllib.parse import urlencode

    from webapp.accounts.models import User
    from webapp.core import clock
    from webapp.listings.models import ListingStatus
    from webapp.needs.models import Need
    from webapp.notifications.models import Notification
    from webapp.notifications.services import notify

    if not ids:
        return 0
    following = Following()
    if not following.by_field and not following.keywords:
        return 0
    since = clock.now() - timedelta(days=IMPORT_NEWS_DAYS)
    found: dict[int, list[tuple[Need, Topic]]] = {}
    for start in range(0, len(ids), 500):
        needs = db.session.scalars(
            sa.select(Need)
            .where(
                Need.id.in_(ids[start : start + 500]),
                Need.status == ListingStatus.PUBLISHED,
                Need.published_at >= since,
            )
            .order_by(Need.id)
        )
        for need in needs:
            for user_id, topic in following.of(field_id=need.field_id, text=need_text(need)).items():
                if user_id != need.owner_id:
                    found.setdefault(user_id, []).append((need, topic))
    run = f"{min(ids)}-{max(ids)}/{len(ids)}"  # listing ids are never reused: one run's mark
    told = 0
    for user_id, pairs in found.items():
        if len(pairs) == 1:  # one need is told of as if published on its own
            [(need, topic)] = pairs
            told += _tell_once(
                user_id, "subscription.need", link=f"/needs/{need.id}", title=need.title, topic=topic.name
            )
            continue
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            continue
        earlier = db.session.scalars(
            sa.select(Notification.params).where(
                Notification.user_id == user_id, Notification.kind == "subscription.needs_imported"
            )
        )
        if any((params or {}).get("run") == run for params in earlier):
            continue
        topic, _count = Counter(topic for _need, topic in pairs).most_common(1)[0]
        on_topic = [need for need, t in pairs if t == topic]
        newest = max(on_topic, key=lambda need: (need.published_at, need.id))
        first_day = clock.local(min(need.published_at for need in on_topic)).date()
        link = "/needs/?" + urlencode({**topic.search_args(), "posted_from": first_day.isoformat()})
        params = {"count": len(pairs), "topic": topic.name, "title": newest.title, "run": run}
        if notify(user, "subscription.needs_imported", link=link, **params) is not None:
            told += 1
    return told


def register() -> None:
    """create_app: hear of needs and challenges as they are published."""
    from webapp.challenges import signals as challenge_signals
    from webapp.listings import signals as listing_signals

    listing_signals.listing_published.connect(_need_published)
    challenge_signals.challenge_published.connect(_challenge_published)


def _need_published(listing, **_kwargs) -> None:
    from webapp.listings.models import ListingStatus

    if listing.KIND != "n" or listing.status is not ListingStatus.PUBLISHED:
        return
    announce(
        "subscription.need",
        title=listing.title,
        link=f"/needs/{listing.id}",
        field_id=listing.field_id,
        text=need_text(listing),
        skip={listing.owner_id} if listing.owner_id else set(),
    )


def _challenge_published(challenge, **_kwargs) -> None:
    text = "\n".join([challenge.title, challenge.problem or "", challenge.indicators or ""])
    announce(
        "subscription.challenge",
        title=challenge.title,
        link=f"/challenges/{challenge.id}",
        field_id=challenge.field_id,
        text=text,
        skip={challenge.owner_id} if challenge.owner_id else set(),
    )
