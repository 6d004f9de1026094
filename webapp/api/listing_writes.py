"""/api/v1: creating and changing achievements and needs, as their owners may on the pages — the
same services (webapp.achievements.services, webapp.needs.services), the same validation, the
same lifecycle (webapp.listings.lifecycle) and the same audit events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_smorest import abort

from webapp.achievements import services as achievement_services
from webapp.achievements.models import Achievement
from webapp.api.auth import api_user
from webapp.api.common import newest_first, write
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
    query = sa.select(model).where(model.owner_id == user.id).order_by(model.id.desc())
    return newest_first(query, model, args, lambda row: dump(row, user))


def _step(model, listing_id: int, name: str, dump):
    """One lifecycle step of the owner's (submit, withdraw): 404 for a listing the caller cannot
    see, 403 when it is not theirs, 409 when its state does not allow the step."""
    user = api_user()
    listing = visible_listing(model, listing_id, user)
    lifecycle.apply(listing, name, user)
    db.session.flush()
    return dump(listing, user)


def _save_achievement(user, achievement: Achievement | None, data: dict) -> Achievement:
    return achievement_services.save_achievement(user, achievement, _raw(data), field=_field(data["field"]))


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


@dataclass(frozen=True)
class Kind:
    """What differs between the two kinds of listing; their operations are the same."""

    model: type
    path: str  # "achievements"
    one: str  # "achievement": the read endpoint's name and its id parameter's prefix
    schema_in: type
    schema_out: type
    page: type
    dump: Callable
    save: Callable  # (user, listing or None, data) -> listing
    may_create: Callable
    docs: dict[str, str]


def _add_routes(kind: Kind) -> None:
    """The caller's own listings, create, replace, submit and withdraw, for one kind."""
    model, dump, id_param = kind.model, kind.dump, f"{kind.one}_id"

    def mine(args):
        return _mine(model, args, dump)

    def create(data):
        user = api_user()
        require(kind.may_create(user))
        listing = kind.save(user, None, data)
        submit_after_save(listing, user, data["submit"])
        db.session.flush()
        return _created(dump(listing, user), f"api_listings.{kind.one}", **{id_param: listing.id})

    def replace(data, **path):
        user = api_user()
        listing = visible_listing(model, path[id_param], user)
        require(listing.can_edit(user))
        if data["submit"] and not listing.is_owned_by(user):  # an admin edits; only its owner submits
            abort(
                422,
                message=_("Some fields are not valid; see errors."),
                messages={"json": {"submit": [_("Only the listing's owner submits it for review.")]}},
            )
        kind.save(user, listing, data)
        submit_after_save(listing, user, data["submit"])
        db.session.flush()
        return dump(listing, user)

    def submit(**path):
        return _step(model, path[id_param], "submit", dump)

    def withdraw(**path):
        return _step(model, path[id_param], "withdraw", dump)

    for view, name in (
        (mine, "my"),
        (create, "create"),
        (replace, "replace"),
        (submit, "submit"),
        (withdraw, "withdraw"),
    ):
        view.__name__ = f"{name}_{kind.path}" if name == "my" else f"{name}_{kind.one}"
        view.__doc__ = kind.docs[name]

    one = f"/{kind.path}/<int:{id_param}>"
    missing, refused = bp.alt_response(404, response="NOT_FOUND"), bp.alt_response(409, response="CONFLICT")
    _decorate(
        mine,
        bp.get(f"/{kind.path}/mine"),
        bp.arguments(MineQuery, location="query", as_kwargs=False),
        bp.response(200, kind.page),
        bp.alt_response(401, response="UNAUTHORIZED"),
    )
    _decorate(create, bp.post(f"/{kind.path}"), write, bp.arguments(kind.schema_in), bp.response(201, kind.schema_out))
    _decorate(replace, bp.put(one), write, bp.arguments(kind.schema_in), bp.response(200, kind.schema_out), missing)
    _decorate(submit, bp.post(f"{one}/submit"), write, bp.response(200, kind.schema_out), missing, refused)
    _decorate(withdraw, bp.post(f"{one}/withdraw"), write, bp.response(200, kind.schema_out), missing, refused)


def _decorate(view: Callable, *decorators: Callable) -> None:
    """Apply decorators as if written above `view` in this order (the last one first)."""
    for decorator in reversed(decorators):
        view = decorator(view)


_add_routes(
    Kind(
        model=Achievement,
        path="achievements",
        one="achievement",
        schema_in=AchievementIn,
        schema_out=AchievementOut,
        page=AchievementPage,
        dump=achievement_data,
        save=_save_achievement,
        may_create=achievement_services.can_create,
        docs={
            "my": "The caller's achievements in every state (drafts, in review, returned, public, offline).",
            "create": "Create an achievement as a draft (researchers and admins), and submit it for review with\n"
            "`submit: true`. Send an Idempotency-Key so that a retried request never creates two.",
            "replace": "Replace an achievement's fields (its owner or an admin). A public achievement its owner\n"
            "changes goes back to review, as on the page.",
            "submit": "Submit a draft, returned or offline achievement for review.",
            "withdraw": "Take an achievement in review or public offline.",
        },
    )
)
_add_routes(
    Kind(
        model=Need,
        path="needs",
        one="need",
        schema_in=NeedIn,
        schema_out=NeedOut,
        page=NeedPage,
        dump=need_data,
        save=_save_need,
        may_create=need_services.can_create,
        docs={
            "my": "The caller's needs in every state (drafts, in review, returned, public, offline).",
            "create": "Post a need as a draft (enterprises and admins), and submit it for review with\n"
            "`submit: true`. Send an Idempotency-Key so that a retried request never creates two.",
            "replace": "Replace a need's fields (its owner or an admin). A public need its owner changes goes back\n"
            "to review, as on the page.",
            "submit": "Submit a draft, returned or offline need for review.",
            "withdraw": "Take a need in review or public offline.",
        },
    )
)
