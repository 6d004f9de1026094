"""Need pages: create, edit, detail (de-identified for the public), lifecycle steps, my listings."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from webapp.listings import lifecycle
from webapp.listings.moderation import duplicates_for
from webapp.listings.validation import clean_need
from webapp.listings.views_common import add_shared_routes, get_listing, label_save_button, may_submit, save_from_form
from webapp.needs import services
from webapp.needs.forms import NeedForm
from webapp.needs.models import Need

bp = Blueprint("needs", __name__, template_folder="templates", url_prefix="/needs")


def anonymous_label(need: Need) -> str:
    """How the public sees who posted a need (see Need.anonymous_label)."""
    return need.anonymous_label


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
    can_submit = may_submit(need)
    label_save_button(form, need)
    if request.method == "POST":
        saved = save_from_form(
            form,
            clean=clean_need,
            save=lambda data, field: services.save_need(
                current_user,
                need,
                data,
                field=field,
                show_identity=form.show_identity.data,
                contact_name=form.contact_name.data or "",
                contact_phone=form.contact_phone.data or "",
            ),
            can_submit=can_submit,
            detail_endpoint="needs.detail",
            id_arg="need_id",
        )
        if saved is not None:
            return saved
    return render_template("needs/form.html", form=form, need=need, organisation=linked, can_submit=can_submit)


add_shared_routes(bp, Need, id_arg="need_id", author_roles=services.AUTHOR_ROLES, form_page=_form_page)


@bp.route("/<int:need_id>")
def detail(need_id: int):
    need = get_listing(Need, need_id)
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
