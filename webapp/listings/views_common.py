"""The pages achievements and needs share: the create/edit form's save step, the lifecycle steps
and "my listings". Each kind's views keep their own form page and detail page."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.models import ListingStatus
from webapp.listings.moderation import render_mine, run_transition, submit_after_save
from webapp.listings.validation import ListingInvalid
from webapp.taxonomy.models import TechField

PER_PAGE = 30


def get_listing(model, listing_id: int):
    return db.session.get(model, listing_id) or abort(404)


def may_submit(listing) -> bool:
    """Whether the form offers "save and submit for review" (always for a new listing)."""
    return listing is None or any(t.name == "submit" for t in lifecycle.allowed(listing, current_user))


def label_save_button(form, listing) -> None:
    if listing is not None and listing.status is not ListingStatus.DRAFT:
        form.save.label.text = _("Save changes")  # it stays in review, returned or public: not a draft


def save_from_form(form, *, clean: Callable, save: Callable, can_submit: bool, detail_endpoint: str, id_arg: str):
    """The POST of a create or edit page: the service validates (the form's own errors and the
    service's go next to their fields), saves and, if asked, submits. Returns the redirect to the
    detail page once saved, or None to show the form again."""
    form_ok = form.validate_on_submit()
    data = form.data_for_service(form.SERVICE_KEYS)
    try:
        if not form_ok:
            clean(data)  # still show the service's messages for the other fields
            return None
        listing = save(data, db.session.get(TechField, form.field_id.data))
        submitted = submit_after_save(listing, current_user, form.submit_review.data and can_submit)
    except ListingInvalid as exc:
        db.session.rollback()
        for message in form.apply_errors(exc.errors):
            flash(message, "danger")
        return None
    db.session.commit()
    flash(_("Submitted for review.") if submitted else _("Saved."), "success")
    return redirect(url_for(detail_endpoint, **{id_arg: listing.id}))


def add_shared_routes(bp: Blueprint, model, *, id_arg: str, author_roles: tuple, form_page: Callable) -> None:
    """/new, /<id>/edit, /<id>/transition and /mine on the kind's blueprint (endpoints new, edit,
    transition and mine)."""
    detail_endpoint = f"{bp.name}.detail"

    def new():
        return form_page(None)

    def edit(**kwargs):
        listing = get_listing(model, kwargs[id_arg])
        if not listing.can_edit(current_user):
            abort(403)
        return form_page(listing)

    def transition(**kwargs):
        listing = get_listing(model, kwargs[id_arg])
        return run_transition(listing, url_for(detail_endpoint, **{id_arg: listing.id}))

    def mine():
        """The owner's listings of this kind in every state, with what to do next."""
        query = (
            sa.select(model).where(model.owner_id == current_user.id).order_by(model.updated_at.desc(), model.id.desc())
        )
        return render_mine(model.KIND, db.paginate(query, per_page=PER_PAGE, error_out=False))

    bp.add_url_rule("/new", "new", roles_required(*author_roles)(new), methods=["GET", "POST"])
    bp.add_url_rule(f"/<int:{id_arg}>/edit", "edit", roles_required()(edit), methods=["GET", "POST"])
    bp.add_url_rule(f"/<int:{id_arg}>/transition", "transition", roles_required()(transition), methods=["POST"])
    bp.add_url_rule("/mine", "mine", roles_required(*author_roles)(mine))
