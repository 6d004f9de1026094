"""/api/v1: creating and changing achievements and needs, as their owners may on the pages — the
same services (webapp.achievements.services, webapp.needs.services), the same validation, the
same lifecycle (webapp.listings.lifecycle) and the same audit events."""

from __future__ import annotations

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import abort

from webapp.achievements import services as achievement_services
from webapp.achievements.models import Achievement
from webapp.api.auth import api_user
from webapp.api.common import write
from webapp.api.listings import achievement_data, bp, need_data, visible_listing
from webapp.api.schemas import AchievementIn, AchievementOut, AchievementPage, MineQuery, NeedIn, NeedOut, NeedPage
from webapp.core.permissions import require
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.moderation import submit_after_save
from webapp.needs import services as need_services
from webapp.needs.models import Need
from webapp.taxonomy.models import TechField

NEED_OPTIONS = ("show_identity", "contact_name", "contact_phone")


def _field(field_id: int | None):
    if field_id is None:
        return None
    field = db.session.get(TechField, field_id)
    if field is None:
        abort(
            422,
            message=_("Some fields are not valid; see errors."),
            messages={"json": {"field": [_("Unknown technical field; see /taxonomy.")]}},
        )
    return field


def _raw(data: dict) -> dict:
    """The request's values as the validation service reads them (the form's keys)."""
    return {key: value for key, value in data.items() if key not in ("field", "submit", *NEED_OPTIONS)}


def _created(body: dict, endpoint: str, **path):
    return body, 201, {"Location": url_for(endpoint, _external=True, **path)}


def _mine(model, args: dict, dump) -> dict:
    """The caller's listings of one kind in every state, newest first, by id."""
    user = api_user()
    if not user.is_authenticated:
        abort(401)
    query = sa.select(model).where(model.owner_id == user.id).order_by(model.id.desc()).limit(args["limit"] + 1)
    if args.get("cursor"):
        query = query.where(model.id < int(args["cursor"]))
    rows = list(db.session.scalars(query))
    more = len(rows) > args["limit"]
    rows = rows[: args["limit"]]
    return {"items": [dump(row, user) for row in rows], "next_cursor": str(rows[-1].id) if more else None}


def _step(model, listing_id: int, name: str, dump):
    """One lifecycle step of the owner's (submit, withdraw): 404 for a listing the caller cannot
    see, 403 when it is not theirs, 409 when its state does not allow the step."""
    user = api_user()
    listing = visible_listing(model, listing_id, user)
    lifecycle.apply(listing, name, user)
    db.session.flush()
    return dump(listing, user)


@bp.get("/achievements/mine")
@bp.arguments(MineQuery, location="query", as_kwargs=False)
@bp.response(200, AchievementPage)
@bp.alt_response(401, response="UNAUTHORIZED")
def my_achievements(args):
    """The caller's achievements in every state (drafts, in review, returned, public, offline)."""
    return _mine(Achievement, args, achievement_data)


@bp.post("/achievements")
@write
@bp.arguments(AchievementIn)
@bp.response(201, AchievementOut)
def create_achievement(data):
    """Create an achievement as a draft (researchers and admins), and submit it for review with
    `submit: true`. Send an Idempotency-Key so that a retried request never creates two."""
    user = api_user()
    require(achievement_services.can_create(user))
    achievement = achievement_services.save_achievement(user, None, _raw(data), field=_field(data["field"]))
    submit_after_save(achievement, user, data["submit"])
    db.session.flush()
    return _created(achievement_data(achievement, user), "api_listings.achievement", achievement_id=achievement.id)


@bp.put("/achievements/<int:achievement_id>")
@write
@bp.arguments(AchievementIn)
@bp.response(200, AchievementOut)
@bp.alt_response(404, response="NOT_FOUND")
def replace_achievement(data, achievement_id: int):
    """Replace an achievement's fields (its owner or an admin). A public achievement its owner
    changes goes back to review, as on the page."""
    user = api_user()
    achievement = visible_listing(Achievement, achievement_id, user)
    require(achievement.can_edit(user))
    achievement_services.save_achievement(user, achievement, _raw(data), field=_field(data["field"]))
    submit_after_save(achievement, user, data["submit"])
    db.session.flush()
    return achievement_data(achievement, user)


@bp.post("/achievements/<int:achievement_id>/submit")
@write
@bp.response(200, AchievementOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def submit_achievement(achievement_id: int):
    """Submit a draft, returned or offline achievement for review."""
    return _step(Achievement, achievement_id, "submit", achievement_data)


@bp.post("/achievements/<int:achievement_id>/withdraw")
@write
@bp.response(200, AchievementOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def withdraw_achievement(achievement_id: int):
    """Take an achievement in review or public offline."""
    return _step(Achievement, achievement_id, "withdraw", achievement_data)


def _save_need(user, need: Need | None, data: dict) -> Need:
    return need_services.save_need(
        user,
        need,
        _raw(data),
        field=_field(data["field"]),
        show_identity=data["show_identity"],
        contact_name=data["contact_name"],
        contact_phone=data["contact_phone"],
    )


@bp.get("/needs/mine")
@bp.arguments(MineQuery, location="query", as_kwargs=False)
@bp.response(200, NeedPage)
@bp.alt_response(401, response="UNAUTHORIZED")
def my_needs(args):
    """The caller's needs in every state (drafts, in review, returned, public, offline)."""
    return _mine(Need, args, need_data)


@bp.post("/needs")
@write
@bp.arguments(NeedIn)
@bp.response(201, NeedOut)
def create_need(data):
    """Post a need as a draft (enterprises and admins), and submit it for review with
    `submit: true`. Send an Idempotency-Key so that a retried request never creates two."""
    user = api_user()
    require(need_services.can_create(user))
    need = _save_need(user, None, data)
    submit_after_save(need, user, data["submit"])
    db.session.flush()
    return _created(need_data(need, user), "api_listings.need", need_id=need.id)


@bp.put("/needs/<int:need_id>")
@write
@bp.arguments(NeedIn)
@bp.response(200, NeedOut)
@bp.alt_response(404, response="NOT_FOUND")
def replace_need(data, need_id: int):
    """Replace a need's fields (its owner or an admin). A public need its owner changes goes back
    to review, as on the page."""
    user = api_user()
    need = visible_listing(Need, need_id, user)
    require(need.can_edit(user))
    _save_need(user, need, data)
    submit_after_save(need, user, data["submit"])
    db.session.flush()
    return need_data(need, user)


@bp.post("/needs/<int:need_id>/submit")
@write
@bp.response(200, NeedOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def submit_need(need_id: int):
    """Submit a draft, returned or offline need for review."""
    return _step(Need, need_id, "submit", need_data)


@bp.post("/needs/<int:need_id>/withdraw")
@write
@bp.response(200, NeedOut)
@bp.alt_response(404, response="NOT_FOUND")
@bp.alt_response(409, response="CONFLICT")
def withdraw_need(need_id: int):
    """Take a need in review or public offline."""
    return _step(Need, need_id, "withdraw", need_data)
