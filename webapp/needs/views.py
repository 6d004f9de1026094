"""Need pages: create, edit, detail (de-identified for the public), lifecycle steps, my listings."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.models import ListingStatus
from webapp.listings.moderation import duplicates_for, render_mine, run_transition, submit_after_save
from webapp.listings.validation import ListingInvalid, clean_need
from webapp.needs import services
from webapp.needs.forms import NeedForm
from webapp.needs.models import Need
from webapp.taxonomy.models import TechField

bp = Blueprint("needs", __name__, template_folder="templates", url_prefix="/needs")

PER_PAGE = 30


def anonymous_label(need: Need) -> str:
    """How the public sees who posted a need (see Need.anonymous_label)."""
    return need.anonymous_label


def _get(need_id: int) -> Need:
    return db.session.get(Need, need_id) or abort(404)


def _form_page(need: Need | None):
    form = NeedForm()
    linked = need.organisation if need is not None else current_user.organisation
    if linked is not None:
        del form.organisation
    if request.method == "GET":
        if need is not None:
            form.load(need)
        else:
            form.contact_name.data = current_user.name
            form.contact_phone.data = current_user.phone or ""
    can_submit = need is None or any(t.name == "submit" for t in lifecycle.allowed(need, current_user))
    if need is not None and need.status is not ListingStatus.DRAFT:
        form.save.label.text = _("Save changes")  # it stays in review, returned or public: not a draft
    if request.method == "POST":
        form_ok = form.validate_on_submit()
        data = form.data_for_service(form.SERVICE_KEYS)
        try:
            if not form_ok:
                clean_need(data)  # still show the service's messages for the other fields
            else:
                need = services.save_need(
                    current_user,
                    need,
                    data,
                    field=db.session.get(TechField, form.field_id.data),
                    show_identity=form.show_identity.data,
                    contact_name=form.contact_name.data or "",
                    contact_phone=form.contact_phone.data or "",
                )
                submitted = submit_after_save(need, current_user, form.submit_review.data and can_submit)
        except ListingInvalid as exc:
            db.session.rollback()
            for message in form.apply_errors(exc.errors):
                flash(message, "danger")
        else:
            if form_ok:
                db.session.commit()
                flash(_("Submitted for review.") if submitted else _("Saved."), "success")
                return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need, organisation=linked, can_submit=can_submit)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*services.AUTHOR_ROLES)
def new():
    return _form_page(None)


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@roles_required()
def edit(need_id: int):
    need = _get(need_id)
    if not need.can_edit(current_user):
        abort(403)
    return _form_page(need)


@bp.route("/<int:need_id>")
def detail(need_id: int):
    need = _get(need_id)
    if not need.can_view(current_user):
        abort(404)
    manage = need.can_edit(current_user)
    return render_template(
        "needs/detail.html",
        need=need,
        manage=manage,
        show_identity=need.can_see_identity(current_user),
        anonymous_label=anonymous_label(need),
        transitions=lifecycle.allowed(need, current_user),
        duplicates=duplicates_for(need) if manage else [],
    )


@bp.route("/<int:need_id>/transition", methods=["POST"])
@roles_required()
def transition(need_id: int):
    need = _get(need_id)
    return run_transition(need, url_for("needs.detail", need_id=need.id))


@bp.route("/mine")
@roles_required(*services.AUTHOR_ROLES)
def mine():
    """The owner's needs in every state, with what to do next."""
    query = sa.select(Need).where(Need.owner_id == current_user.id).order_by(Need.updated_at.desc(), Need.id.desc())
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_mine("n", page)
