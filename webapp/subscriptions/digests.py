"""Daily and weekly digest e-mails: the notifications people chose to read in a digest, gathered
since their last digest, and (weekly) the best new suggestions for the listings they own.

Periods are Beijing's: a day, and an ISO week from Monday. The beat task sends the digest of the last
finished period from DIGEST_HOUR on; each person's digest of a period is claimed by inserting its row
(unique per person and period) as the first statement of the transaction that queues the e-mail, so
a second run — at the next beat, on another worker at once, or after a restart — sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from webapp.core import clock
from webapp.core.db import writing
from webapp.core.formatting import format_day
from webapp.extensions import db
from webapp.notifications import preferences, unsubscribe
from webapp.notifications.models import Delivery, DigestPeriod, Notification, NotificationDigest

DIGEST_HOUR = 7  # Beijing time: a digest arrives with the morning, not at midnight
MAX_NOTES = 50  # shown in one e-mail; the rest wait in the app
MAX_PER_LISTING = 3  # suggestions shown per owned listing


def period_start(period: DigestPeriod, day: date) -> date:
    return day if period is DigestPeriod.DAILY else day - timedelta(days=day.isoweekday() - 1)


def period_end(period: DigestPeriod, start: date) -> date:
    """The first day after the period."""
    return start + timedelta(days=1 if period is DigestPeriod.DAILY else 7)


def due(period: DigestPeriod, moment: datetime | None = None) -> date | None:
    """The start of the period whose digest is due at `moment` (now): the last finished day or week,
    once DIGEST_HOUR has passed on the day after it; None before that hour."""
    local = clock.local(moment or clock.now())
    today = local.date()
    if period is DigestPeriod.DAILY:
        return today - timedelta(days=1) if local.hour >= DIGEST_HOUR else None
    this_week = period_start(period, today)
    if today == this_week and local.hour < DIGEST_HOUR:
        return None
    return this_week - timedelta(days=7)


def send_due() -> dict:
    sent = {}
    for period in DigestPeriod:
        start = due(period)
        sent[period.value] = send(period, start) if start is not None else 0
    return sent


def send(period: DigestPeriod, start: date) -> int:
    """Every digest of the period that is not out yet; returns how many were queued."""
    begins, ends = clock.day_start(start), clock.day_start(period_end(period, start))
    user_ids = set(
        db.session.scalars(
            sa.select(Notification.user_id)
            .where(Notification.digest == period, Notification.digest_id.is_(None), Notification.created_at < ends)
            .distinct()
        )
    )
    if period is DigestPeriod.WEEKLY:
        user_ids |= suggestion_owners(begins, ends)
    # Those already sent are not tried again at every beat (the claim would refuse them anyway).
    user_ids -= set(
        db.session.scalars(
            sa.select(NotificationDigest.user_id).where(
                NotificationDigest.period == period, NotificationDigest.period_start == start
            )
        )
    )
    return sum(send_one(user_id, period, start) for user_id in sorted(user_ids))


def send_one(user_id: int, period: DigestPeriod, start: date) -> bool:
    """Claim the person's digest of the period, then gather and queue it in the same transaction; a
    claim with nothing to send is given back."""
    from webapp.accounts.models import User

    # The claim is the transaction's first statement: on SQLite a transaction that read first cannot
    # write once another worker committed (see core.db._may_write); here it waits for that worker.
    db.session.commit()
    row = NotificationDigest(user_id=user_id, period=period, period_start=start)
    try:
        with writing(), db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # already claimed: sent by an earlier run or another worker
        db.session.rollback()
        return False
    user = db.session.get(User, user_id)
    if user is None or not user.active or not user.email_notifications:
        db.session.rollback()
        return False
    begins, ends = clock.day_start(start), clock.day_start(period_end(period, start))
    notes = list(
        db.session.scalars(
            sa.select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.digest == period,
                Notification.digest_id.is_(None),
                Notification.created_at < ends,
            )
            .order_by(Notification.id)
        )
    )
    # A category moved out of this digest since (in the settings, or by its unsubscribe link): its
    # waiting notifications stay in the app only.
    choices = preferences.choices_of(user)
    wanted = Delivery(period.value)
    for note in [n for n in notes if choices[preferences.category_of(n.kind).code] is not wanted]:
        note.digest = None
        notes.remove(note)
    sections: list[Section] = []
    if period is DigestPeriod.WEEKLY and choices["suggestions"] is Delivery.WEEKLY:
        sections = suggestion_sections(user, begins, ends)
    if not notes and not sections:
        db.session.delete(row)  # nothing this period: the claim is given back
        db.session.commit()
        return False
    row.notifications, row.suggestions = len(notes), sum(len(s.items) for s in sections)
    for note in notes:
        note.digest_id = row.id
    _queue(user, period, start, notes, sections)
    db.session.commit()
    return True


# --------------------------------------------------------------------------- suggestions


@dataclass
class Section:
    """One owned listing and the best new listings suggested for it this week."""

    title: str
    link: str
    items: list[tuple[str, str]]  # (title, link) of the best of the other side's published listings
    found: set[str]  # links of every listing suggested new this week, shown or not


def _suggestion_rows(begins: datetime, ends: datetime):
    from webapp.achievements.models import Achievement
    from webapp.listings.models import ListingStatus
    from webapp.matching.models import Suggestion, SuggestionStatus
    from webapp.needs.models import Need

    return (
        sa.select(Suggestion, Need, Achievement)
        .join(Need, Need.id == Suggestion.need_id)
        .join(Achievement, Achievement.id == Suggestion.achievement_id)
        .where(
            Suggestion.created_at >= begins,
            Suggestion.created_at < ends,
            Suggestion.status != SuggestionStatus.REJECTED,
            Need.status == ListingStatus.PUBLISHED,
            Achievement.status == ListingStatus.PUBLISHED,
        )
    )


def suggestion_owners(begins: datetime, ends: datetime) -> set[int]:
    owners: set[int] = set()
    for _suggestion, need, achievement in db.session.execute(_suggestion_rows(begins, ends)):
        owners.update(i for i in (need.owner_id, achievement.owner_id) if i is not None)
    return owners


def suggestion_sections(user, begins: datetime, ends: datetime) -> list[Section]:
    """For a need's owner, the achievements suggested; for an achievement's owner, the needs — by
    title and link only: a need's page shows it de-identified, and nothing confidential is quoted."""
    from webapp.achievements.models import Achievement
    from webapp.matching.models import Suggestion
    from webapp.needs.models import Need

    query = (
        _suggestion_rows(begins, ends)
        .where(sa.or_(Need.owner_id == user.id, Achievement.owner_id == user.id))
        .order_by(Suggestion.score.desc(), Suggestion.id)
    )
    sections: dict[tuple[str, int], Section] = {}
    for _suggestion, need, achievement in db.session.execute(query):
        for mine, other in ((need, achievement), (achievement, need)):
            if mine.owner_id != user.id:
                continue
            key = (mine.KIND, mine.id)
            section = sections.setdefault(key, Section(mine.title, _listing_link(mine), [], set()))
            section.found.add(_listing_link(other))
            if len(section.items) < MAX_PER_LISTING:
                section.items.append((other.title, _listing_link(other)))
    return list(sections.values())


def _listing_link(listing) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + f"/{listing.__tablename__}/{listing.id}"


# --------------------------------------------------------------------------- the e-mail


def _queue(user, period: DigestPeriod, start: date, notes: list[Notification], sections: list[Section]) -> None:
    from webapp.notifications.services import queue_email, unsubscribe_footer

    site = current_app.config["SITE_URL"].rstrip("/")
    scope = unsubscribe.digest_scope(period)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        if period is DigestPeriod.DAILY:
            heading = _("Your daily digest of %(day)s", day=format_day(start))
        else:
            heading = _(
                "Your weekly digest of %(start)s – %(end)s",
                start=format_day(start),
                end=format_day(period_end(period, start) - timedelta(days=1)),
            )
        lines = [heading, ""]
        for note in notes[:MAX_NOTES]:
            lines.append(f"• {note.text}")
            lines.append(f"  {site}{note.link or '/notifications'}")
        if len(notes) > MAX_NOTES:
            lines.append(
                ngettext(
                    "… and %(num)d more in the app: %(url)s",
                    "… and %(num)d more in the app: %(url)s",
                    len(notes) - MAX_NOTES,
                    url=f"{site}/notifications/",
                )
            )
        headline = None
        for line in _suggestion_headlines(sections):
            lines += ["", line]
            headline = headline or line
        for section in sections:
            lines += ["", _("For “%(title)s” (%(url)s):", title=section.title, url=section.link)]
            lines += [f"  • {title}\n    {link}" for title, link in section.items]
        subject = _("[Jiebang] %(text)s", text=headline or heading)
        body = "\n".join(lines) + unsubscribe_footer(user, scope)
    queue_email(to=user.email, subject=subject, body=body, headers=unsubscribe.headers(user, scope))


def _suggestion_headlines(sections: list[Section]) -> list[str]:
    """本周 N 项成果可能满足您的需求 for needs' owners, and the achievement owners' counterpart."""
    achievements = {link for s in sections if "/needs/" in s.link for link in s.found}
    needs = {link for s in sections if "/achievements/" in s.link for link in s.found}
    out = []
    if achievements:
        out.append(
            ngettext(
                "This week %(num)d achievement may meet your needs",
                "This week %(num)d achievements may meet your needs",
                len(achievements),
            )
        )
    if needs:
        out.append(
            ngettext(
                "This week %(num)d need may be met by your achievements",
                "This week %(num)d needs may be met by your achievements",
                len(needs),
            )
        )
    return out
