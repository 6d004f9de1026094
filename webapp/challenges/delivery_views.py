"""After the award: the contract the enterprise and the winners confirm, the milestones reported with
evidence and decided, and the final acceptance (验收)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.challenges import delivery, files
from webapp.challenges.errors import ChallengeError
from webapp.challenges.models import (
    Award,
    Challenge,
    Milestone,
    MilestoneStatus,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.pages import (
    challenge_url,
    errors_to_form,
    read_uploads,
    visible_challenge,
)
from webapp.challenges.permissions import (
    is_admin,
    is_owner,
    is_winner,
)
from webapp.challenges.work_forms import (
    AcceptanceForm,
    ConfirmForm,
    ContractForm,
    DecisionForm,
    RegistrationForm,
    ReportForm,
)
from webapp.core.money import format_money, parse_wan
from webapp.core.permissions import require
from webapp.extensions import db


def _awards(challenge: Challenge) -> list[Award]:
    return list(db.session.scalars(sa.select(Award).where(Award.challenge_id == challenge.id).order_by(Award.slot)))


@login_required
def contract(challenge_id: int):
    """The enterprise enters and confirms the terms; every winner confirms them; both → contracted.
    Administrators see the terms and the confirmations."""
    challenge = visible_challenge(challenge_id)
    owner, winner = is_owner(challenge, current_user), is_winner(challenge, current_user)
    require(owner or winner or is_admin(current_user))  # admins read the terms
    contract = challenge.contract
    form = ContractForm(prefix="c") if owner else None
    confirm_form = ConfirmForm(prefix="w") if winner else None
    registration_form = RegistrationForm(prefix="r") if owner else None
    if request.method == "GET" and form is not None and contract is not None:
        form.load(contract)
    if (
        request.method == "POST"
        and challenge.status is not S.AWARDED
        and registration_form is not None
        and registration_form.record.data
    ):
        if registration_form.validate_on_submit():
            try:
                delivery.set_registration_number(current_user, challenge, registration_form.registration_number.data)
            except ChallengeError as exc:
                db.session.rollback()
                errors_to_form(registration_form, exc)
            else:
                db.session.commit()
                flash(_("Registration number recorded."), "success")
                return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    elif request.method == "POST" and owner and form.confirm.data and form.validate_on_submit():
        terms = delivery.ContractInput(
            value=parse_wan(form.value.data) or 0,
            signed_on=form.signed_on.data,
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            registration_number=form.registration_number.data,
        )
        try:
            delivery.confirm_contract(current_user, challenge, terms)
        except ChallengeError as exc:
            db.session.rollback()
            errors_to_form(form, exc)
        else:
            db.session.commit()
            flash(
                _("Contract terms confirmed.")
                if challenge.status is not S.CONTRACTED
                else _("Both parties have confirmed: the contract is signed."),
                "success",
            )
            return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    elif request.method == "POST" and winner and confirm_form.confirm_terms.data and confirm_form.validate_on_submit():
        try:
            delivery.confirm_contract(current_user, challenge)
        except ChallengeError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
        else:
            db.session.commit()
            flash(
                _("You confirmed the contract terms.")
                if challenge.status is not S.CONTRACTED
                else _("Both parties have confirmed: the contract is signed."),
                "success",
            )
            return redirect(url_for("challenge_work.contract", challenge_id=challenge.id))
    contract = challenge.contract
    awards = _awards(challenge)
    my_award = next((a for a in awards if a.application.applicant_id == current_user.id), None)
    return render_template(
        "challenges/work_contract.html",
        challenge=challenge,
        contract=contract,
        awards=awards,
        owner=owner,
        winner=winner,
        my_award=my_award,
        form=form,
        confirm_form=confirm_form,
        registration_form=registration_form,
        editable=challenge.status is S.AWARDED,
    )


def _milestone(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id) or abort(404)
    return milestone


def _render_milestones(challenge, report_form=None, decision_form=None, acceptance_form=None, status=200):
    owner, winner = is_owner(challenge, current_user), is_winner(challenge, current_user)
    current = delivery.current_milestone(challenge)
    can_report = (
        winner
        and challenge.status in delivery.DELIVERY
        and current is not None
        and current.status in (MilestoneStatus.PENDING, MilestoneStatus.RETURNED)
    )
    can_decide = (
        owner
        and challenge.status is S.IN_PROGRESS
        and current is not None
        and current.status is MilestoneStatus.REPORTED
    )
    can_accept = owner and challenge.status is S.ACCEPTANCE
    return render_template(
        "challenges/work_milestones.html",
        challenge=challenge,
        current=current,
        owner=owner,
        winner=winner,
        evidence={m.id: delivery.evidence(m) for m in challenge.milestones},
        payments=delivery.payments(challenge),
        report_form=report_form or (ReportForm(prefix="m") if can_report else None),
        decision_form=decision_form or (DecisionForm(prefix="d") if can_decide else None),
        acceptance_form=acceptance_form or (AcceptanceForm(prefix="a") if can_accept else None),
        winners=[a.application for a in _awards(challenge)],
        max_mb=files.max_bytes() // (1024 * 1024),
    ), status


@login_required
def milestones(challenge_id: int):
    challenge = visible_challenge(challenge_id)
    require(is_owner(challenge, current_user) or is_winner(challenge, current_user) or is_admin(current_user))
    return _render_milestones(challenge)


@login_required
def report(milestone_id: int):
    """A winner reports the current milestone with evidence files."""
    milestone = _milestone(milestone_id)
    challenge = milestone.challenge
    require(is_winner(challenge, current_user))
    form = ReportForm(prefix="m")
    if not form.validate_on_submit():
        return _render_milestones(challenge, report_form=form)
    try:
        delivery.report_milestone(current_user, milestone, form.report.data, read_uploads(form.files))
    except ChallengeError as exc:
        db.session.rollback()
        errors_to_form(form, exc)
        return _render_milestones(challenge, report_form=form)
    db.session.commit()
    flash(_("Milestone reported: the enterprise has been told."), "success")
    return redirect(url_for("challenge_work.milestones", challenge_id=challenge.id))


@login_required
def decide_milestone(milestone_id: int):
    """The enterprise approves a reported milestone (its payment falls due) or sends it back."""
    milestone = _milestone(milestone_id)
    challenge = milestone.challenge
    require(is_owner(challenge, current_user))
    form = DecisionForm(prefix="d")
    if not form.validate_on_submit():
        return _render_milestones(challenge, decision_form=form)
    try:
        if form.decision.data == "approve":
            delivery.approve_milestone(current_user, milestone)
        else:
            delivery.return_milestone(current_user, milestone, form.note.data)
    except ChallengeError as exc:
        db.session.rollback()
        errors_to_form(form, exc)
        return _render_milestones(challenge, decision_form=form)
    db.session.commit()
    if form.decision.data == "approve":
        flash(
            _("Milestone approved: %(amount)s is now due to the team.", amount=format_money(milestone.payment_due)),
            "success",
        )
    else:
        flash(_("Milestone sent back to the team."), "success")
    return redirect(url_for("challenge_work.milestones", challenge_id=challenge.id))


@login_required
def accept(challenge_id: int):
    """验收: the enterprise closes the challenge with the experts' opinion."""
    challenge = visible_challenge(challenge_id)
    require(is_owner(challenge, current_user))
    form = AcceptanceForm(prefix="a")
    if not form.validate_on_submit():
        return _render_milestones(challenge, acceptance_form=form)
    try:
        delivery.final_acceptance(current_user, challenge, form.opinion.data)
    except ChallengeError as exc:
        db.session.rollback()
        errors_to_form(form, exc)
        return _render_milestones(challenge, acceptance_form=form)
    db.session.commit()
    flash(_("Final acceptance passed: the challenge is completed."), "success")
    return redirect(challenge_url(challenge.id))
