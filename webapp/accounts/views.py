from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from webapp.accounts import services
from webapp.accounts import tokens as api_tokens
from webapp.accounts.forms import (
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from webapp.accounts.models import ApiToken, Organisation, OrgKind, Role
from webapp.core import clock
from webapp.core.forms import show_error
from webapp.core.identifiers import InvalidIdentifier
from webapp.core.security import is_safe_next
from webapp.extensions import db, limiter

bp = Blueprint("accounts", __name__, template_folder="templates")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _failed_login(response) -> bool:
    """Only failed attempts count against the limit; a successful login redirects."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_failed_login)
def login():
    target = request.args.get("next")
    if current_user.is_authenticated:
        return redirect(target if is_safe_next(target) else url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            db.session.commit()  # keeps the failed-attempt audit event
            form.password.errors.append(_("E-mail or password is not correct."))
        else:
            services.start_session(user, remember=form.remember.data)
            db.session.commit()
            return redirect(target if is_safe_next(target) else url_for("core.index"))
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    services.end_session(current_user._get_current_object())
    db.session.commit()
    flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


def _institution_choices() -> list[SelectChoice]:
    orgs = db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.kind.in_([OrgKind.UNIVERSITY, OrgKind.INSTITUTE]))
        .order_by(Organisation.kind, Organisation.name)
    )
    return [SelectChoice(0, _("— choose —"))] + [SelectChoice(o.id, o.name) for o in orgs]


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegisterForm()
    form.institution_id.choices = _institution_choices()
    if form.validate_on_submit():
        try:
            user = services.register(
                role=Role(form.role.data),
                email=form.email.data,
                password=form.password.data,
                name=form.name.data,
                phone=form.phone.data,
                org_name=form.org_name.data,
                uscc=form.uscc.data,
                institution_id=form.institution_id.data,
            )
        except (services.AccountError, InvalidIdentifier) as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            services.start_session(user)
            db.session.commit()
            flash(_("Welcome! Your account has been created."), "success")
            return redirect(url_for("core.index"))
    return render_template("accounts/register.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses this address, a reset link is on its way. It is valid for %(h)d hours.",
                h=current_app.config["PASSWORD_RESET_HOURS"],
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_from_reset_token(token)
    if user is None:
        flash(_("This reset link is invalid, used or expired. Ask for a new one."), "danger")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(user, form.password.data)
        except services.AccountError as exc:
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your password is set. Please log in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(obj=user)
    if request.method == "GET":
        form.locale.data = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    if form.validate_on_submit():
        try:
            services.update_profile(
                user,
                user,
                name=form.name.data,
                phone=form.phone.data,
                locale=form.locale.data,
                email_notifications=form.email_notifications.data,
            )
        except services.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            flash(_("Your profile has been saved."), "success")
            response = redirect(url_for("accounts.profile"))
            response.delete_cookie("lang")  # the saved language now applies
            return response
    return render_template("accounts/profile.html", form=form, user=user)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(user, form.current_password.data, form.password.data)
        except services.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            services.start_session(user)
            db.session.commit()
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    user = current_user._get_current_object()
    form = ApiTokenForm()
    created = plaintext = None
    if form.validate_on_submit():
        try:
            created, plaintext = api_tokens.create_token(user, form.name.data, form.scopes.data, form.days.data)
        except services.AccountError as exc:
            db.session.rollback()
            show_error(form, exc)
        else:
            db.session.commit()
            form = ApiTokenForm(formdata=None)
    # The new token's plaintext exists only in this response: it is never flashed, redirected to or stored.
    response = make_response(
        render_template(
            "accounts/tokens.html",
            form=form,
            tokens=api_tokens.tokens_of(user),
            created=created,
            plaintext=plaintext,
            now=clock.now(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    actor = current_user._get_current_object()
    token = db.session.get(ApiToken, token_id) or abort(404)
    if api_tokens.revoke_token(actor, token):
        flash(_("Token %(name)s revoked; it no longer opens the API.", name=token.name), "success")
    else:
        flash(_("Token %(name)s was already revoked.", name=token.name), "info")
    db.session.commit()
    return redirect(url_for("accounts.tokens") if token.user_id == actor.id else url_for("admin.tokens"))


@bp.route("/organisations/<int:org_id>")
@login_required
def organisation(org_id: int):
    org = db.session.get(Organisation, org_id) or abort(404)
    return render_template("accounts/organisation.html", org=org)
