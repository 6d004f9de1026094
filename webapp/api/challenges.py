"""/api/v1: the challenges (揭榜挂帅) — the public board, a challenge as its page shows it to the
caller, and the enterprise's own challenges, posted from its needs, edited, submitted and withdrawn
through the same services (webapp.challenges.posting) and rules (webapp.challenges.permissions) as
the pages. Who posted a challenge is shown only as Challenge.can_see_identity allows. Applications:
webapp.api.applications."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from flask import url_for
from flask_babel import gettext as _
from flask_smorest import Blueprint, abort

from webapp.api.auth import api_user
from webapp.api.challenge_schemas import (
    BoardQuery,
    ChallengeFromNeed,
    ChallengeIn,
    ChallengeOut,
    ChallengePage,
    ReasonIn,
)
from webapp.api.common import get_visible, newest_first, write
from webapp.api.schemas import MineQuery
from webapp.challenges import applications, lifecycle, participants, posting
from webapp.challenges import board as challenge_board
from webapp.challenges.errors import ChallengeInvalid
from webapp.challenges.models import Challenge, ChallengeStatus
from webapp.challenges.permissions import can_view, is_admin, is_owner
from webapp.challenges.posting import ChallengeInput, CriterionInput, MilestoneInput
from webapp.core.boundary import INT_MAX
from webapp.core.money import MoneyError, format_money, parse_wan
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.needs.models import Need

bp = Blueprint(
    "api_challenges",
    __name__,
    url_prefix="/api/v1",
    description="Challenges (揭榜挂帅): the board, the enterprise's own challenges, and applications to them.",
)

S = ChallengeStatus
DELIVERY = (S.AWARDED, S.CONTRACTED, S.IN_PROGRESS, S.ACCEPTANCE, S.COMPLETED)
# The service names the technical field `field_id`; the API, like the listings, `field`.
FIELD_NAMES = {"field_id": "field"}
YEARS = (2000, 2200)  # the window's years: any other is a typo


def money(yuan: int | None) -> dict | None:
    return None if yuan is None else {"yuan": yuan, "text": format_money(yuan)}


def _field(field) -> dict | None:
    return None if field is None else {"id": field.id, "code": field.code, "name": field.display_name}


def summary_data(challenge: Challenge, user) -> dict:
    """What the board's card shows, and who posted it only if `user` may know."""
    shown = challenge.can_see_identity(user)
    return {
        "id": challenge.id,
        "url": url_for("challenges.detail", challenge_id=challenge.id, _external=True),
        "title": challenge.title,
        "status": challenge.status.value,
        "status_label": challenge.status.label,
        "field": _field(challenge.field),
        "bounty": money(challenge.bounty),
        "cofunding": money(challenge.cofunding or 0),
        "total_funding": money(challenge.total_funding),
        "winners_max": challenge.winners_max,
        "opens_at": challenge.opens_at,
        "closes_at": challenge.closes_at,
        "published_at": challenge.published_at,
        "window_open": posting.window_open(challenge),
        "identity_shown": shown,
        "publisher": challenge.publisher_label(user) or "",
        "organisation": (challenge.publisher_label(user) or None) if shown else None,
    }


def _team(application) -> dict:
    return {"lead_unit": application.lead_unit, "members": application.member_names}


def challenge_data(challenge: Challenge, user) -> dict:
    """As the challenge's page shows it to `user`: the reasons for a return or a withdrawal and the
    need it came from only to the enterprise and admins."""
    manage = is_owner(challenge, user) or is_admin(user)
    delivery = challenge.status in DELIVERY
    own = applications.own_application(challenge, user)
    return summary_data(challenge, user) | {
        "problem": challenge.problem,
        "indicators": challenge.indicators,
        "eligibility": [e.value for e in challenge.eligibility],
        "notice_days": challenge.notice_days,
        "notice_ends_at": challenge.notice_ends_at if challenge.status is S.NOTICE else None,
        "accepting_applications": posting.before_deadline(challenge),
        "criteria": [{"name": c.name, "weight": c.weight} for c in challenge.criteria],
        "milestones": [
            {
                "position": m.position,
                "title": m.title,
                "share": m.share,
                "amount": money(m.amount),
                "due_on": m.due_on,
                "status": m.status.value if delivery else None,
                "payment_due": money(m.payment_due) if delivery else None,
            }
            for m in challenge.milestones
        ],
        "proposed": [_team(a) for a in participants.proposed(challenge)] if challenge.status is S.NOTICE else [],
        "winners": [_team(a) for a in participants.winners(challenge)],
        "failure": challenge.failure.value if challenge.status is S.FAILED and challenge.failure else None,
        "termination_reason": challenge.termination_reason if challenge.status is S.TERMINATED else None,
        "return_reason": challenge.return_reason if manage and challenge.status is S.RETURNED else None,
        "withdrawal_reason": challenge.withdrawal_reason if manage else None,
        "need_id": challenge.need_id if manage else None,
        "can_edit": posting.can_edit(challenge, user),
        "can_apply": applications.can_apply(challenge, user),
        "my_application": own.id if own is not None else None,
        "actions": [t.name for t in lifecycle.allowed(challenge, user)],
    }


def visible_challenge(challenge_id: int, user) -> Challenge:
    """The challenge if `user` may see it (published onwards; drafts only for the enterprise and
    admins); 404 otherwise."""
    return get_visible(Challenge, challenge_id, lambda challenge: can_view(challenge, user))


def signed_in_user():
    """The caller, who must have sent a token (401 otherwise)."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    return user


# ---------------------------------------------------------------- the board's cursor


def _cursor(at: challenge_board.Position, sort: str) -> str:
    closes = at.closes_at.isoformat() if at.closes_at else None
    raw = json.dumps([sort, at.open_, closes, at.published_at.isoformat(), at.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _moment(text) -> datetime:
    when = datetime.fromisoformat(text)
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _position(cursor: str | None, sort: str) -> challenge_board.Position | None:
    """The position a cursor of this order holds; None for anything else (a stale or edited one:
    the list starts again)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, open_, closes, published, challenge_id = json.loads(raw)
        if cursor_sort != sort or not isinstance(open_, bool) or type(challenge_id) is not int:
            return None
        if not 0 < challenge_id <= INT_MAX:
            return None
        closes_at = _moment(closes) if open_ else None
        return challenge_board.Position(open_, closes_at, _moment(published), challenge_id)
    except (ValueError, TypeError, binascii.Error, OverflowError):
        return None


# ---------------------------------------------------------------- reads


@bp.get("/challenges")
@bp.arguments(BoardQuery, location="query", as_kwargs=False)
@bp.response(200, ChallengePage)
def board(args):
    """The public challenge board, as its page lists it: published challenges and what became of
    them, filtered by technical field (sub-fields included) and state; by default open ones first,
    closing soonest first."""
    user, sort, limit = api_user(), args["sort"], args["limit"]
    status = S(args["status"]) if args.get("status") else None
    query = challenge_board.board(field_id=args.get("field"), status=status, sort=sort)
    at = _position(args.get("cursor"), sort)
    if at is not None:
        query = challenge_board.after(query, at, sort)
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more, rows = len(rows) > limit, rows[:limit]
    next_cursor = _cursor(challenge_board.position(rows[-1], sort), sort) if more else None
    return {"items": [summary_data(c, user) for c in rows], "next_cursor": next_cursor}


@bp.get("/challenges/mine")
@bp.arguments(MineQuery, location="query", as_kwargs=False)
@bp.response(200, ChallengePage)
@bp.alt_response(401, response="UNAUTHORIZED")
def my_challenges(args):
    """The caller's own challenges in every state (drafts, in review, returned, published, …),
    newest first."""
    user = signed_in_user()
    return newest_first(posting.owned_by(user), Challenge, args, lambda c: summary_data(c, user))


@bp.get("/challenges/<int:challenge_id>")
@bp.response(200, ChallengeOut)
@bp.alt_response(404, response="NOT_FOUND")
def challenge(challenge_id: int):
    """One challenge as its page shows it to the caller: its terms, criteria, milestones and
    bounty; who posted it only if the enterprise chose to be named or the caller may know."""
    user = api_user()
    return challenge_data(visible_challenge(challenge_id, user), user)


# ---------------------------------------------------------------- the enterprise's own


def _terms(data: dict) -> ChallengeInput:
    """The request's terms as the posting form hands them to the service: the bounty read from
    万元 text. A bounty the money parser refuses is reported with the service's other messages."""
    errors = {}
    try:
        bounty = parse_wan(data["bounty"])
    except MoneyError as exc:
        bounty, errors["bounty"] = None, str(exc)
    window = {}
    for name in ("opens_at", "closes_at"):
        if YEARS[0] <= data[name].year <= YEARS[1]:
            window[name] = data[name].astimezone(UTC)
        else:
            window[name] = None
            errors[name] = _("Give a date between %(start)s and %(end)s.", start=YEARS[0], end=YEARS[1])
    terms = ChallengeInput(
        title=data["title"],
        problem=data["problem"],
        indicators=data["indicators"],
        field_id=data["field"],
        bounty=bounty,
        opens_at=window["opens_at"],
        closes_at=window["closes_at"],
        eligibility=list(dict.fromkeys(data["eligibility"])),
        notice_days=data["notice_days"],
        winners_max=data["winners_max"],
        criteria=[CriterionInput(c["name"], c["weight"]) for c in data["criteria"]],
        milestones=[MilestoneInput(m["title"], m["share"], m["due_on"]) for m in data["milestones"]],
        show_identity=data["show_identity"],
    )
    if errors:
        try:
            posting.validate(terms)
        except ChallengeInvalid as exc:
            errors = {**exc.errors, **errors}
        raise ChallengeInvalid(errors)
    return terms


def _named_as_requested(exc: ChallengeInvalid) -> ChallengeInvalid:
    exc.errors = {FIELD_NAMES.get(key, key): message for key, message in exc.errors.items()}
    return exc


@bp.post("/challenges")
@write
@bp.arguments(ChallengeFromNeed)
@bp.response(201, ChallengeOut)
@bp.alt_response(409, response="CONFLICT")
def create_challenge(data):
    """Draft a challenge from one of the caller's published needs (enterprises), prefilled from it
    as on the page: its title, problem, indicators, field and budget, the default review criteria,
    and the need's choice to be named or not. Any other need answers 422; a need whose challenge
    is under way, 409."""
    user = api_user()
    require(posting.may_post(user))
    need = db.session.get(Need, data["need"])
    posting.check_need(need, user)
    challenge = posting.create_from_need(user, need)
    db.session.flush()
    body = challenge_data(challenge, user)
    return body, 201, {"Location": url_for("api_challenges.challenge", challenge_id=challenge.id, _external=True)}


@bp.put("/challenges/<int:challenge_id>")
@write
@bp.arguments(ChallengeIn)
@bp.response(200, ChallengeOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def replace_challenge(data, challenge_id: int):
    """Replace a draft's or a returned challenge's terms as a whole, as the posting form does (its
    enterprise only): money in 万元 text, the window in ISO 8601 (Beijing time without an offset),
    criteria weights and milestone shares adding up to 100. Any other state answers 409."""
    user = api_user()
    challenge = visible_challenge(challenge_id, user)
    require(is_owner(challenge, user))
    try:
        posting.update_draft(user, challenge, _terms(data))
    except ChallengeInvalid as exc:
        raise _named_as_requested(exc) from None
    return challenge_data(challenge, user)


@bp.post("/challenges/<int:challenge_id>/submit")
@write
@bp.response(200, ChallengeOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def submit_challenge(challenge_id: int):
    """Submit a draft or returned challenge for the district's review (its enterprise only); its
    terms are checked again as stored (422 with the fields to fix)."""
    user = api_user()
    challenge = visible_challenge(challenge_id, user)
    try:
        posting.submit(user, challenge)
    except ChallengeInvalid as exc:
        raise _named_as_requested(exc) from None
    return challenge_data(challenge, user)


@bp.post("/challenges/<int:challenge_id>/withdraw")
@write
@bp.arguments(ReasonIn, required=False)
@bp.response(200, ChallengeOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def withdraw_challenge(data, challenge_id: int):
    """Withdraw a challenge (its enterprise only): before publication, or after it while nobody has
    submitted an application (409 then: the administrators may terminate it)."""
    user = api_user()
    challenge = visible_challenge(challenge_id, user)
    posting.withdraw(user, challenge, data["reason"])
    return challenge_data(challenge, user)
