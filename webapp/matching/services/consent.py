"""The parties' answers to an introduction: the need's owner and the achievement's owner each agree
or decline, once (for a listing without an owner account, its broker or an admin records the answer
the party gave outside the platform). Until both agreed neither learns who the other is; a decline
(with a coded reason, the brokers' own `RejectReason`) closes the introduction as no deal and
teaches the matching as a broker's rejection does. Nothing here commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.matching.models import PARTY_LABELS, ConsentAnswer, Introduction, IntroductionOutcome, RejectReason
from webapp.matching.permissions import can_answer_for, can_answer_introduction
from webapp.matching.services.decisions import NOTE_MAX, Conflict, _clean_note, coded_reason

MESSAGE_MAX = NOTE_MAX


def _reason(reason) -> RejectReason:
    return coded_reason(reason, _("Choose a reason for declining."))


def _answer(answer) -> ConsentAnswer:
    if isinstance(answer, ConsentAnswer):
        return answer
    try:
        return ConsentAnswer(answer)
    except ValueError:
        raise ValueError(_("Answer accepted or declined.")) from None


def answer(
    introduction: Introduction,
    user,
    answer: ConsentAnswer | str,
    *,
    reason: RejectReason | str | None = None,
    message: str | None = None,
) -> str:
    """Record the answer of `user`'s side (accepted, or declined with a reason) and tell the broker
    and the other side; returns the side. A second answer, or one after the introduction closed, is
    a Conflict: the database decides which of two simultaneous answers came first."""
    require(can_answer_introduction(introduction, user))
    side = introduction.side_of(user)
    _record(introduction, user, side, answer, reason, _clean_note(message, MESSAGE_MAX), on_behalf=False)
    return side


def answer_on_behalf(
    introduction: Introduction,
    user,
    side: str,
    answer: ConsentAnswer | str,
    *,
    reason: RejectReason | str | None = None,
    note: str | None,
) -> str:
    """The introduction's broker (or an admin) records the answer a side whose listing has no owner
    account gave outside the platform, with a required note saying how and from whom it was obtained
    (it stands as that side's message). Otherwise as `answer`: once, the same conflicts, the same
    notifications, and a decline teaches the matching. The audit event says it was given on the
    party's behalf; its actor is who recorded it."""
    require(can_answer_for(introduction, user, side))
    note = _clean_note(note, MESSAGE_MAX)
    if not note:
        raise ValueError(_("Say how and from whom the answer was obtained."))
    _record(introduction, user, side, answer, reason, note, on_behalf=True)
    return side


def _already(side: str, given: ConsentAnswer, on_behalf: bool) -> Conflict:
    if on_behalf:
        return Conflict(
            _("%(side)s already answered this introduction: %(answer)s.", side=PARTY_LABELS[side], answer=given.label)
        )
    return Conflict(_("You already answered this introduction: %(answer)s.", answer=given.label))


def _record(
    introduction: Introduction,
    user,
    side: str,
    answer: ConsentAnswer | str,
    reason: RejectReason | str | None,
    message: str | None,
    *,
    on_behalf: bool,
) -> None:
    answer = _answer(answer)
    reason = _reason(reason) if answer is ConsentAnswer.DECLINED else None
    given = introduction.answer_of(side)
    if given is not None:
        raise _already(side, given, on_behalf)
    if introduction.outcome is not IntroductionOutcome.NEGOTIATING:
        raise Conflict(_("This introduction is already closed: %(outcome)s.", outcome=introduction.outcome.label))

    now = utcnow()
    column = getattr(Introduction, f"{side}_answer")
    values = {
        f"{side}_answer": answer,
        f"{side}_answered_at": now,
        f"{side}_message": message,
        "updated_at": now,
    }
    if on_behalf:
        values[f"{side}_recorded_by_id"] = user.id
    if answer is ConsentAnswer.DECLINED:
        values |= {"decline_reason": reason, "outcome": IntroductionOutcome.NO_DEAL, "closed_at": now}
    done = db.session.execute(
        sa.update(Introduction)
        .where(
            Introduction.id == introduction.id,
            column.is_(None),
            Introduction.outcome == IntroductionOutcome.NEGOTIATING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(introduction)
    if not done:
        given = introduction.answer_of(side)
        if given is not None:
            raise _already(side, given, on_behalf)
        raise Conflict(_("This introduction is already closed: %(outcome)s.", outcome=introduction.outcome.label))

    after = {f"{side}_answer": answer, "message": message, "agreed": introduction.agreed}
    if on_behalf:
        after |= {"on_behalf": True, "side": side}
    if reason is not None:
        after |= {"reason": reason, "outcome": IntroductionOutcome.NO_DEAL}
    audit.record(
        "match.consent.accept" if answer is ConsentAnswer.ACCEPTED else "match.consent.decline",
        introduction,
        actor=user,
        before={f"{side}_answer": None, "outcome": IntroductionOutcome.NEGOTIATING},
        after=after,
    )
    _tell(introduction, side, answer, reason, user)


def _tell(introduction: Introduction, side: str, answer: ConsentAnswer, reason: RejectReason | None, actor) -> None:
    """The broker and the other side hear of the answer; once both agreed, all three hear that the
    contacts are now shared. Each text names only the listings' titles, never who is behind them."""
    from webapp.notifications.services import notify

    s = introduction.suggestion
    need, achievement = s.need, s.achievement
    link = f"/broker/introductions/{introduction.id}"
    if introduction.agreed:
        kind, params = "match.agreed", {}
    elif answer is ConsentAnswer.ACCEPTED:
        kind, params = "match.consent.accepted", {"consent_side": side}
    else:
        kind, params = "match.consent.declined", {"consent_side": side, "consent_reason": reason.value}
    # Each reader sees their own listing first; the broker reads it from the need.
    readers = [
        (introduction.broker, need, achievement),
        (need.owner, need, achievement),
        (achievement.owner, achievement, need),
    ]
    told = {actor.id}  # the side that answered knows
    for reader, own, other in readers:
        if reader is None or reader.id in told or not reader.active:
            continue
        told.add(reader.id)
        notify(reader, kind, link=link, title=own.title, other=other.title, **params)
