from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from webapp.core.security import is_safe_next
from webapp.extensions import db

bp = Blueprint("core", __name__, template_folder="templates")


@bp.route("/")
def index():
    return render_template("core/index.html")


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the interface language; kept in a cookie so it also holds before login."""
    target = request.args.get("next")
    response = redirect(target if is_safe_next(target) else url_for("core.index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            "lang",
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


@bp.route("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok", "user": current_user.is_authenticated}
