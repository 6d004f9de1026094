"""Achievement pages: create, edit, detail, lifecycle steps, my listings, confidential access."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.models import OrgKind
from webapp.achievements import services
from webapp.achievements.forms import AccessDecisionForm, AccessRequestForm, AchievementForm
from webapp.achievements.models import AccessStatus, Achievement, AchievementAccess
from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings import lifecycle
from webapp.listings.moderation import duplicates_for
from webapp.listings.validation import clean_achievement
from webapp.listings.views_common import (
    add_shared_routes,
    get_listing,
    label_save_button,
    may_submit,
    save_from_form,
)

bp = Blueprint("achievements", __name__, template_folder="templates", url_prefix="/achievements")


def _get(achievement_id: int) -> Achievement:
    return get_listing(Achievement, achievement_id)


def _linked_institution(achievement: Achievement | None):
    """The university or institute the listing belongs to, when it is a registered organisation."""
    if achievement is not None:
        return achievement.organisation
    org = current_user.organisation
    return org if org is not None and org.kind in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE) else None


def _form_page(achievement: Achievement | None):
    """Create and edit share one page: the service validates, errors go next to their fields."""
    form = AchievementForm()
    institution = _linked_institution(achievement)
    if institution is not None:
        del form.institution
    if request.method == "GET" and achievement is not None:
        form.load(achievement)
    can_submit = may_submit(achievement)
    label_save_button(form, achievement)
    if request.method == "POST":
        saved = save_from_form(
            form,
            clean=clean_achievement,
            save=lambda data, field: services.save_achievement(current_user, achievement, data, field=field),
            can_submit=can_submit,
            detail_endpoint="achievements.detail",
            id_arg="achievement_id",
        )
        if saved is not None:
            return saved
    return render_template(
        "achievements/form.html", form=form, achievement=achievement, institution=institution, can_submit=can_submit
    )


add_shared_routes(bp, Achievement, id_arg="achievement_id", author_roles=services.AUTHOR_ROLES, form_page=_form_page)


@bp.route("/<int:achievement_id>")
def detail(achievement_id: int):
    achievement = _get(achievement_id)
    if not achievement.can_view(current_user):
        abort(404)
    manage = achievement.can_edit(current_user)
    own_request = None
    if current_user.is_authenticated and not manage:
        own_request = db.session.scalar(
            sa.select(AchievementAccess).where(
                AchievementAccess.achievement_id == achievement.id, AchievementAccess.user_id == current_user.id
            )
        )
    requests = []
    if manage and achievement.confidential:
        requests = db.session.scalars(
            sa.select(AchievementAccess)
            .where(AchievementAccess.achievement_id == achievement.id)
            .order_by(AchievementAccess.status != AccessStatus.REQUESTED, AchievementAccess.created_at.desc())
        ).all()
    return render_template(
        "achievements/detail.html",
        achievement=achievement,
        manage=manage,
        transitions=lifecycle.allowed(achievement, current_user),
        access_form=AccessRequestForm(),
        decision_form=AccessDecisionForm(),
        own_request=own_request,
        requests=requests,
        duplicates=duplicates_for(achievement) if manage else [],
    )


@bp.route("/<int:achievement_id>/access", methods=["POST"])
@roles_required()
def request_access(achievement_id: int):
    achievement = _get(achievement_id)
    if not achievement.can_view(current_user):
        abort(404)
    back = redirect(url_for("achievements.detail", achievement_id=achievement.id))
    if achievement.can_see_confidential(current_user) or achievement.can_edit(current_user):
        flash(_("You can already see the confidential details."), "info")
        return back
    form = AccessRequestForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "danger")
        return back
    try:
        services.request_access(current_user, achievement, form.message.data)
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return back
    db.session.commit()
    flash(_("Your request has been sent to the owner."), "success")
    return back


DECISIONS = {"grant": AccessStatus.GRANTED, "decline": AccessStatus.DENIED, "revoke": AccessStatus.REVOKED}


@bp.route("/access/<int:grant_id>", methods=["POST"])
@roles_required()
def decide_access(grant_id: int):
    grant = db.session.get(AchievementAccess, grant_id) or abort(404)
    if not grant.achievement.can_edit(current_user):
        abort(403)
    back = redirect(url_for("achievements.detail", achievement_id=grant.achievement_id))
    form = AccessDecisionForm()
    status = DECISIONS.get(form.decision.data or "")
    if not form.validate_on_submit() or status is None:
        flash(_("Choose grant, decline or revoke."), "danger")
        return back
    services.decide_access(current_user, grant, status)
    db.session.commit()
    flash(_("%(name)s: %(status)s.", name=grant.user.name, status=status.label), "success")
    return back
