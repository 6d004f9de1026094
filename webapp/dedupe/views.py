"""Near-duplicate listings for admins to merge or dismiss."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.models import Role
from webapp.core.permissions import roles_required
from webapp.dedupe import decisions, services, tasks  # noqa: F401  (tasks: registers the Celery task)
from webapp.extensions import db
from webapp.listings.models import DuplicateCandidate

bp = Blueprint("dedupe", __name__, template_folder="templates", url_prefix="/admin/duplicates")

PER_PAGE = 20
KINDS = ("a", "n")


def _kind_arg() -> str | None:
    kind = request.args.get("kind")
    return kind if kind in KINDS else None


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    kind = _kind_arg()
    page = db.paginate(services.open_pairs_query(kind), per_page=PER_PAGE, error_out=False)
    return render_template(
        "dedupe/index.html",
        page=page,
        pairs=services.describe(list(page.items)),
        kind=kind,
        threshold=services.THRESHOLD,
    )


def _candidate(candidate_id: int) -> DuplicateCandidate:
    return db.session.get(DuplicateCandidate, candidate_id) or abort(404)


def _back():
    kind = request.form.get("kind")
    page = request.form.get("page", type=int)
    return redirect(
        url_for("dedupe.index", kind=kind if kind in KINDS else None, page=page if page and page > 1 else None)
    )


@bp.route("/<int:candidate_id>/merge", methods=["POST"])
@roles_required(Role.ADMIN)
def merge(candidate_id: int):
    candidate = _candidate(candidate_id)
    try:
        newer = decisions.merge(current_user, candidate)
    except decisions.DedupeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _back()
    db.session.commit()
    flash(_("“%(title)s” is now marked as a duplicate.", title=newer.title), "success")
    return _back()


@bp.route("/<int:candidate_id>/dismiss", methods=["POST"])
@roles_required(Role.ADMIN)
def dismiss(candidate_id: int):
    candidate = _candidate(candidate_id)
    try:
        decisions.dismiss(current_user, candidate)
    except decisions.DedupeError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return _back()
    db.session.commit()
    flash(_("Dismissed: this pair will not be suggested again."), "success")
    return _back()
