"""Following technical fields and keywords: when a need or a challenge is published, everyone who
follows its field (or the field above it) or a keyword found in its text hears of it, as they chose
for the category "subscriptions" (at once, in a digest, in the app only, or not). create_app calls
register().

Keywords are matched on the terms of the matching pipeline (`webapp.matching.text`: segmented with
the technical dictionary, synonyms read as their canonical term), each followed keyword added to
the dictionary so that it is cut as one word: 真空压铸 finds 真空压铸工艺 but 压铸 does not find 铸造.
The dictionary is the built-in one with the lexicon admins edit on top (their terms, stop words and
synonyms, `matching.sources.admin_entries`): an admin's 钠电 → 钠离子电池 makes a need saying 钠电
reach the followers of 钠离子电池. A stop word is no term: a keyword that is one finds nothing.
"""

from __future__ import annotations

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
    an admin's edit changes `entries`, so the next listing is cut with a new one)."""
    from webapp.matching.text import Analyser, Lexicon

    return Analyser(
        Lexicon.default(terms=[*keywords, *entries.terms], stopwords=entries.stopwords, synonyms=dict(entries.synonyms))
    )


def keyword_hits(text: str, keywords: list[str]) -> set[str]:
    """The keywords whose every term is among the text's terms."""
    from webapp.matching.sources import admin_entries

    if not keywords:
        return set()
    analyser = _analyser(frozenset(keywords), admin_entries())
    terms = set(analyser.tokens(text))
    hits = set()
    for keyword in keywords:
        parts = analyser.tokens(keyword)
        # The keyword is in the dictionary, so its longest term is the keyword itself: it must be
        # found as that word, not as its parts apart (真空泵……压铸 is no 真空压铸).
        if parts and max(parts, key=len) in terms and set(parts) <= terms:
            hits.add(keyword)
    return hits


def followers(*, field_id: int | None, text: str) -> dict[int, str]:
    """Who follows this field (or the field above it) or a keyword in this text, each with the first
    topic that matched (shown in the notification)."""
    from webapp.taxonomy.models import TechField

    found: dict[int, str] = {}
    if field_id is not None:
        field = db.session.get(TechField, field_id)
        ids = [field.id] + ([field.parent_id] if field is not None and field.parent_id else [])
        for sub in db.session.scalars(
            sa.select(Subscription).where(Subscription.field_id.in_(ids)).order_by(Subscription.id)
        ):
            found.setdefault(sub.user_id, sub.field.name)
    rows = db.session.execute(
        sa.select(Subscription.user_id, Subscription.keyword).where(Subscription.keyword.is_not(None))
    ).all()
    hits = keyword_hits(text, sorted({keyword for _u, keyword in rows}))
    for user_id, keyword in rows:
        if keyword in hits:
            found.setdefault(user_id, keyword)
    return found


def announce(kind: str, *, title: str, link: str, field_id: int | None, text: str, skip: set[int]) -> int:
    """Notify the followers of a newly published listing once (a listing published again after an
    edit is not news); returns how many were told."""
    from webapp.accounts.models import User
    from webapp.notifications.models import Notification
    from webapp.notifications.services import notify

    told = 0
    for user_id, topic in followers(field_id=field_id, text=text).items():
        if user_id in skip:
            continue
        user = db.session.get(User, user_id)
        if user is None or not user.active:
            continue
        already = db.session.scalar(
            sa.select(Notification.id).where(
                Notification.user_id == user_id, Notification.kind == kind, Notification.link == link
            )
        )
        if already is None and notify(user, kind, link=link, title=title, topic=topic) is not None:
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
    text = "\n".join([listing.title, listing.description or "", listing.indicators or "", *(listing.keywords or [])])
    announce(
        "subscription.need",
        title=listing.title,
        link=f"/needs/{listing.id}",
        field_id=listing.field_id,
        text=text,
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
