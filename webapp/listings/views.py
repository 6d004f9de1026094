"""Browse and search both libraries, with filters, and export the list being looked at."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_login import current_user

from webapp.core import clock, spreadsheet
from webapp.core.permissions import roles_required
from webapp.listings import export as exporter
from webapp.listings import search
from webapp.listings.search_form import SearchForm
from webapp.taxonomy.services import choices as field_choices

bp = Blueprint("listings", __name__, template_folder="templates")

# Query-string keys that move through a list rather than choose it.
PAGING_KEYS = ("page", "after", "before")


@bp.route("/achievements/")
def achievements():
    """The 科技成果库: search, filters, sort, and pages."""
    return browse("a")


@bp.route("/needs/")
def needs():
    """The 企业技术需求库; organisations stay hidden unless the poster chose to show them."""
    return browse("n")


@bp.route("/achievements/export.<any(csv, xlsx):fmt>")
@roles_required()
def export_achievements(fmt: str):
    return export("a", fmt)


@bp.route("/needs/export.<any(csv, xlsx):fmt>")
@roles_required()
def export_needs(fmt: str):
    return export("n", fmt)


def _form(kind: str) -> SearchForm:
    form = SearchForm(kind, field_choices(), formdata=request.args or None)
    if request.args:
        form.validate()
    return form


def list_args() -> dict[str, str]:
    """The current list's filters, without the position in it (for page links and exports)."""
    return {k: v for k, v in request.args.items() if k not in PAGING_KEYS and v != ""}


def browse(kind: str):
    form = _form(kind)
    criteria = form.criteria(current_user)
    results = search.search(
        kind,
        criteria,
        current_user,
        after=request.args.get("after"),
        before=request.args.get("before"),
        page=request.args.get("page", 1, type=int) or 1,
    )
    # The order chosen, "" being the default (best match with keywords, newest without): a list shown
    # newest first without keywords must not send "newest" with the keywords typed next.
    form.sort.data = criteria.sort if criteria.sort in ("newest", "price_asc", "price_desc") else ""
    return render_template(
        "listings/browse.html",
        kind=kind,
        form=form,
        criteria=criteria,
        results=results,
        args=list_args(),
        endpoint="listings.achievements" if kind == "a" else "listings.needs",
        export_endpoint="listings.export_achievements" if kind == "a" else "listings.export_needs",
        export_cap=exporter.EXPORT_CAP,
        highlight=search.highlight,
        snippet=search.snippet,
    )


def export(kind: str, fmt: str) -> Response:
    """The list as filtered and sorted on the page, from its first row, at most EXPORT_CAP rows."""
    form = _form(kind)
    criteria = form.criteria(current_user)
    listings = search.all_matching(kind, criteria, current_user, limit=exporter.EXPORT_CAP)
    columns = exporter.columns_for(kind)
    rows = exporter.rows_for(kind, listings, current_user)
    name = f"jiebang-{'achievements' if kind == 'a' else 'needs'}-{clock.local_now():%Y%m%d-%H%M}"
    if fmt == "csv":
        body, mimetype = spreadsheet.to_csv(columns, rows), "text/csv; charset=utf-8"
    else:
        body = exporter.to_xlsx(columns, rows, title="achievements" if kind == "a" else "needs")
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    response.headers["X-Export-Rows"] = str(len(rows))
    return response
