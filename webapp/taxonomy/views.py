"""The technical-field taxonomy, edited by admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp.accounts.models import Role
from webapp.core.audit import AuditEvent
from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.taxonomy import services
from webapp.taxonomy.forms import DeleteForm, FieldForm
from webapp.taxonomy.models import TechField

bp = Blueprint("taxonomy", __name__, template_folder="templates", url_prefix="/admin/fields")


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    return render_template("taxonomy/index.html", tree=services.tree(), counts=services.usage_counts())


def _parent_choices(field: TechField | None) -> list[SelectChoice]:
    """Top-level fields only: the taxonomy has two levels."""
    tops = db.session.scalars(
        sa.select(TechField).where(TechField.parent_id.is_(None)).order_by(TechField.position, TechField.id)
    )
    choices = [SelectChoice(0, _("— none: a top-level field —"))]
    choices += [SelectChoice(t.id, t.name) for t in tops if field is None or t.id != field.id]
    return choices


def _save(form: FieldForm, field: TechField | None):
    parent = db.session.get(TechField, form.parent_id.data) if form.parent_id.data else None
    try:
        saved = services.save_field(
            current_user,
            field,
            name=form.name.data,
            name_en=form.name_en.data or "",
            parent=parent,
            aliases=form.aliases.data,
            priority=form.priority.data,
            position=form.position.data or 0,
        )
    except services.FieldError as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "", None)
        if target is not None:
            target.errors = [*target.errors, str(exc)]
        else:
            flash(str(exc), "danger")
        return None
    db.session.commit()
    flash(_("Field “%(name)s” saved.", name=saved.name), "success")
    return redirect(url_for("taxonomy.index", _anchor=f"field-{saved.id}"))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new():
    form = FieldForm()
    form.parent_id.choices = _parent_choices(None)
    if request.method == "GET" and request.args.get("parent", type=int):
        form.parent_id.data = request.args.get("parent", type=int)
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    return render_template("taxonomy/form.html", form=form, field=None)


@bp.route("/<int:field_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(field_id: int):
    field = db.session.get(TechField, field_id) or abort(404)
    form = FieldForm(obj=field)
    form.parent_id.choices = _parent_choices(field)
    if request.method == "GET":
        form.parent_id.data = field.parent_id or 0
        form.aliases.data = ", ".join(field.aliases or [])
    if form.validate_on_submit():
        done = _save(form, field)
        if done is not None:
            return done
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "tech_fields", AuditEvent.object_id == field.id)
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template(
        "taxonomy/form.html",
        form=form,
        field=field,
        delete_form=DeleteForm(),
        used=services.listing_count(field.id),
        events=events,
    )


@bp.route("/<int:field_id>/delete", methods=["POST"])
@roles_required(Role.ADMIN)
def delete(field_id: int):
    field = db.session.get(TechField, field_id) or abort(404)
    name = field.name
    try:
        services.delete_field(current_user, field)
    except services.FieldError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("taxonomy.edit", field_id=field_id))
    db.session.commit()
    flash(_("Field “%(name)s” deleted.", name=name), "success")
    return redirect(url_for("taxonomy.index"))
