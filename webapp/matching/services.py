"""Suggestions kept in the database: computing and replacing them, the broker's decisions,
introductions and their outcomes, the lexicon admins edit, and the full re-match job.

The engine (`webapp.matching.runtime`) finds the best pairs; this module decides what is stored.
A pair is one row whichever side found it. Matching a listing again replaces its NEW suggestions in
the caller's transaction (readers never see half a list); accepted and rejected pairs stay as they
are and are never suggested again. Like every service, nothing here commits except the background
runners (`run_rematch`, `refresh_many`), which commit their progress.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from itertools import takewhile

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError

from webapp.core import audit, outbox
from webapp.core.db import refresh_statistics, utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.matching.models import (
    Introduction,
    IntroductionOutcome,
    LexiconEntry,
    LexiconKind,
    MatchJob,
    MatchJobStatus,
    RejectReason,
    Suggestion,
    SuggestionStatus,
)

log = logging.getLogger(__name__)

WORD_MAX = 40
NOTE_MAX = 1000
INTRO_NOTE_MAX = 2000
# A full re-match commits its progress every this many listings (the progress bar moves).
PROGRESS_EVERY = 50
# A queued or running job without progress for this long is taken as lost with its worker.
STALE_JOB = timedelta(minutes=30)

NEED = "need"
ACHIEVEMENT = "achievement"
KINDS = {
    "need": NEED,
    "n": NEED,
    "needs": NEED,
    "achievement": ACHIEVEMENT,
    "a": ACHIEVEMENT,
    "achievements": ACHIEVEMENT,
}


def _models():
    from webapp.achievements.models import Achievement
    from webapp.needs.models import Need

    return Need, Achievement


def kind_of(value) -> str:
    """ "need" or "achievement", from a listing or any of the names used for the two kinds."""
    if not isinstance(value, str):
        value = getattr(value, "KIND", "")
    try:
        return KINDS[value]
    except KeyError:
        raise ValueError(f"unknown listing kind {value!r}") from None


# ---------------------------------------------------------------- who may do what


def can_broker(user) -> bool:
    """Brokers and admins work the suggestions."""
    from webapp.accounts.models import Role

    return bool(user is not None and user.is_authenticated and user.role in (Role.BROKER, Role.ADMIN))


def _is_admin(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_admin)


def can_see_suggestions(listing, user) -> bool:
    """A listing's suggestions are shown to its owner, to brokers and to admins."""
    return can_broker(user) or (listing is not None and listing.is_owned_by(user))


def can_set_outcome(introduction: Introduction, user) -> bool:
    return _is_admin(user) or (can_broker(user) and introduction.broker_id == user.id)


# ---------------------------------------------------------------- computing suggestions


def schedule(kind: str, ids: Iterable[int]) -> None:
    """Have listings matched in the background once the current transaction commits."""
    ids = sorted({int(i) for i in ids})
    if len(ids) == 1:
        outbox.enqueue("matching.match_listing", kind=kind_of(kind), listing_id=ids[0])
    elif ids:
        outbox.enqueue("matching.match_listings", kind=kind_of(kind), ids=ids)


def refresh(kind: str, listing_id: int, *, keep_since: datetime | None = None) -> int:
    return refresh_batch(kind, [listing_id], keep_since=keep_since)


def refresh_need(need_id: int, *, keep_since: datetime | None = None) -> int:
    """Match a need again and replace its NEW suggestions; returns how many it has now (see
    `refresh_batch`)."""
    return refresh_batch(NEED, [need_id], keep_since=keep_since)


def refresh_achievement(achievement_id: int, *, keep_since: datetime | None = None) -> int:
    """Match an achievement again and replace its NEW suggestions (see `refresh_batch`)."""
    return refresh_batch(ACHIEVEMENT, [achievement_id], keep_since=keep_since)


def refresh_batch(kind: str, ids: Iterable[int], *, keep_since: datetime | None = None) -> int:
    """Match listings of one kind again, with what they share read once, and replace each one's NEW
    suggestions; returns how many they have now. A listing that is not published loses its NEW
    suggestions. `keep_since` (used by the full re-match) keeps NEW suggestions computed since then
    even if this side did not find them."""
    from webapp.matching import runtime

    kind = kind_of(kind)
    need_model, ach_model = _models()
    model = need_model if kind == NEED else ach_model
    own, partner = (
        (Suggestion.need_id, Suggestion.achievement_id)
        if kind == NEED
        else (Suggestion.achievement_id, Suggestion.need_id)
    )
    listings = list(db.session.scalars(sa.select(model).where(model.id.in_(sorted({int(i) for i in ids})))))
    offline = [listing.id for listing in listings if listing.status is not ListingStatus.PUBLISHED]
    if offline:
        _delete_new(own.in_(offline))
    published = [listing for listing in listings if listing.status is ListingStatus.PUBLISHED]
    if not published:
        return 0
    decided: dict[int, list[int]] = {}
    for listing_id, partner_id in db.session.execute(
        sa.select(own, partner).where(own.in_([p.id for p in published]), Suggestion.status != SuggestionStatus.NEW)
    ):
        decided.setdefault(listing_id, []).append(partner_id)
    found = runtime.match_many("n" if kind == NEED else "a", published, decided)
    return sum(_replace(own, listing.id, partner, found[listing.id], keep_since) for listing in published)


def refresh_many(kind: str, ids: Iterable[int], *, commit: Callable[[], None] | None = None, every: int = 20) -> int:
    """Match several listings of one kind, `every` at a time, committing after each when given `commit`."""
    ids = list(ids)
    total = 0
    for start in range(0, len(ids), every):
        total += refresh_batch(kind, ids[start : start + every])
        if commit is not None:
            commit()
    return total


def _delete_new(*where) -> int:
    return db.session.execute(
        sa.delete(Suggestion)
        .where(Suggestion.status == SuggestionStatus.NEW, *where)
        .execution_options(synchronize_session=False)
    ).rowcount


def _replace(own_column, own_id: int, partner_column, matches, keep_since: datetime | None) -> int:
    """Delete this listing's NEW suggestions that were not found again, then insert or update the
    found ones. Rows are written in pair order, so that two listings replaced at the same time
    lock shared rows in the same order; a pair decided in the meantime is never overwritten."""
    now = utcnow()
    rows = {}
    for m in matches:
        rows[(m.need_id, m.achievement_id)] = {
            "need_id": m.need_id,
            "achievement_id": m.achievement_id,
            "score": round(min(100.0, max(0.0, float(m.score))), 2),
            "parts": {k: round(float(v), 2) for k, v in (m.parts or {}).items()},
            "terms": [str(t) for t in (m.terms or [])][:30],
        }
    partners = [key[1] if own_column is Suggestion.need_id else key[0] for key in rows]
    stale = [own_column == own_id]
    if partners:
        stale.append(partner_column.not_in(partners))
    if keep_since is not None:
        stale.append(Suggestion.computed_at < keep_since)
    _delete_new(*stale)
    if rows:
        _upsert([rows[key] for key in sorted(rows)], now)
    return len(rows)


def _upsert(rows: list[dict], now: datetime) -> None:
    table = Suggestion.__table__
    values = [
        {
            **row,
            "status": SuggestionStatus.NEW,
            "computed_at": now,
            "created_at": now,
            "updated_at": now,
            "reason": None,
            "note": None,
            "decided_by_id": None,
            "decided_at": None,
        }
        for row in rows
    ]
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.need_id, table.c.achievement_id],
            set_={
                "score": stmt.excluded.score,
                "parts": stmt.excluded.parts,
                "terms": stmt.excluded.terms,
                "computed_at": stmt.excluded.computed_at,
                "updated_at": stmt.excluded.updated_at,
            },
            where=table.c.status == SuggestionStatus.NEW,
        )
        db.session.execute(stmt, values)
        return
    # Other databases: look up the pairs that exist, update the undecided ones, insert the rest.
    pairs = [(v["need_id"], v["achievement_id"]) for v in values]
    existing = {
        (r.need_id, r.achievement_id): r.status
        for r in db.session.execute(
            sa.select(table.c.need_id, table.c.achievement_id, table.c.status).where(
                sa.tuple_(table.c.need_id, table.c.achievement_id).in_(pairs)
            )
        )
    }
    for value in values:
        status = existing.get((value["need_id"], value["achievement_id"]))
        if status is None:
            db.session.execute(sa.insert(table), [value])
        elif status is SuggestionStatus.NEW:
            db.session.execute(
                sa.update(table)
                .where(
                    table.c.need_id == value["need_id"],
                    table.c.achievement_id == value["achievement_id"],
                    table.c.status == SuggestionStatus.NEW,
                )
                .values(
                    score=value["score"], parts=value["parts"], terms=value["terms"], computed_at=now, updated_at=now
                )
            )


# ---------------------------------------------------------------- what owners see


def top_for(listing, user, limit: int = 5) -> list[Suggestion]:
    """The best NEW or accepted suggestions of a listing, best first, for its owner, brokers and
    admins (anyone else gets an empty list). NEW ones only while the other side is published."""
    if listing is None or getattr(listing, "id", None) is None or not can_see_suggestions(listing, user):
        return []
    need_model, ach_model = _models()
    if kind_of(listing) == NEED:
        own, other_model, other_id = Suggestion.need_id, ach_model, Suggestion.achievement_id
    else:
        own, other_model, other_id = Suggestion.achievement_id, need_model, Suggestion.need_id
    other_published = (
        sa.select(other_model.id)
        .where(other_model.id == other_id, other_model.status == ListingStatus.PUBLISHED)
        .exists()
    )
    query = (
        sa.select(Suggestion)
        .where(
            own == listing.id,
            sa.or_(
                Suggestion.status == SuggestionStatus.ACCEPTED,
                sa.and_(Suggestion.status == SuggestionStatus.NEW, other_published),
            ),
        )
        .order_by(Suggestion.score.desc(), Suggestion.id)
        .limit(max(0, int(limit)))
    )
    return list(db.session.scalars(query).unique())


def suggested_teams(challenge, user, limit: int = 5) -> list[dict]:
    """Research teams suggested for a challenge through their achievements: the best suggestions
    of the need the challenge was built from, one entry per team (the achievements' owner, or their
    institution when imported without one), best first. For the challenge's enterprise, brokers and
    admins; nobody else sees them."""
    need = getattr(challenge, "need", None)
    if need is None or not (
        can_broker(user) or (user is not None and user.is_authenticated and challenge.owner_id == user.id)
    ):
        return []
    teams: dict[object, dict] = {}
    for suggestion in suggestions_of_need(need, limit=8 * limit):
        achievement = suggestion.achievement
        if achievement.status is not ListingStatus.PUBLISHED:
            continue
        key = achievement.owner_id or achievement.institution_label or achievement.id
        team = teams.setdefault(
            key,
            {
                "institution": achievement.institution_label,
                "team": achievement.team,
                "owner": achievement.owner,
                "best": suggestion.score,
                "suggestions": [],
            },
        )
        team["suggestions"].append(suggestion)
    return sorted(teams.values(), key=lambda t: -t["best"])[:limit]


def suggestions_of_need(
    need, *, statuses=(SuggestionStatus.NEW, SuggestionStatus.ACCEPTED), limit: int | None = None
) -> list[Suggestion]:
    """A need's stored suggestions, best first (no permission check: command line and services)."""
    query = (
        sa.select(Suggestion)
        .where(Suggestion.need_id == need.id, Suggestion.status.in_(statuses))
        .order_by(Suggestion.score.desc(), Suggestion.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


# ---------------------------------------------------------------- decisions


def _claim(suggestion: Suggestion, user, **values) -> None:
    """Move a NEW suggestion to its decision, unless someone decided it first."""
    now = utcnow()
    done = db.session.execute(
        sa.update(Suggestion)
        .where(Suggestion.id == suggestion.id, Suggestion.status == SuggestionStatus.NEW)
        .values(decided_by_id=user.id, decided_at=now, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.refresh(suggestion)
        raise ValueError(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    db.session.refresh(suggestion)


def _clean_note(note: str | None, limit: int) -> str | None:
    note = (note or "").strip()
    if len(note) > limit:
        raise ValueError(_("The note is too long (at most %(count)d characters).", count=limit))
    return note or None


def accept(suggestion: Suggestion, user, note: str | None = None) -> Introduction:
    """A broker accepts a suggestion: an introduction is opened with the broker's note and both
    owners are told (in the app and by e-mail)."""
    require(can_broker(user))
    note = _clean_note(note, NOTE_MAX)
    if suggestion.status is not SuggestionStatus.NEW:
        raise ValueError(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    need, achievement = suggestion.need, suggestion.achievement
    if need.status is not ListingStatus.PUBLISHED or achievement.status is not ListingStatus.PUBLISHED:
        raise ValueError(_("One of the two listings is no longer published; it cannot be introduced now."))
    _claim(suggestion, user, status=SuggestionStatus.ACCEPTED, note=note)
    introduction = Introduction(suggestion_id=suggestion.id, broker_id=user.id, note=note)
    db.session.add(introduction)
    db.session.flush()
    audit.record(
        "match.accept",
        suggestion,
        actor=user,
        before={"status": SuggestionStatus.NEW},
        after={
            "status": SuggestionStatus.ACCEPTED,
            "introduction": introduction.id,
            "score": suggestion.score,
            "need": need.id,
            "achievement": achievement.id,
            "note": note,
        },
    )
    _notify_owners(suggestion, "match.introduced", user, broker=user.name or user.email)
    return introduction


def reject(suggestion: Suggestion, user, reason: RejectReason | None, note: str | None = None) -> None:
    """A broker rejects a suggestion with a coded reason; the pair is never suggested again and the
    engine learns from the reason."""
    require(can_broker(user))
    if reason is None or not isinstance(reason, RejectReason):
        try:
            reason = RejectReason(reason) if reason else None
        except ValueError:
            reason = None
        if reason is None:
            raise ValueError(_("Choose a reason for the rejection."))
    note = _clean_note(note, NOTE_MAX)
    if suggestion.status is not SuggestionStatus.NEW:
        raise ValueError(_("This suggestion was already decided: %(state)s.", state=suggestion.status.label))
    _claim(suggestion, user, status=SuggestionStatus.REJECTED, reason=reason, note=note)
    audit.record(
        "match.reject",
        suggestion,
        actor=user,
        before={"status": SuggestionStatus.NEW},
        after={
            "status": SuggestionStatus.REJECTED,
            "reason": reason,
            "note": note,
            "score": suggestion.score,
            "need": suggestion.need_id,
            "achievement": suggestion.achievement_id,
        },
    )


def set_outcome(introduction: Introduction, user, outcome: IntroductionOutcome, note: str | None = None) -> None:
    """Close an introduction as a deal or no deal (the broker who made it, or an admin)."""
    require(can_set_outcome(introduction, user))
    if not isinstance(outcome, IntroductionOutcome):
        try:
            outcome = IntroductionOutcome(outcome)
        except ValueError:
            outcome = None
    if outcome not in (IntroductionOutcome.DEAL, IntroductionOutcome.NO_DEAL):
        raise ValueError(_("Choose the outcome: deal or no deal."))
    if introduction.outcome is not IntroductionOutcome.NEGOTIATING:
        raise ValueError(_("This introduction is already closed: %(outcome)s.", outcome=introduction.outcome.label))
    note = _clean_note(note, INTRO_NOTE_MAX)
    introduction.outcome = outcome
    introduction.outcome_note = note
    introduction.closed_at = utcnow()
    db.session.flush()
    audit.record(
        "match.outcome",
        introduction,
        actor=user,
        before={"outcome": IntroductionOutcome.NEGOTIATING},
        after={"outcome": outcome, "note": note, "suggestion": introduction.suggestion_id},
    )
    kind = "match.deal" if outcome is IntroductionOutcome.DEAL else "match.no_deal"
    _notify_owners(introduction.suggestion, kind, user)


def _notify_owners(suggestion: Suggestion, kind: str, actor, **params) -> None:
    """Tell the need's owner and the achievement's owner, each with a link to their own listing."""
    from webapp.notifications.services import notify

    need, achievement = suggestion.need, suggestion.achievement
    told = set()
    for own, other, path in ((need, achievement, "needs"), (achievement, need, "achievements")):
        owner = own.owner
        if owner is None or owner.id in told or owner.id == actor.id or not owner.active:
            continue
        told.add(owner.id)
        notify(owner, kind, link=f"/{path}/{own.id}", title=own.title, other=other.title, **params)


# ---------------------------------------------------------------- the lexicon


def normalise_word(word: str | None) -> str:
    """As the text pipeline reads words: NFKC (half-width), trimmed, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", word or "").lower()
    return " ".join(text.split())


def _check_word(word: str | None, blank_message: str) -> str:
    word = normalise_word(word)
    if not word:
        raise ValueError(blank_message)
    if len(word) > WORD_MAX:
        raise ValueError(_("“%(word)s” is too long: at most %(count)d characters.", word=word, count=WORD_MAX))
    return word


def add_lexicon_entry(user, kind: LexiconKind, word: str, canonical: str | None = None) -> LexiconEntry:
    """Admins add a technical term, a stop word or a synonym (word → the term it stands for)."""
    from webapp.matching import runtime

    require(_is_admin(user))
    kind = LexiconKind(kind)
    word = _check_word(word, _("Enter a word."))
    if kind is LexiconKind.SYNONYM:
        canonical = _check_word(canonical, _("Enter the term the synonym stands for."))
        if canonical == word:
            raise ValueError(_("A synonym must stand for another word."))
        chained = db.session.scalar(
            sa.select(LexiconEntry.canonical).where(
                LexiconEntry.kind == LexiconKind.SYNONYM, LexiconEntry.word == canonical
            )
        )
        if chained:
            raise ValueError(
                _(
                    "“%(word)s” is itself read as “%(canonical)s”: enter that term instead.",
                    word=canonical,
                    canonical=chained,
                )
            )
        if db.session.scalar(
            sa.select(LexiconEntry.id).where(LexiconEntry.kind == LexiconKind.SYNONYM, LexiconEntry.canonical == word)
        ):
            raise ValueError(_("Other synonyms are read as “%(word)s”; it cannot become a synonym itself.", word=word))
    else:
        canonical = None
    existing = db.session.scalar(sa.select(LexiconEntry).where(LexiconEntry.word == word))
    if existing is not None:
        raise ValueError(_("“%(word)s” is already in the lexicon (%(kind)s).", word=word, kind=existing.kind.label))
    entry = LexiconEntry(kind=kind, word=word, canonical=canonical, created_by_id=user.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("match.lexicon_add", entry, actor=user, after={"kind": kind, "word": word, "canonical": canonical})
    runtime.lexicon_changed()  # the index is rebuilt once this commits
    return entry


def remove_lexicon_entry(user, entry: LexiconEntry) -> None:
    from webapp.matching import runtime

    require(_is_admin(user))
    audit.record(
        "match.lexicon_remove",
        entry,
        actor=user,
        before={"kind": entry.kind, "word": entry.word, "canonical": entry.canonical},
    )
    db.session.delete(entry)
    db.session.flush()
    runtime.lexicon_changed()


# ---------------------------------------------------------------- the full re-match


def running_job() -> MatchJob | None:
    """The queued or running re-match, if any; one that made no progress for a long time is
    marked failed (its worker was lost) so that a new one can start."""
    job = db.session.scalar(
        sa.select(MatchJob)
        .where(MatchJob.status.in_((MatchJobStatus.QUEUED, MatchJobStatus.RUNNING)))
        .order_by(MatchJob.id.desc())
        .limit(1)
    )
    if job is not None and job.updated_at < utcnow() - STALE_JOB:
        job.status = MatchJobStatus.FAILED
        job.error = f"no progress for {STALE_JOB.total_seconds() // 60:.0f} minutes: stopped"
        job.finished_at = utcnow()
        job.processed = min(job.processed, job.total)
        db.session.flush()
        return running_job()
    return job


def create_job(user=None) -> MatchJob:
    """A queued re-match job (refused while another one is queued or running)."""
    if running_job() is not None:
        raise ValueError(_("A full re-match is already queued or running; wait for it to finish."))
    job = MatchJob(started_by_id=getattr(user, "id", None), status=MatchJobStatus.QUEUED)
    db.session.add(job)
    db.session.flush()
    audit.record("match.rematch", job, actor=user)
    return job


def start_rematch(user) -> MatchJob:
    """Admins start a full re-match; it runs in the background (task matching.rematch)."""
    require(_is_admin(user))
    job = create_job(user)
    outbox.enqueue("matching.rematch", job_id=job.id)
    return job


def latest_job() -> MatchJob | None:
    return db.session.scalar(sa.select(MatchJob).order_by(MatchJob.id.desc()).limit(1))


def published_ids(kind: str, *, changed_since: datetime | None = None) -> list[int]:
    need_model, ach_model = _models()
    model = need_model if kind_of(kind) == NEED else ach_model
    query = sa.select(model.id).where(model.status == ListingStatus.PUBLISHED)
    if changed_since is not None:
        query = query.where(sa.or_(model.updated_at >= changed_since, model.published_at >= changed_since))
    return list(db.session.scalars(query.order_by(model.id)))


def _rematch_batches(job: MatchJob, work: list, done: int, found: int, since, commit, progress) -> int:
    """Match the listings of `work` from `done` on, PROGRESS_EVERY at a time, committing the progress
    after each batch; returns the suggestions found."""
    while done < job.total:
        # The next listings of one kind, up to the next multiple of PROGRESS_EVERY.
        end = min(job.total, (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY)
        kind = work[done][0]
        same_kind = work[done:end]
        batch = [listing_id for _, listing_id in takewhile(lambda item, k=kind: item[0] == k, same_kind)]
        found += refresh_batch(kind, batch, keep_since=since)
        done += len(batch)
        job.processed = done
        job.suggestions = found
        commit()
        if progress:
            progress(done, job.total)
    return found


def run_rematch(
    job_id: int, *, commit: Callable[[], None] | None = None, progress: Callable[[int, int], None] | None = None
) -> MatchJob | None:
    """Rebuild the index, then match every published need and every published achievement,
    committing the progress every PROGRESS_EVERY listings. NEW suggestions found by neither side
    are dropped at the end. A finished job is left alone; a job run again after its worker was lost
    continues after the last committed listing (matching a listing twice changes nothing)."""
    from webapp.matching import runtime

    commit = commit or db.session.commit
    job = db.session.get(MatchJob, job_id)
    if job is None or job.status.finished:
        return job
    try:
        job.status = MatchJobStatus.RUNNING
        job.started_at = job.started_at or utcnow()
        job.error = None
        commit()
        since = job.started_at
        runtime.rebuild_index()
        work = [(NEED, i) for i in published_ids(NEED)] + [(ACHIEVEMENT, i) for i in published_ids(ACHIEVEMENT)]
        job.total = len(work)
        job.processed = min(job.processed, job.total)
        commit()
        if progress:
            progress(job.processed, job.total)
        done = job.processed
        found = job.suggestions
        with runtime.helpers():
            found = _rematch_batches(job, work, done, found, since, commit, progress)
        # Pairs that neither side found again (or whose listings went offline) are stale.
        _delete_new(Suggestion.computed_at < since)
        job.processed = job.total
        job.suggestions = (
            db.session.scalar(sa.select(sa.func.count(Suggestion.id)).where(Suggestion.status == SuggestionStatus.NEW))
            or 0
        )
        job.status = MatchJobStatus.DONE
        job.finished_at = utcnow()
        commit()
        refresh_statistics(Suggestion.__tablename__)
        commit()
        if progress:
            progress(job.total, job.total)
    except OperationalError:
        # The database went away: leave the job RUNNING; the task is retried and continues.
        db.session.rollback()
        raise
    except Exception as exc:
        log.exception("re-match job %s failed", job_id)
        db.session.rollback()
        job = db.session.get(MatchJob, job_id)
        job.status = MatchJobStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:1000]
        job.finished_at = utcnow()
        job.processed = min(job.processed, job.total)
        commit()
    return job
