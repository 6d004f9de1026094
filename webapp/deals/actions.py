"""The forms on a deal's page, for those who keep it: the value, signing, registration (with the
certificate), the payment schedule, payments with their evidence, documents, the technical field,
cancelling. A refused step shows the form again with the service's message and what was typed."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.core.permissions import require
from webapp.deals import access, files, services
from webapp.deals.blueprint import bp
from webapp.deals.detail import render_detail
from webapp.deals.field import set_field
from webapp.deals.forms import (
    SCHEDULE_MAX,
    SCHEDULE_ROWS,
    CancelForm,
    FieldForm,
    FileForm,
    PaymentForm,
    RegisterForm,
    ScheduleForm,
    SignForm,
    ValueForm,
    form_error,
)
from webapp.deals.models import Deal, DealFileKind
from webapp.deals.services import DealError
from webapp.extensions import db


def _managed(deal_id: int) -> Deal:
    deal = db.session.get(Deal, deal_id) or abort(404)
    require(access.can_manage(deal, current_user))
    return deal


def _upload(field) -> tuple[str, bytes] | None:
    upload = field.data
    if not upload or not getattr(upload, "filename", ""):
        return None
    return upload.filename, upload.read()


def _refused(deal_id: int, name: str, form, exc: DealError, field=None, *, upload_field=None):
    """Back to the page with the message: nothing of the step was saved."""
    db.session.rollback()
    form_error(form, str(exc), field)
    if upload_field is not None and upload_field.data:
        upload_field.errors = [*upload_field.errors, _("Choose the file again: nothing was saved.")]
    return render_detail(db.session.get(Deal, deal_id), {name: form})


def _done(deal: Deal, message: str, anchor: str | None = None):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("deals.detail", deal_id=deal.id, _anchor=anchor))


@bp.route("/<int:deal_id>/value", methods=["POST"])
@login_required
def value(deal_id: int):
    deal = _managed(deal_id)
    form = ValueForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"value": form})
    try:
        services.set_value(current_user, deal, form.value.yuan)
    except DealError as exc:
        return _refused(deal_id, "value", form, exc, form.value)
    return _done(deal, _("Contract value changed."))


@bp.route("/<int:deal_id>/sign", methods=["POST"])
@login_required
def sign(deal_id: int):
    deal = _managed(deal_id)
    form = SignForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"sign": form})
    try:
        services.sign(current_user, deal, form.signed_on.data)
    except DealError as exc:
        return _refused(deal_id, "sign", form, exc, form.signed_on)
    return _done(deal, _("Signing recorded."))


@bp.route("/<int:deal_id>/register", methods=["POST"])
@login_required
def register(deal_id: int):
    deal = _managed(deal_id)
    form = RegisterForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"register": form})
    upload = _upload(form.certificate)
    try:
        if upload is not None:
            try:
                files.check(*upload)
            except DealError as exc:
                return _refused(deal_id, "register", form, exc, form.certificate)
        services.register(current_user, deal, form.registration_no.data, form.registered_on.data)
        if upload is not None:
            files.attach_file(current_user, deal, DealFileKind(form.certificate_kind.data), upload)
    except DealError as exc:
        return _refused(deal_id, "register", form, exc, upload_field=form.certificate)
    return _done(deal, _("Registration recorded."))


def _schedule_rows(form: ScheduleForm) -> list | None:
    """(due date, 元) of every filled row; None (with the messages on the rows) if one is wrong."""
    rows, ok = [], True
    for entry in form.rows:
        due_on, amount = entry.form.due_on.data, (entry.form.amount.data or "").strip()
        if entry.form.amount.errors:
            ok = False
            continue
        if due_on is None and not amount and not entry.form.due_on.errors:
            continue
        if due_on is None:
            if not entry.form.due_on.errors:
                entry.form.due_on.errors = [_("Give the due date.")]
            ok = False
            continue
        if not amount:
            entry.form.amount.errors = [_("Give the amount.")]
            ok = False
            continue
        rows.append((due_on, entry.form.amount.yuan))
    return rows if ok else None


@bp.route("/<int:deal_id>/schedule", methods=["POST"])
@login_required
def schedule(deal_id: int):
    deal = _managed(deal_id)
    form = ScheduleForm()
    if form.more.data:  # more blank rows; nothing is saved yet
        for _i in range(min(SCHEDULE_ROWS, SCHEDULE_MAX - len(form.rows))):
            form.rows.append_entry()
        return render_detail(deal, {"schedule": form})
    form.validate_on_submit()
    if form.csrf_token.errors:
        return render_detail(deal, {"schedule": form})
    rows = _schedule_rows(form)
    if rows is None:
        return render_detail(deal, {"schedule": form})
    try:
        services.replace_instalments(current_user, deal, rows)
    except DealError as exc:
        return _refused(deal_id, "schedule", form, exc)
    return _done(deal, _("Payment schedule saved."), "schedule")


@bp.route("/<int:deal_id>/payments", methods=["POST"])
@login_required
def payment(deal_id: int):
    deal = _managed(deal_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        if form.amount.errors and form.evidence_file.data:
            form.evidence_file.errors = [*form.evidence_file.errors, _("Choose the file again: nothing was saved.")]
        return render_detail(deal, {"payment": form})
    upload = _upload(form.evidence_file)
    try:
        if upload is not None:
            try:
                files.check(*upload)
            except DealError as exc:
                return _refused(deal_id, "payment", form, exc, form.evidence_file)
        made = services.record_payment(current_user, deal, form.received_on.data, form.amount.yuan, form.evidence.data)
        if upload is not None:
            files.attach_file(current_user, deal, DealFileKind.PAYMENT, upload, payment=made)
    except DealError as exc:
        return _refused(deal_id, "payment", form, exc, upload_field=form.evidence_file)
    return _done(deal, _("Payment recorded."), "payments")


@bp.route("/<int:deal_id>/files", methods=["POST"])
@login_required
def attach(deal_id: int):
    deal = _managed(deal_id)
    form = FileForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"file": form})
    upload = _upload(form.upload)
    if upload is None:
        form_error(form, _("Choose a file."), form.upload)
        return render_detail(deal, {"file": form})
    try:
        files.attach_file(current_user, deal, DealFileKind(form.kind.data), upload)
    except DealError as exc:
        return _refused(deal_id, "file", form, exc, form.upload)
    return _done(deal, _("File uploaded."), "files")


@bp.route("/<int:deal_id>/field", methods=["POST"])
@login_required
def field(deal_id: int):
    deal = _managed(deal_id)
    form = FieldForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"field": form})
    try:
        set_field(current_user, deal, int(form.field.data) if form.field.data else None)
    except DealError as exc:
        return _refused(deal_id, "field", form, exc, form.field)
    return _done(deal, _("Technical field saved."))


@bp.route("/<int:deal_id>/cancel", methods=["POST"])
@login_required
def cancel(deal_id: int):
    deal = _managed(deal_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return render_detail(deal, {"cancel": form})
    try:
        services.cancel(current_user, deal, form.reason.data)
    except DealError as exc:
        return _refused(deal_id, "cancel", form, exc, form.reason)
    return _done(deal, _("The deal is cancelled."))
