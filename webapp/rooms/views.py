"""The pages of a negotiation room (/rooms/<introduction>) and of an achievement's 保密承诺; what
the broker's queue and a deal's page show of the rooms."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.core import stored_files
from webapp.core.forms import show_error
from webapp.core.permissions import PermissionDenied, require
from webapp.extensions import db
from webapp.rooms import access, activity, services, terms
from webapp.rooms.activity import threads
from webapp.rooms.forms import AcceptTermsForm, FileForm, MessageForm, NextStepForm, TermsForm
from webapp.rooms.models import RoomFile, RoomMessage, RoomNextStep
from webapp.rooms.services import RoomError

bp = Blueprint("rooms", __name__, template_folder="templates")


def _introduction(intro_id: int):
    """The room of an agreed introduction, for its members (404 while there is no room)."""
    from webapp.matching.models import Introduction

    intro = db.session.get(Introduction, intro_id)
    if intro is None or not access.is_open(intro):
        abort(404)
    if not access.is_member(intro, current_user):
        raise PermissionDenied()
    return intro


def _upload(field) -> tuple[str, bytes] | None:
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.filename, upload.read()


def _render(intro, *, message_form=None, file_form=None, step_form=None, accept_form=None, status: int = 200):
    s = intro.suggestion
    message_form = message_form or MessageForm(formdata=None)
    replying_to = db.session.get(RoomMessage, message_form.parent()) if message_form.parent() else None
    if replying_to is not None and replying_to.introduction_id != intro.id:
        replying_to, message_form.parent_id.data = None, ""
    achievement = s.achievement
    files = list(
        db.session.scalars(
            sa.select(RoomFile).where(RoomFile.introduction_id == intro.id).order_by(RoomFile.uploaded_at, RoomFile.id)
        )
    )
    by_message: dict[int | None, list[RoomFile]] = {}
    for stored in files:
        by_message.setdefault(stored.message_id, []).append(stored)
    steps = list(
        db.session.scalars(
            sa.select(RoomNextStep)
            .where(RoomNextStep.introduction_id == intro.id)
            .order_by(RoomNextStep.set_at.desc(), RoomNextStep.id.desc())
        )
    )
    in_force = terms.current_terms(achievement)
    from webapp.deals.access import can_open_from_introduction, can_view
    from webapp.deals.models import Deal

    deal = db.session.scalar(sa.select(Deal).where(Deal.introduction_id == intro.id))
    return render_template(
        "rooms/room.html",
        intro=intro,
        need=s.need,
        achievement=achievement,
        side=intro.side_of(current_user),
        writable=access.can_write(intro, current_user),
        threads=threads(intro),
        by_message=by_message,
        room_files=by_message.get(None, []),
        steps=steps,
        summary=activity.summary(intro),
        terms=in_force,
        accepted=terms.acceptance_of(intro, current_user, in_force.version),
        acceptances=terms.acceptances_in(intro),
        can_accept=access.can_accept_terms(intro, current_user),
        can_set_terms=access.can_set_terms(achievement, current_user),
        sees_confidential=achievement.can_see_confidential(current_user),
        deal=deal if deal is not None and can_view(deal, current_user) else None,
        can_open_deal=deal is None and not intro.closed_at and can_open_from_introduction(current_user, intro),
        message_form=message_form,
        replying_to=replying_to,
        file_form=file_form or FileForm(formdata=None),
        step_form=step_form or NextStepForm(formdata=None),
        accept_form=accept_form or AcceptTermsForm(formdata=None, version=in_force.version),
    ), status


def _back(intro, anchor: str | None = None):
    return redirect(url_for("rooms.room", intro_id=intro.id, _anchor=anchor))


@bp.route("/rooms/")
@login_required
def index():
    """The rooms of the user's introductions, with what happened in each and the quiet ones marked."""
    return render_template("rooms/index.html", rooms=activity.rooms_of(current_user), quiet_after=activity.QUIET_DAYS)


@bp.route("/rooms/<int:intro_id>")
@login_required
def room(intro_id: int):
    """The room; `?reply=<message>` opens the message form as a reply to that message."""
    form = MessageForm(formdata=None)
    form.parent_id.data = request.args.get("reply", "", type=str)
    return _render(_introduction(intro_id), message_form=form)


@bp.route("/rooms/<int:intro_id>/messages", methods=["POST"])
@login_required
def message(intro_id: int):
    intro = _introduction(intro_id)
    form = MessageForm()
    if not form.validate_on_submit():
        return _render(intro, message_form=form)
    upload = _upload(form.file)
    try:
        posted = services.post_message(current_user, intro, form.body.data, parent_id=form.parent(), upload=upload)
    except RoomError as exc:
        db.session.rollback()
        show_error(form, exc)
        if upload is not None and exc.field != "file":
            form.file.errors = [*form.file.errors, _("Choose the file again: nothing was saved.")]
        return _render(intro, message_form=form)
    db.session.commit()
    flash(_("Message sent."), "success")
    return _back(intro, f"message-{posted.id}")


@bp.route("/rooms/<int:intro_id>/files", methods=["POST"])
@login_required
def attach(intro_id: int):
    intro = _introduction(intro_id)
    form = FileForm()
    if not form.validate_on_submit():
        return _render(intro, file_form=form)
    upload = _upload(form.room_file)
    if upload is None:
        form.room_file.errors = [*form.room_file.errors, _("Choose a file.")]
        return _render(intro, file_form=form)
    try:
        stored = services.attach_file(current_user, intro, upload)
    except RoomError as exc:
        db.session.rollback()
        form.room_file.errors = [*form.room_file.errors, str(exc)]
        return _render(intro, file_form=form)
    db.session.commit()
    flash(_("“%(name)s” is kept in the room.", name=stored.filename), "success")
    return _back(intro, "room-files")


@bp.route("/rooms/<int:intro_id>/files/<int:file_id>")
@login_required
def download(intro_id: int, file_id: int):
    intro = _introduction(intro_id)
    stored = db.session.get(RoomFile, file_id)
    if stored is None or stored.introduction_id != intro.id:
        abort(404)
    return stored_files.download(stored)


@bp.route("/rooms/<int:intro_id>/next-step", methods=["POST"])
@login_required
def next_step(intro_id: int):
    intro = _introduction(intro_id)
    form = NextStepForm()
    if not form.validate_on_submit():
        return _render(intro, step_form=form)
    try:
        services.set_next_step(current_user, intro, form.text.data, form.due_on.data)
    except RoomError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render(intro, step_form=form)
    db.session.commit()
    flash(_("Next step saved; the other members were told."), "success")
    return _back(intro, "next-step")


@bp.route("/rooms/<int:intro_id>/terms", methods=["POST"])
@login_required
def accept_terms(intro_id: int):
    intro = _introduction(intro_id)
    require(access.can_accept_terms(intro, current_user))
    form = AcceptTermsForm()
    if not form.validate_on_submit():
        return _render(intro, accept_form=form)
    try:
        terms.accept_terms(current_user, intro, form.version.data)
    except RoomError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back(intro, "confidential")
    db.session.commit()
    flash(_("You accepted the confidentiality terms; the confidential part is shown below."), "success")
    return _back(intro, "confidential")


def _achievement(achievement_id: int):
    from webapp.achievements.models import Achievement

    achievement = db.session.get(Achievement, achievement_id) or abort(404)
    require(access.can_set_terms(achievement, current_user))
    return achievement


def _render_terms(achievement, form: TermsForm, status: int = 200):
    return render_template(
        "rooms/terms.html",
        achievement=achievement,
        form=form,
        terms=terms.current_terms(achievement),
        versions=terms.versions_of(achievement),
        default_text=str(terms.DEFAULT_TERMS),
    ), status


@bp.route("/achievements/<int:achievement_id>/terms")
@login_required
def terms_page(achievement_id: int):
    achievement = _achievement(achievement_id)
    form = TermsForm(formdata=None)
    form.body.data = terms.current_terms(achievement).text
    return _render_terms(achievement, form)


@bp.route("/achievements/<int:achievement_id>/terms", methods=["POST"])
@login_required
def set_terms(achievement_id: int):
    achievement = _achievement(achievement_id)
    form = TermsForm()
    if not form.validate_on_submit():
        return _render_terms(achievement, form)
    try:
        row = terms.set_terms(current_user, achievement, form.body.data)
    except RoomError as exc:
        db.session.rollback()
        show_error(form, exc)
        return _render_terms(achievement, form)
    db.session.commit()
    flash(_("Version %(version)d of the terms is now in force.", version=row.version), "success")
    return redirect(url_for("rooms.terms_page", achievement_id=achievement.id))


@bp.app_context_processor
def _inject():
    def quiet_rooms():
        """The broker's open rooms quiet for two weeks (their queue and introductions list)."""
        return activity.quiet_rooms(current_user)

    def room_of_deal(deal):
        """The history of the room a deal was opened from, for the deal's page (None without one)."""
        from webapp.matching.models import Introduction

        if deal.introduction_id is None:
            return None
        intro = db.session.get(Introduction, deal.introduction_id)
        if intro is None or not access.is_open(intro):
            return None
        return activity.summary(intro)

    return {
        "quiet_rooms": quiet_rooms,
        "room_of_deal": room_of_deal,
        "room_open": lambda intro: access.can_view(intro, current_user),
        "quiet_days": activity.QUIET_DAYS,
    }
