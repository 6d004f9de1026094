"""/api/v1: the matching, as its pages allow — the broker's queue of suggestions and one suggestion
(brokers and admins, as matching.queue and matching.suggestion), accepting and rejecting one through
the same services (webapp.matching.services.decisions: the same introduction, notifications and
audit events), introductions with the two owners' answers (POST …/consent) and their outcome, and
the suggestions a listing's owner sees on its own page (matching.services.suggestions.top_for).

Each answer shows what the page shows its viewer: a need is de-identified as the queue de-identifies
it (its organisation only if the enterprise shows who it is), one suggestion shows brokers the
organisation as its page does, a need's contact appears only on an introduction (to the researcher
only once both sides agreed, as the researcher's own contact to the enterprise), and an
achievement's confidential part never."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from sqlalchemy.orm import aliased

from webapp.achievements.models import Achievement
from webapp.api.auth import api_user
from webapp.api.common import caller_must, get_visible, write
from webapp.api.deal_writes import Invalid
from webapp.api.listings import visible_listing
from webapp.api.matching_data import (
    achievement_ref,
    decode_cursor,
    encode_cursor,
    introduction_data,
    introduction_ids,
    need_ref,
    public_poster,
    scored,
    suggestion_data,
)
from webapp.api.matching_schemas import (
    AcceptIn,
    AchievementSuggestions,
    ConsentIn,
    IntroductionOut,
    IntroductionPage,
    IntroductionQuery,
    NeedSuggestions,
    OutcomeIn,
    RejectIn,
    SuggestionOut,
    SuggestionPage,
    SuggestionQuery,
)
from webapp.core import clock
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.matching.models import (
    ConsentAnswer,
    ConsentState,
    Introduction,
    IntroductionOutcome,
    RejectReason,
    Suggestion,
)
from webapp.matching.permissions import can_answer_for, can_answer_introduction, can_broker, can_view_introduction
from webapp.matching.queue import QueueFilter, queue_query
from webapp.matching.services import answer_introduction, answer_on_behalf, decisions, suggestions
from webapp.needs.models import Need

bp = Blueprint(
    "api_matching",
    __name__,
    url_prefix="/api/v1",
    description="Suggested need–achievement pairs, the brokers' decisions on them, and introductions.",
)


# -------------------------------------------------------------------------- who may ask


def _signed_in():
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    return user


def _suggestion(suggestion_id: int) -> Suggestion:
    return get_visible(Suggestion, suggestion_id, lambda _s: True)


def _introduction(intro_id: int, user) -> Introduction:
    """404 for an introduction the caller may not open (its broker, admins and the two owners may)."""
    return get_visible(Introduction, intro_id, lambda intro: can_view_introduction(intro, user))


def _page(query, limit: int, cursor_of) -> tuple[list, str | None]:
    """One page of `query` (ordered, and after the cursor it was given) and the next page's cursor,
    made of `cursor_of(the page's last row)`; None on the last page."""
    rows = list(db.session.scalars(query.limit(limit + 1)).unique())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(*cursor_of(rows[-1]))


# -------------------------------------------------------------------------- the broker's queue


@bp.get("/suggestions")
@caller_must(can_broker)
@bp.arguments(SuggestionQuery, location="query", as_kwargs=False)
@bp.response(200, SuggestionPage)
@bp.alt_response(403, response="FORBIDDEN")
def queue(args):
    """The broker's queue (brokers and admins): new suggestions at or above the threshold between two
    published listings, with the queue page's filters, best first or newest first. `since` reads
    the suggestions first made on or after a day, e.g. the week's new ones."""
    user = api_user()
    flt = QueueFilter(
        field_id=args.get("field"),
        institution=args["institution"].strip(),
        min_score=args.get("min_score"),
        band=args.get("band"),
        age_days=args.get("age"),
        sort=args["sort"],
    )
    query = queue_query(flt)
    if args.get("since") is not None:
        query = query.where(Suggestion.created_at >= clock.day_start(args["since"]))
    key = Suggestion.score if flt.sort == "score" else Suggestion.computed_at
    position = decode_cursor(args.get("cursor"), float if flt.sort == "score" else datetime, int)
    if position is not None:
        value, last_id = position
        query = query.where(
            sa.tuple_(key, Suggestion.id)
            < sa.tuple_(sa.bindparam(None, value, type_=key.type), sa.bindparam(None, last_id, type_=sa.Integer))
        )
    rows, next_cursor = _page(
        query, args["limit"], lambda last: (float(last.score) if flt.sort == "score" else last.computed_at, last.id)
    )
    return {"items": [suggestion_data(s, user, in_queue=True) for s in rows], "next_cursor": next_cursor}


def _one(suggestion: Suggestion, user) -> dict:
    introduction_id = introduction_ids([suggestion]).get(suggestion.id)
    return suggestion_data(suggestion, user, in_queue=False, introduction_id=introduction_id)


@bp.get("/suggestions/<int:suggestion_id>")
@caller_must(can_broker)
@bp.response(200, SuggestionOut)
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(404, response="NOT_FOUND")
def suggestion(suggestion_id: int):
    """One suggestion as its page shows it (brokers and admins), whatever its status: both listings,
    the score explained, and the decision once made."""
    user = api_user()
    return _one(_suggestion(suggestion_id), user)


@bp.post("/suggestions/<int:suggestion_id>/accept")
@write
@caller_must(can_broker)
@bp.arguments(AcceptIn, required=False)
@bp.response(201, IntroductionOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def accept(data, suggestion_id: int):
    """Accept a new suggestion (brokers and admins): an introduction is opened with the note and both
    owners are told, as on the page. 409 when it was already decided or a listing is no longer
    published."""
    user = api_user()
    s = _suggestion(suggestion_id)
    intro = decisions.accept(s, user, data["note"])
    db.session.flush()
    body = introduction_data(intro, user, contacts=True)
    return body, 201, {"Location": url_for("api_matching.introduction", intro_id=intro.id, _external=True)}


@bp.post("/suggestions/<int:suggestion_id>/reject")
@write
@caller_must(can_broker)
@bp.arguments(RejectIn)
@bp.response(200, SuggestionOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def reject(data, suggestion_id: int):
    """Reject a new suggestion with a coded reason (brokers and admins); the pair is never suggested
    again. 409 when it was already decided."""
    user = api_user()
    s = _suggestion(suggestion_id)
    decisions.reject(s, user, RejectReason(data["reason"]), data["note"])
    db.session.flush()
    return _one(s, user)


# -------------------------------------------------------------------------- introductions


@bp.get("/introductions")
@bp.arguments(IntroductionQuery, location="query", as_kwargs=False)
@bp.response(200, IntroductionPage)
def introductions(args):
    """The caller's introductions, open ones first, newest first: a broker's own, those of the
    caller's needs and achievements, and every one for admins."""
    user = _signed_in()
    need, achievement = aliased(Need), aliased(Achievement)
    closed = Introduction.closed_at.is_not(None)
    query = sa.select(Introduction).order_by(closed, Introduction.created_at.desc(), Introduction.id.desc())
    if not user.is_admin:
        query = (
            query.join(Suggestion, Suggestion.id == Introduction.suggestion_id)
            .join(need, need.id == Suggestion.need_id)
            .join(achievement, achievement.id == Suggestion.achievement_id)
            .where(sa.or_(Introduction.broker_id == user.id, need.owner_id == user.id, achievement.owner_id == user.id))
        )
    if args.get("outcome"):
        query = query.where(Introduction.outcome == IntroductionOutcome(args["outcome"]))
    if args.get("consent"):
        query = query.where(Introduction.in_consent_state(ConsentState(args["consent"])))
    position = decode_cursor(args.get("cursor"), bool, datetime, int)
    if position is not None:
        was_closed, created, last_id = position
        later = sa.or_(
            Introduction.created_at < created,
            sa.and_(Introduction.created_at == created, Introduction.id < last_id),
        )
        query = query.where(sa.and_(closed, later) if was_closed else sa.or_(closed, sa.and_(~closed, later)))
    rows, next_cursor = _page(query, args["limit"], lambda last: (last.closed_at is not None, last.created_at, last.id))
    return {"items": [introduction_data(i, user, contacts=False) for i in rows], "next_cursor": next_cursor}


@bp.get("/introductions/<int:intro_id>")
@bp.response(200, IntroductionOut)
@bp.alt_response(404, response="NOT_FOUND")
def introduction(intro_id: int):
    """One introduction, as its page shows it to its broker, admins and the two owners: who they are
    and how to reach them, the broker's note and the outcome."""
    user = _signed_in()
    return introduction_data(_introduction(intro_id, user), user, contacts=True)


@bp.post("/introductions/<int:intro_id>/outcome")
@write
@bp.arguments(OutcomeIn)
@bp.response(200, IntroductionOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def outcome(data, intro_id: int):
    """Record how an open introduction ended: deal or no_deal (its broker or an admin; the two owners
    may read it but not close it: 403). 409 when it is already closed."""
    user = api_user()
    intro = _introduction(intro_id, user)
    decisions.set_outcome(intro, user, IntroductionOutcome(data["outcome"]), data["note"])
    db.session.flush()
    return introduction_data(intro, user, contacts=True)


def _decline_explained(data: dict) -> None:
    """As the page's form: a decline names its reason, and the reason "other" says why (422)."""
    if data["answer"] != ConsentAnswer.DECLINED.value:
        return
    if not data.get("reason"):
        raise Invalid({"reason": _("Choose a reason.")})
    if data["reason"] == RejectReason.OTHER.value and not (data.get("message") or "").strip():
        raise Invalid({"message": _("Say why when the reason is “Other”.")})


@bp.post("/introductions/<int:intro_id>/consent")
@write
@bp.arguments(ConsentIn)
@bp.response(200, IntroductionOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def consent(data, intro_id: int):
    """Answer an introduction for your side, once: accepted, or declined with a reason (which closes
    it as no_deal). Only the need's owner and the achievement's owner answer, each for their own
    side (its broker and admins may read it but not answer: 403). A side whose listing has no owner
    account (imported from the district's lists) is answered by the introduction's broker or an
    admin with `side`, recording the answer the party gave outside the platform; `message` then
    says how and from whom it was obtained (422 without it; 403 when that side has an owner). The
    identities and contacts of both sides are in the answer once both agreed. 409 when the side
    already answered or it is closed."""
    user = api_user()
    intro = _introduction(intro_id, user)
    side = data.get("side")
    # who answers is checked before what they answer
    require(can_answer_for(intro, user, side) if side else can_answer_introduction(intro, user))
    _decline_explained(data)
    answer = ConsentAnswer(data["answer"])
    if side:  # the service requires the note (422 without it)
        answer_on_behalf(intro, user, side, answer, reason=data.get("reason"), note=data.get("message"))
    else:
        answer_introduction(intro, user, answer, reason=data.get("reason"), message=data.get("message"))
    db.session.flush()
    return introduction_data(intro, user, contacts=True)


# -------------------------------------------------------------------------- on a listing's page


def _listing_suggestions(listing, user, counterpart) -> list[dict]:
    found = suggestions.top_for(listing, user)
    introduced = introduction_ids(found)
    return [
        scored(s.score)
        | {
            "id": s.id,
            "status": s.status.value,
            "terms": list(s.terms or []),
            "created_at": s.created_at,
            "introduction_id": introduced.get(s.id),
        }
        | counterpart(s)
        for s in found
    ]


@bp.get("/achievements/<int:achievement_id>/suggestions")
@bp.response(200, AchievementSuggestions)
@bp.alt_response(404, response="NOT_FOUND")
def achievement_suggestions(achievement_id: int):
    """The needs an achievement may meet, best first, as its page shows them: to its owner, brokers
    and admins (nobody else sees any: an empty list). Each need de-identified unless its enterprise
    shows who it is."""
    user = api_user()
    achievement = visible_listing(Achievement, achievement_id, user)
    return {
        "items": _listing_suggestions(achievement, user, lambda s: {"need": need_ref(s.need) | public_poster(s.need)})
    }


@bp.get("/needs/<int:need_id>/suggestions")
@bp.response(200, NeedSuggestions)
@bp.alt_response(404, response="NOT_FOUND")
def need_suggestions(need_id: int):
    """The achievements that may meet a need, best first, as its page shows them: to its owner,
    brokers and admins (nobody else sees any: an empty list)."""
    user = api_user()
    need = visible_listing(Need, need_id, user)
    return {"items": _listing_suggestions(need, user, lambda s: {"achievement": achievement_ref(s.achievement)})}
