"""Browse and search both libraries, with filters and exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("listings", __name__, template_folder="templates")


@bp.route("/achievements/")
def achievements():
    """The 科技成果库 list (search, filters and exports are built on this route)."""
    return browse("a")


@bp.route("/needs/")
def needs():
    """The 企业技术需求库 list."""
    return browse("n")


def browse(kind: str):
    import sqlalchemy as sa
    from flask import render_template

    from webapp.achievements.models import Achievement
    from webapp.extensions import db
    from webapp.listings.models import ListingStatus
    from webapp.needs.models import Need

    model = Achievement if kind == "a" else Need
    page = db.paginate(
        sa.select(model).where(model.status == ListingStatus.PUBLISHED).order_by(model.published_at.desc(), model.id.desc()),
        per_page=20,
        error_out=False,
    )
    return render_template("listings/browse.html", page=page, kind=kind)
