"""The moderation queue, and the page helpers achievements and needs share: transition buttons,
status badges, money ranges, the owner's next step and the near-duplicate warning."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination

from webapp.accounts.models import Role
from webapp.core.permissions import roles_required
from webapp.core.security import is_safe_next
from webapp.extensions import db
from webapp.listings import kinds, lifecycle
from webapp.listings.forms import TransitionForm
from webapp.listings.models import ListingStatus

bp = Blueprint("moderation", __name__, template_folder="templates", url_prefix="/admin/moderation")

PER_PAGE = 30

# What the owner of a listing in each state should do next ("my listings").
NEXT_STEPS = {
    ListingStatus.DRAFT: _l("Complete it and submit it for review."),
    ListingStatus.SUBMITTED: _l("Waiting for an administrator's review."),
    ListingStatus.PUBLISHED: _l("Public in the library."),
    ListingStatus.RETURNED: _l("Edit it as the reviewer asked, then submit it again."),
    ListingStatus.OFFLINE: _l("Offline: submit it again to republish it."),
}

# What differs between the two "my listings" pages (one template: moderation/mine.html).
MINE_PAGES = {
    "a": {
        "title": _l("My achievements"),
        "new_label": _l("Publish an achievement"),
        "empty": _l("You have not listed any achievements yet."),
        "endpoint": "achievements",
        "id_arg": "achievement_id",
    },
    "n": {
        "title": _l("My needs"),
        "new_label": _l("Post a need"),
        "empty": _l("You have not posted any needs yet."),
        "endpoint": "needs",
        "id_arg": "need_id",
    },
}


def render_mine(kind: str, page):
    return render_template("moderation/mine.html", page=page, mine=MINE_PAGES[kind])


# The confirmation after each lifecycle step.
DONE = {
    "submit": _l("Submitted for review: an administrator will look at it soon."),
    "approve": _l("Approved: the listing is now public."),
    "return": _l("Returned to the owner with your reason."),
    "withdraw": _l("Taken offline: it no longer shows in the library."),
    "take_down": _l("Taken down: the owner sees your reason."),
}

BADGES = {
    ListingStatus.DRAFT: "text-bg-secondary",
    ListingStatus.SUBMITTED: "text-bg-warning",
    ListingStatus.PUBLISHED: "text-bg-success",
    ListingStatus.RETURNED: "text-bg-danger",
    ListingStatus.OFFLINE: "text-bg-dark",
}


def run_transition(listing, detail_url: str):
    """POST handler shared by both kinds: apply one lifecycle step and go back where the user was
    (the detail page, or the queue / my listings page the button was on)."""
    if not (listing.can_edit(current_user) or listing.can_moderate(current_user)):
        abort(403)
    form = TransitionForm()
    target = form.next.data if is_safe_next(form.next.data) else detail_url
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return redirect(target)
    try:
        lifecycle.apply(listing, form.action.data or "", current_user, form.reason.data)
    except lifecycle.TransitionError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(target)
    db.session.commit()
    flash(str(DONE[form.action.data]), "success")
    return redirect(target)


def submit_after_save(listing, user, wanted: bool) -> bool:
    """ "Save and submit for review" after the service saved: an owner's edit of a published listing
    is already back in review, so only the other states take the submit step."""
    if not wanted:
        return False
    if listing.status is not ListingStatus.SUBMITTED:
        lifecycle.apply(listing, "submit", user)
    return True


# The near-duplicate finder (finder(listing, user=...) -> list), registered by the duplicate finder
# from create_app; without one a listing shows no duplicates.
_duplicate_finders: list = []


def register_duplicate_finder(finder) -> None:
    if finder not in _duplicate_finders:
        _duplicate_finders.append(finder)


def duplicates_for(listing) -> list:
    """Near-duplicates of the listing that its viewer may see."""
    return [found for finder in _duplicate_finders for found in finder(listing, user=current_user) or []]


def waiting_count() -> int:
    count = 0
    for model in kinds.models():
        count += (
            db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.status == ListingStatus.SUBMITTED)
            )
            or 0
        )
    return count


@bp.app_context_processor
def _inject():
    def moderation_waiting() -> int:
        if current_user.is_authenticated and current_user.is_admin:
            return waiting_count()
        return 0

    return {
        "moderation_waiting": moderation_waiting,
        "listing_transitions": lambda listing: lifecycle.allowed(listing, current_user),
        "listing_next_step": lambda listing: str(NEXT_STEPS[listing.status]),
        "status_badge_class": lambda listing: BADGES[listing.status],
    }


class _QueuePagination(Pagination):
    """Submitted achievements and needs in one list, oldest first (a UNION of both tables),
    optionally one kind only and titles containing a search text."""

    def __init__(self, *, kind: str | None = None, q: str = "", **kwargs):
        self.kind = kind if kind in ("a", "n") else None
        self.q = q.strip().lower()
        super().__init__(**kwargs)

    def _union(self):
        parts = []
        for model in kinds.models():
            if self.kind and self.kind != model.KIND:
                continue
            part = sa.select(
                sa.literal(model.KIND).label("kind"), model.id.label("id"), model.updated_at.label("at")
            ).where(model.status == ListingStatus.SUBMITTED)
            if self.q:
                part = part.where(sa.func.lower(model.title).contains(self.q, autoescape=True))
            parts.append(part)
        return sa.union_all(*parts).subquery()

    def _query_items(self) -> list:
        union = self._union()
        rows = db.session.execute(
            sa.select(union.c.kind, union.c.id)
            .order_by(union.c.at, union.c.kind, union.c.id)
            .limit(self.per_page)
            .offset(self._query_offset)
        ).all()
        loaded = {}
        for model in kinds.models():
            kind = model.KIND
            ids = [r.id for r in rows if r.kind == kind]
            if ids:
                loaded.update({(kind, o.id): o for o in db.session.scalars(sa.select(model).where(model.id.in_(ids)))})
        return [loaded[(r.kind, r.id)] for r in rows if (r.kind, r.id) in loaded]

    def _query_count(self) -> int:
        union = self._union()
        return db.session.scalar(sa.select(sa.func.count()).select_from(union)) or 0


@bp.route("/")
@roles_required(Role.ADMIN)
def queue():
    """Listings waiting for review, oldest first, with approve and return on each row."""
    kind = request.args.get("kind") or None
    q = (request.args.get("q") or "").strip()[:100]
    page = _QueuePagination(kind=kind, q=q, per_page=PER_PAGE, error_out=False)
    return render_template("moderation/queue.html", page=page, kind=page.kind, q=q)
