"""What the matching operations of the API show (webapp.api.matching): suggestions and
introductions as the broker's and the owners' pages show them to the caller, and the cursors that
page their lists (keyset pagination on each list's order)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import abort

from webapp.achievements.models import Achievement
from webapp.api.listings import _amount, _field
from webapp.extensions import db
from webapp.matching.explain import BAND_MEANINGS, band_label, band_of, explain
from webapp.matching.models import (
    ACHIEVEMENT_SIDE,
    NEED_SIDE,
    Introduction,
    Suggestion,
    SuggestionStatus,
)
from webapp.matching.permissions import (
    answerable_sides,
    can_set_outcome,
    sees_message,
    sees_need_poster,
    sees_researcher,
)
from webapp.needs.models import Need

# -------------------------------------------------------------------------- cursors


def encode_cursor(*values) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, *kinds: type) -> list | None:
    """The values of a cursor made by `encode_cursor` with values of these kinds (datetime as ISO text);
    None without one; 422 for one this list did not make."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError(cursor)
        out = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is datetime:
                value = datetime.fromisoformat(value)
                value = value if value.tzinfo else value.replace(tzinfo=UTC)
            elif isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
                raise ValueError(cursor)
            out.append(value)
        return out
    except (ValueError, TypeError, binascii.Error, OverflowError):
        abort(
            422,
            message=_("Some parameters are not valid; see errors."),
            messages={"query": {"cursor": [_("Not a cursor of this list: leave it out to start at the first page.")]}},
        )


# -------------------------------------------------------------------------- what is shown


def scored(score: float) -> dict:
    """The score with its confidence band."""
    band = band_of(score)
    return {"score": round(float(score), 2), "band": band, "band_label": band_label(band)}


def _reasons(suggestion: Suggestion, *, counting_only: bool = False) -> list[dict]:
    return [
        {"part": r.part, "label": r.label, "text": r.text, "value": r.value, "signed": r.signed}
        for r in explain(suggestion)
        if r.value or not counting_only
    ]


def _listing(listing, endpoint: str, id_arg: str) -> dict:
    return {
        "id": listing.id,
        "title": listing.title,
        "url": url_for(endpoint, _external=True, **{id_arg: listing.id}),
    }


def need_ref(need: Need) -> dict:
    return _listing(need, "needs.detail", "need_id")


def achievement_ref(achievement: Achievement) -> dict:
    return _listing(achievement, "achievements.detail", "achievement_id") | {
        "institution": achievement.institution_label or None
    }


def _poster(need: Need, shown: bool) -> dict:
    """Who posted the need: its organisation when `shown`, else the de-identified label."""
    organisation = need.organisation_label or None
    return {
        "identity_shown": shown,
        "poster": (organisation or need.anonymous_label) if shown else need.anonymous_label,
        "organisation": organisation if shown else None,
    }


def public_poster(need: Need) -> dict:
    """As the matching pages name a need's poster in lists: de-identified unless it shows who it is."""
    return {"poster": _poster(need, need.show_identity)["poster"]}


def _matched(listing) -> dict:
    return {
        "status": listing.status.value,
        "field": _field(listing.field),
        "keywords": list(listing.keywords or []),
        "coop_modes": [m.value for m in listing.coop_modes],
    }


def _matched_need(need: Need, identity_shown: bool) -> dict:
    return (
        need_ref(need)
        | _matched(need)
        | _poster(need, identity_shown)
        | {
            "description": need.description,
            "indicators": need.indicators,
            "budget": _amount(need.budget_min, need.budget_max),
            "expected_maturity": need.expected_maturity.value if need.expected_maturity else None,
        }
    )


def _matched_achievement(achievement: Achievement) -> dict:
    return (
        achievement_ref(achievement)
        | _matched(achievement)
        | {
            "summary": achievement.summary,
            "scenarios": achievement.scenarios,
            "price": _amount(achievement.price_min, achievement.price_max),
            "maturity": achievement.maturity.value if achievement.maturity else None,
        }
    )


def introduction_ids(found: list[Suggestion]) -> dict[int, int]:
    """The introduction of each accepted suggestion among `found`."""
    accepted = [s.id for s in found if s.status is SuggestionStatus.ACCEPTED]
    if not accepted:
        return {}
    return dict(
        db.session.execute(
            sa.select(Introduction.suggestion_id, Introduction.id).where(Introduction.suggestion_id.in_(accepted))
        ).all()
    )


def suggestion_data(suggestion: Suggestion, user, *, in_queue: bool, introduction_id: int | None = None) -> dict:
    """As the broker's pages show it: in the queue the need is de-identified unless its enterprise
    shows who it is; on the suggestion's page brokers and admins see the organisation."""
    need = suggestion.need
    shown = need.show_identity if in_queue else need.can_see_identity(user)
    decision = None
    if suggestion.status is not SuggestionStatus.NEW:
        decision = {
            "reason": suggestion.reason.value if suggestion.reason else None,
            "reason_label": suggestion.reason.label if suggestion.reason else None,
            "note": suggestion.note,
            "decided_at": suggestion.decided_at,
            "decided_by": suggestion.decided_by.name if suggestion.decided_by else None,
        }
    score = scored(suggestion.score)
    return score | {
        "id": suggestion.id,
        "url": url_for("matching.suggestion", suggestion_id=suggestion.id, _external=True),
        "band_meaning": str(BAND_MEANINGS.get(score["band"], "")),
        "status": suggestion.status.value,
        "created_at": suggestion.created_at,
        "computed_at": suggestion.computed_at,
        "terms": list(suggestion.terms or []),
        "reasons": _reasons(suggestion),
        "need": _matched_need(need, shown),
        "achievement": _matched_achievement(suggestion.achievement),
        "decision": decision,
        "introduction_id": introduction_id,
    }


def _consent(intro: Introduction, user, side: str) -> dict:
    answer = intro.answer_of(side)
    return {
        "answer": answer.value if answer else None,
        "answer_label": answer.label if answer else None,
        "answered_at": intro.answered_at_of(side),
        "message": intro.message_of(side) if sees_message(intro, user, side) else None,
        "recorded_by": (recorder.name if (recorder := intro.recorded_by_of(side)) else "")
        if intro.recorded_on_behalf(side)
        else None,
    }


def introduction_data(intro: Introduction, user, *, contacts: bool) -> dict:
    """As the introduction pages show it: the need's organisation, and on one introduction
    (`contacts`) how to reach each side, to whoever may see them (`sees_need_poster`,
    `sees_researcher`: the other side only once both agreed); both sides' answers."""
    s = intro.suggestion
    need, achievement = s.need, s.achievement
    owner = achievement.owner
    poster_shown = sees_need_poster(intro, user)
    need_contacts = contacts and poster_shown
    owner_contacts = contacts and owner is not None and sees_researcher(intro, user)
    side = intro.side_of(user)
    answerable = answerable_sides(intro, user)
    return scored(s.score) | {
        "id": intro.id,
        "url": url_for("matching.introduction", intro_id=intro.id, _external=True),
        "suggestion_id": s.id,
        "outcome": intro.outcome.value,
        "outcome_label": intro.outcome.label,
        "note": intro.note,
        "outcome_note": intro.outcome_note,
        "broker": intro.broker.name if intro.broker else None,
        "created_at": intro.created_at,
        "closed_at": intro.closed_at,
        "terms": list(s.terms or []),
        "reasons": _reasons(s, counting_only=True),
        "need": need_ref(need)
        | {
            "poster": (need.organisation_label or need.anonymous_label) if poster_shown else need.anonymous_label,
            "contact_name": need.contact_name if need_contacts else None,
            "contact_phone": need.contact_phone if need_contacts else None,
        },
        "achievement": achievement_ref(achievement)
        | {
            "contact_name": owner.name if owner_contacts else None,
            "contact_phone": owner.phone if owner_contacts else None,
        },
        "may_set_outcome": can_set_outcome(intro, user),
        "agreed": intro.agreed,
        "consent": [c.value for c in intro.consent_states],
        "need_answer": _consent(intro, user, NEED_SIDE),
        "achievement_answer": _consent(intro, user, ACHIEVEMENT_SIDE),
        "decline_reason": intro.decline_reason.value if intro.decline_reason else None,
        "your_side": side,
        "may_answer": side in answerable,
        "may_answer_sides": answerable,
    }
