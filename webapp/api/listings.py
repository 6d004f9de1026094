"""/api/v1: the achievements and needs libraries and the taxonomy, read. Who sees what is decided
by the models' own rules (can_view, can_edit, can_see_confidential, can_see_identity,
anonymous_label), as on the pages; the search is the libraries' search (webapp.listings.search).
Creating and changing listings: webapp.api.listing_writes."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint

from webapp.achievements.models import Achievement
from webapp.api.auth import api_user
from webapp.api.common import get_visible
from webapp.api.schemas import AchievementOut, AchievementPage, ListQuery, NeedOut, NeedPage, Taxonomy
from webapp.core.money import format_money_range
from webapp.listings.models import CoopMode, Maturity
from webapp.listings.search import Criteria, search
from webapp.needs.models import Need
from webapp.taxonomy.services import tree

bp = Blueprint("api_listings", __name__, url_prefix="/api/v1", description="Achievements, needs and the taxonomy.")

SEARCH_CURSOR = "p."  # search results are paged by number: the cursor holds the next page's


def _field(field) -> dict | None:
    return None if field is None else {"id": field.id, "code": field.code, "name": field.display_name}


def _common(listing, endpoint: str, id_arg: str, user) -> dict:
    manage = listing.can_edit(user)
    return {
        "id": listing.id,
        "title": listing.title,
        "keywords": list(listing.keywords or []),
        "field": _field(listing.field),
        "coop_modes": [m.value for m in listing.coop_modes],
        "published_at": listing.published_at,
        "posted_on": listing.posted_on,
        "url": url_for(endpoint, _external=True, **{id_arg: listing.id}),
        "status": listing.status.value,
        "moderation_reason": listing.moderation_reason if manage else None,
    }


def _amount(low: int | None, high: int | None) -> dict:
    return {"min": low, "max": high, "text": format_money_range(low, high)}


def achievement_data(achievement: Achievement, user) -> dict:
    """What its page shows `user`: the confidential part only to its owner, admins and the people
    the owner granted access."""
    return _common(achievement, "achievements.detail", "achievement_id", user) | {
        "summary": achievement.summary,
        "scenarios": achievement.scenarios,
        "maturity": achievement.maturity.value if achievement.maturity else None,
        "trl": achievement.trl,
        "patents": list(achievement.patents or []),
        "price": _amount(achievement.price_min, achievement.price_max),
        "institution": achievement.institution_label or None,
        "team": achievement.team,
        "has_confidential_part": bool(achievement.confidential),
        "confidential": achievement.confidential if achievement.can_see_confidential(user) else None,
    }


def need_data(need: Need, user) -> dict:
    """As the need's page shows it to `user`: de-identified unless need.can_see_identity(user)."""
    shown = need.can_see_identity(user)
    return _common(need, "needs.detail", "need_id", user) | {
        "description": need.description,
        "indicators": need.indicators,
        "expected_maturity": need.expected_maturity.value if need.expected_maturity else None,
        "budget": _amount(need.budget_min, need.budget_max),
        "deadline": need.deadline,
        "identity_shown": shown,
        "poster": (need.organisation_label if shown else need.anonymous_label) or "",
        "organisation": (need.organisation_label or None) if shown else None,
        "contact_name": need.contact_name if shown else None,
        "contact_phone": need.contact_phone if shown else None,
    }


def _page(kind: str, args: dict, user, dump) -> dict:
    """One page of the library's list or search, as the library pages find it (published only)."""
    criteria = Criteria(
        q=args["q"].strip(),
        field_id=args.get("field"),
        maturity=Maturity(args["maturity"]) if args.get("maturity") else None,
        coop=CoopMode(args["coop"]) if args.get("coop") else None,
        org=args["org"].strip(),
        money_min=args.get("amount_min"),
        money_max=args.get("amount_max"),
        posted_from=args.get("posted_from"),
        posted_to=args.get("posted_to"),
        sort=args.get("sort", ""),
    )
    cursor, limit = args.get("cursor") or None, args["limit"]
    if criteria.q:
        page = 1
        if cursor and cursor.startswith(SEARCH_CURSOR) and cursor[len(SEARCH_CURSOR) :].isdigit():
            page = min(int(cursor[len(SEARCH_CURSOR) :]), 10**6)
        results = search(kind, criteria, user, page=page, per_page=limit)
        more = results.page == page and results.page < results.pages
        next_cursor = f"{SEARCH_CURSOR}{page + 1}" if more else None
    else:
        results = search(kind, criteria, user, after=cursor, per_page=limit)
        next_cursor = results.next_cursor
    return {"items": [dump(item) for item in results.items], "next_cursor": next_cursor}


def visible_listing(model, listing_id: int, user):
    """The listing if `user` may see it; 404 otherwise, so an id does not tell a draft exists."""
    return get_visible(model, listing_id, lambda listing: listing.can_view(user))


@bp.get("/achievements")
@bp.arguments(ListQuery, location="query", as_kwargs=False)
@bp.response(200, AchievementPage)
def achievements(args):
    """Published achievements: the achievements library's list and search."""
    user = api_user()
    return _page("a", args, user, lambda achievement: achievement_data(achievement, user))


@bp.get("/achievements/<int:achievement_id>")
@bp.response(200, AchievementOut)
@bp.alt_response(404, response="NOT_FOUND")
def achievement(achievement_id: int):
    """One achievement: published, or any of the caller's own (the confidential part only for those
    who may see it on the page)."""
    user = api_user()
    return achievement_data(visible_listing(Achievement, achievement_id, user), user)


@bp.get("/needs")
@bp.arguments(ListQuery, location="query", as_kwargs=False)
@bp.response(200, NeedPage)
def needs(args):
    """Published needs: the needs library's list and search, de-identified as there."""
    user = api_user()
    return _page("n", args, user, lambda need: need_data(need, user))


@bp.get("/needs/<int:need_id>")
@bp.response(200, NeedOut)
@bp.alt_response(404, response="NOT_FOUND")
def need(need_id: int):
    """One need: published, or any of the caller's own; de-identified unless its poster shows who
    they are (or the caller may know)."""
    user = api_user()
    return need_data(visible_listing(Need, need_id, user), user)


@bp.get("/taxonomy")
@bp.response(200, Taxonomy)
def taxonomy():
    """The technical fields: top-level fields in order, each with its sub-fields."""
    nodes = []
    for top, children in tree():
        nodes.append(
            _field(top) | {"name_zh": top.name, "name_en": top.name_en, "children": [_field(c) for c in children]}
        )
    return {"fields_": nodes}
