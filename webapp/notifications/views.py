from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from webapp.core.forms import show_error
from webapp.core.security import is_safe_next
from webapp.extensions import csrf, db
from webapp.notifications import preferences, services, subscriptions, unsubscribe
from webapp.notifications.forms import SettingsForm, UnsubscribeForm
from webapp.notifications.models import Delivery, Notification

bp = Blueprint("notifications", __name__, template_folder="templates", url_prefix="/notifications")

PER_PAGE = 20


@bp.route("/")
@login_required
def index():
    page = db.paginate(
        sa.select(Notification).where(Notification.user_id == current_user.id).order_by(Notification.id.desc()),
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template("notifications/index.html", page=page)


@bp.route("/<int:note_id>/open", methods=["POST"])
@login_required
def open_(note_id: int):
    note = db.session.get(Notification, note_id)
    if note is None or not note.can_view(current_user):
        abort(404)
    services.mark_read(current_user, note)
    db.session.commit()
    return redirect(note.link if is_safe_next(note.link) else url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = services.mark_all_read(current_user)
    db.session.commit()
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", count), "info")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("notifications.index"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    """How the person hears of each category, and the fields and keywords they follow."""
    from webapp.taxonomy.services import choices as field_choices

    user = current_user._get_current_object()
    form = SettingsForm()
    form.followed_fields.choices = [SelectChoice(value, label) for value, label in field_choices()]
    if request.method == "GET":
        for code, delivery in preferences.choices_of(user).items():
            getattr(form, f"delivery_{code}").data = delivery.value
        followed = subscriptions.of(user)
        form.followed_fields.data = [s.field_id for s in followed if s.field_id]
        form.followed_keywords.data = ", ".join(s.keyword for s in followed if s.keyword)
    if form.validate_on_submit():
        try:
            keywords = subscriptions.parse_keywords(form.followed_keywords.data)
            deliveries = {c.code: Delivery(getattr(form, f"delivery_{c.code}").data) for c in preferences.CATEGORIES}
            preferences.set_deliveries(user, user, deliveries)
            subscriptions.set_subscriptions(user, user, field_ids=form.followed_fields.data or [], keywords=keywords)
        except subscriptions.SubscriptionError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("notifications.settings"))
    return render_template("notifications/settings.html", form=form, user=user, categories=preferences.CATEGORIES)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session or token
def unsubscribe_(token: str):
    """GET shows a button and changes nothing (mail scanners open links); POST turns the e-mail off."""
    found = unsubscribe.read_token(token)
    if found is None:
        return render_template("notifications/unsubscribe.html", found=None, form=None, done=False)
    form = UnsubscribeForm()
    done = False
    if request.method == "POST":
        unsubscribe.apply(found)
        db.session.commit()
        done = True
    return render_template(
        "notifications/unsubscribe.html",
        found=found,
        form=form,
        done=done,
        choices=preferences.choices_of(found.user),
        categories=preferences.CATEGORIES,
    )
