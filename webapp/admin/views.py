"""The platform operator's screens: users, organisations and the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from webapp.accounts import services
from webapp.accounts import tokens as api_tokens
from webapp.accounts.forms import AdminEditUserForm, AdminUserForm, OrganisationForm
from webapp.accounts.models import Organisation, OrgKind, Role, Tier, User
from webapp.core import clock
from webapp.core.audit import AuditEvent
from webapp.core.forms import show_error
from webapp.core.identifiers import InvalidIdentifier
from webapp.core.permissions import roles_required
from webapp.extensions import db

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

PER_PAGE = 30


def _org_choices() -> list[SelectChoice]:
    orgs = db.session.scalars(sa.select(Organisation).order_by(Organisation.kind, Organisation.name))
    return [SelectChoice(0, _("— none —"))] + [SelectChoice(o.id, f"{o.name} · {o.kind.label}") for o in orgs]


@bp.route("/")
@roles_required(Role.ADMIN)
def index():
    counts = dict(db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role)).all())
    org_counts = dict(
        db.session.execute(sa.select(Organisation.kind, sa.func.count()).group_by(Organisation.kind)).all()
    )
    recent = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(10)).all()
    return render_template("admin/index.html", counts=counts, org_counts=org_counts, recent=recent)


@bp.route("/users")
@roles_required(Role.ADMIN)
def users():
    query = sa.select(User).order_by(User.id.desc())
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    q = (request.args.get("q") or "").strip()
    if q:
        like = f"%{q.lower()}%"
        query = query.where(sa.or_(User.email.like(like), sa.func.lower(User.name).like(like)))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("admin/users.html", page=page, roles=list(Role), role=role, q=q)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = AdminUserForm()
    form.organisation_id.choices = _org_choices()
    if form.validate_on_submit():
        try:
            user, generated = services.create_user(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                organisation=db.session.get(Organisation, form.organisation_id.data)
                if form.organisation_id.data
                else None,
                actor=current_user,
                send_invitation=form.send_invitation.data,
            )
        except services.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            if form.send_invitation.data:
                flash(_("User %(email)s created; an invitation e-mail is on its way.", email=user.email), "success")
            else:
                flash(
                    _(
                        "User %(email)s created with the one-time password %(pw)s — pass it on securely.",
                        email=user.email,
                        pw=generated,
                    ),
                    "warning",
                )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = AdminEditUserForm(obj=user)
    form.organisation_id.choices = _org_choices()
    if request.method == "GET":
        form.role.data = user.role.value
        form.organisation_id.data = user.organisation_id or 0
    if form.validate_on_submit():
        try:
            services.admin_update_user(
                current_user,
                user,
                role=Role(form.role.data),
                organisation=db.session.get(Organisation, form.organisation_id.data)
                if form.organisation_id.data
                else None,
                active=form.active.data,
            )
        except services.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.users"))
    events = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.object_type == "users", AuditEvent.object_id == user.id)
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).all()
    return render_template("admin/user_form.html", form=form, user=user, events=events)


@bp.route("/organisations")
@roles_required(Role.ADMIN)
def organisations():
    query = sa.select(Organisation).order_by(Organisation.kind, Organisation.name)
    kind = request.args.get("kind")
    if kind in {k.value for k in OrgKind}:
        query = query.where(Organisation.kind == OrgKind(kind))
    page = db.paginate(query, per_page=PER_PAGE, error_out=False)
    return render_template("admin/organisations.html", page=page, kinds=list(OrgKind), kind=kind)


def _save_org(form: OrganisationForm, org: Organisation | None):
    try:
        saved = services.save_organisation(
            current_user,
            org,
            kind=OrgKind(form.kind.data),
            name=form.name.data,
            uscc=form.uscc.data,
            industry=form.industry.data,
            address=form.address.data,
            website=form.website.data,
            description=form.description.data,
            tiers=[Tier(t) for t in form.tiers.data or []],
        )
    except (services.AccountError, InvalidIdentifier) as exc:
        db.session.rollback()
        show_error(form, exc)
        return None
    db.session.commit()
    flash(_("Organisation %(name)s saved.", name=saved.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit() and (response := _save_org(form, None)):
        return response
    return render_template("admin/organisation_form.html", form=form, org=None)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_organisation(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    form = OrganisationForm(obj=org)
    if request.method == "GET":
        form.kind.data = org.kind.value
        form.tiers.data = [t.value for t in org.tiers]
    if form.validate_on_submit() and (response := _save_org(form, org)):
        return response
    return render_template("admin/organisation_form.html", form=form, org=org)


@bp.route("/tokens")
@roles_required(Role.ADMIN)
def tokens():
    q = (request.args.get("q") or "").strip()
    page = db.paginate(api_tokens.all_tokens(current_user, q), per_page=PER_PAGE, error_out=False)
    return render_template("admin/tokens.html", page=page, q=q, now=clock.now())


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    query = sa.select(AuditEvent).order_by(AuditEvent.id.desc())
    action = (request.args.get("action") or "").strip()
    if action:
        query = query.where(AuditEvent.action.like(f"{action}%"))
    object_type = (request.args.get("object_type") or "").strip()
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    page = db.paginate(query, per_page=50, error_out=False)
    return render_template("admin/audit.html", page=page, action=action, object_type=object_type)
