"""The settings page (a choice per category, the fields and keywords followed) and the page an
e-mail's unsubscribe link opens. Both live under /notifications/, next to the notifications."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from webapp.core.forms import show_error
from webapp.extensions import csrf, db
from webapp.notifications import preferences, unsubscribe
from webapp.notifications.models import Delivery
from webapp.subscriptions import services
from webapp.subscriptions.forms import SettingsForm, UnsubscribeForm

bp = Blueprint("subscriptions", __name__, template_folder="templates", url_prefix="/notifications")


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    from webapp.taxonomy.services import choices as field_choices

    user = current_user._get_current_object()
    form = SettingsForm()
    form.followed_fields.choices = [SelectChoice(value, label) for value, label in field_choices()]
    if request.method == "GET":
        for code, delivery in preferences.choices_of(user).items():
            getattr(form, f"delivery_{code}").data = delivery.value
        followed = services.of(user)
        form.followed_fields.data = [s.field_id for s in followed if s.field_id]
        form.followed_keywords.data = ", ".join(s.keyword for s in followed if s.keyword)
    if form.validate_on_submit():
        try:
            keywords = services.parse_keywords(form.followed_keywords.data)
            deliveries = {c.code: Delivery(getattr(form, f"delivery_{c.code}").data) for c in preferences.CATEGORIES}
            preferences.set_deliveries(user, user, deliveries)
            services.set_subscriptions(user, user, field_ids=form.followed_fields.data or [], keywords=keywords)
        except services.SubscriptionError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your notification settings have been saved."), "success")
            return redirect(url_for("subscriptions.settings"))
    return render_template("subscriptions/settings.html", form=form, user=user, categories=preferences.CATEGORIES)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no session or token
def unsubscribe_(token: str):
    """GET shows a button and changes nothing (mail scanners open links); POST turns the e-mail off."""
    from webapp.accounts.models import User

    found = unsubscribe.read_token(token)
    user = db.session.get(User, found.user_id) if found is not None else None
    if user is None or not user.active:
        return render_template("subscriptions/unsubscribe.html", found=None, user=None, form=None, done=False)
    done = False
    if request.method == "POST":
        unsubscribe.apply(user, found.scope)
        db.session.commit()
        done = True
    return render_template(
        "subscriptions/unsubscribe.html",
        found=found,
        user=user,
        form=UnsubscribeForm(),
        done=done,
        choices=preferences.choices_of(user),
        categories=preferences.CATEGORIES,
    )
