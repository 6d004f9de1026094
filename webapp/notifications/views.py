from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user, login_required

from webapp.core.security import is_safe_next
from webapp.extensions import db
from webapp.notifications import services
from webapp.notifications.models import Notification

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
