"""After the award: the contract both sides confirm, milestones reported with evidence and approved
(recording the payment due) or sent back, and the final acceptance (验收).

The enterprise enters the contract terms and confirms them; every winner then confirms the same
terms (changing the terms withdraws the winners' confirmations). Milestones are reported in order,
one at a time, by a winner's applicant; the first report starts the work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.challenges import files, lifecycle, notices
from webapp.challenges.errors import ChallengeError, ChallengeInvalid, TransitionError
from webapp.challenges.inputs import REASON_MAX, TEXT_MAX, clean_text
from webapp.challenges.lifecycle import record
from webapp.challenges.models import (
    MAX_BOUNTY,
    Attachment,
    AttachmentKind,
    Award,
    Challenge,
    Contract,
    Milestone,
    MilestoneStatus,
)
from webapp.challenges.models import ChallengeStatus as S
from webapp.challenges.permissions import is_admin, is_owner, is_winner
from webapp.core import clock
from webapp.core.money import wan_figure
from webapp.core.permissions import require
from webapp.extensions import db

M = MilestoneStatus
# 技术合同登记号: letters, digits and hyphens (the registries' formats differ by year and province).
REGISTRATION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]{5,39}$")
DELIVERY = (S.CONTRACTED, S.IN_PROGRESS)


@dataclass
class ContractInput:
    value: int  # 元
    signed_on: date
    starts_on: date
    ends_on: date
    registration_number: str | None = None


def _clean_registration(number: str | None) -> str | None:
    number = clean_text(number, 60).replace(" ", "")
    if not number:
        return None
    if not REGISTRATION.match(number):
        raise ChallengeInvalid(
            {
                "registration_number": _(
                    "A technology contract registration number has 6 to 40 letters, digits or hyphens."
                )
            }
        )
    return number


def _clean_terms(terms: ContractInput) -> dict:
    errors = {}
    if isinstance(terms.value, bool) or not isinstance(terms.value, int) or not 0 < terms.value <= MAX_BOUNTY:
        errors["value"] = _("The contract value must be more than 0.")
    if not all(isinstance(d, date) for d in (terms.signed_on, terms.starts_on, terms.ends_on)):
        errors["signed_on"] = _("Give the dates of signature, start and end.")
    elif terms.ends_on < terms.starts_on:
        errors["ends_on"] = _("The contract must end after it starts.")
    try:
        number = _clean_registration(terms.registration_number)
    except ChallengeInvalid as exc:
        errors.update(exc.errors)
        number = None
    if errors:
        raise ChallengeInvalid(errors)
    return {
        "value": terms.value,
        "signed_on": terms.signed_on,
        "starts_on": terms.starts_on,
        "ends_on": terms.ends_on,
        "registration_number": number,
    }


def _awards(challenge: Challenge) -> list[Award]:
    return list(db.session.scalars(sa.select(Award).where(Award.challenge_id == challenge.id).order_by(Award.slot)))


def confirm_contract(user, challenge: Challenge, terms: ContractInput | None = None) -> Contract:
    """The enterprise confirms with the terms (first, or to change them); each winner confirms them.
    When the enterprise and every winner have confirmed, the challenge is contracted."""
    owner, winner = is_owner(challenge, user), is_winner(challenge, user)
    require(owner or winner)
    if challenge.status is not S.AWARDED:
        raise TransitionError(_("The contract is confirmed after the award."))
    contract = challenge.contract
    now = clock.now()
    if owner:
        if terms is None and contract is None:
            raise ChallengeInvalid({"value": _("Enter the contract terms.")})
        cleaned = _clean_terms(terms) if terms is not None else None
        if contract is None:
            contract = Contract(challenge_id=challenge.id, **cleaned)
            db.session.add(contract)
            challenge.contract = contract
        elif cleaned is not None and any(getattr(contract, k) != v for k, v in cleaned.items()):
            for name, value in cleaned.items():
                setattr(contract, name, value)
            contract.winner_confirmed_at = None  # new terms: the winners confirm again
            for award in _awards(challenge):
                award.contract_confirmed_at = None
        contract.enterprise_confirmed_at = now
        party = "enterprise"
    else:
        if contract is None or contract.enterprise_confirmed_at is None:
            raise TransitionError(_("The enterprise enters and confirms the contract terms first."))
        for award in _awards(challenge):
            if award.application.applicant_id == user.id and award.contract_confirmed_at is None:
                award.contract_confirmed_at = now
        if all(a.contract_confirmed_at is not None for a in _awards(challenge)):
            contract.winner_confirmed_at = now
        party = "winner"
    db.session.flush()
    record(
        "challenge_contract.confirm",
        contract,
        user,
        after={
            "party": party,
            "value": contract.value,
            "registration_number": contract.registration_number,
            "signed_on": contract.signed_on.isoformat(),
            "starts_on": contract.starts_on.isoformat(),
            "ends_on": contract.ends_on.isoformat(),
        },
    )
    if contract.confirmed:
        lifecycle.apply(challenge, "contract", user, details={"value": contract.value})
    else:
        others = notices.winners(challenge) if owner else notices.owner(challenge)
        notices.send(others, "challenge.contract_to_confirm", challenge, actor=user, name=user.name)
    return contract


def set_registration_number(user, challenge: Challenge, number: str) -> None:
    """The registration number, once the contract is registered (often after signature)."""
    require(is_owner(challenge, user) or is_admin(user))
    if challenge.contract is None or challenge.status not in (S.CONTRACTED, S.IN_PROGRESS, S.ACCEPTANCE, S.COMPLETED):
        raise TransitionError(_("The registration number is recorded once the contract is confirmed."))
    cleaned = _clean_registration(number)
    if cleaned is None:
        raise ChallengeInvalid({"registration_number": _("Enter the registration number.")})
    before = challenge.contract.registration_number
    challenge.contract.registration_number = cleaned
    db.session.flush()
    record(
        "challenge_contract.registration",
        challenge.contract,
        user,
        before={"registration_number": before},
        after={"registration_number": cleaned},
    )


def current_milestone(challenge: Challenge) -> Milestone | None:
    """The first milestone not yet approved: the one being worked on."""
    return next((m for m in challenge.milestones if m.status is not M.APPROVED), None)


def evidence(milestone: Milestone) -> list[Attachment]:
    return files.files_of(AttachmentKind.MILESTONE, milestone.id)


def report_milestone(user, milestone: Milestone, report: str, uploads: list[tuple[str, bytes]] = ()) -> None:
    """A winner reports the current milestone with evidence files (at least one, old or new)."""
    challenge = milestone.challenge
    require(is_winner(challenge, user))
    if challenge.status not in DELIVERY:
        raise TransitionError(_("Milestones are reported once the contract is confirmed."))
    if milestone is not current_milestone(challenge) or milestone.status not in (M.PENDING, M.RETURNED):
        raise ChallengeError(_("Milestones are reported in order; this one is not open for a report."))
    report = clean_text(report, TEXT_MAX)
    if not report:
        raise ChallengeInvalid({"report": _("Describe what was achieved.")})
    checked = [files.check(name, data) for name, data in uploads]
    if not checked and not evidence(milestone):
        raise ChallengeInvalid({"files": _("Attach at least one evidence file.")})
    if challenge.status is S.CONTRACTED:
        lifecycle.apply(challenge, "start", user)
    for (_name, data), (clean_name, content_type) in zip(uploads, checked, strict=True):
        files.store(user, challenge, AttachmentKind.MILESTONE, milestone.id, clean_name, content_type, data)
    before = milestone.status
    milestone.status = M.REPORTED
    milestone.report = report
    milestone.reported_at = clock.now()
    milestone.reported_by_id = user.id
    db.session.flush()
    record(
        "challenge_milestone.report",
        milestone,
        user,
        before={"status": before},
        after={"status": milestone.status, "title": milestone.title, "files": len(checked)},
    )
    notices.send(
        notices.owner(challenge), "challenge.milestone_reported", challenge, actor=user, milestone=milestone.title
    )


def approve_milestone(user, milestone: Milestone) -> None:
    """The enterprise approves a reported milestone: its payment falls due; after the last one the
    final acceptance is next."""
    challenge = milestone.challenge
    require(is_owner(challenge, user))
    if challenge.status is not S.IN_PROGRESS or milestone.status is not M.REPORTED:
        raise TransitionError(_("Only a reported milestone can be approved."))
    milestone.status = M.APPROVED
    milestone.decided_at = clock.now()
    milestone.payment_due = milestone.amount
    db.session.flush()
    record(
        "challenge_milestone.approve",
        milestone,
        user,
        before={"status": M.REPORTED},
        after={"status": milestone.status, "title": milestone.title, "payment_due": milestone.payment_due},
    )
    notices.send(
        notices.winners(challenge),
        "challenge.milestone_approved",
        challenge,
        actor=user,
        milestone=milestone.title,
        amount=wan_figure(milestone.payment_due),
    )
    if all(m.status is M.APPROVED for m in challenge.milestones):
        lifecycle.apply(challenge, "finish_milestones", user)


def return_milestone(user, milestone: Milestone, note: str) -> None:
    challenge = milestone.challenge
    require(is_owner(challenge, user))
    if challenge.status is not S.IN_PROGRESS or milestone.status is not M.REPORTED:
        raise TransitionError(_("Only a reported milestone can be sent back."))
    note = clean_text(note, REASON_MAX * 2)
    if not note:
        raise ChallengeInvalid({"note": _("Say what is missing: the team will read it.")})
    milestone.status = M.RETURNED
    milestone.return_note = note
    milestone.decided_at = clock.now()
    db.session.flush()
    record(
        "challenge_milestone.return",
        milestone,
        user,
        before={"status": M.REPORTED},
        after={"status": milestone.status, "title": milestone.title, "note": note},
    )
    notices.send(
        notices.winners(challenge),
        "challenge.milestone_returned",
        challenge,
        actor=user,
        milestone=milestone.title,
        note=note,
    )


def final_acceptance(user, challenge: Challenge, opinion: str) -> None:
    """验收: the enterprise closes the challenge with the experts' opinion."""
    lifecycle.check(challenge, "complete", user)
    opinion = clean_text(opinion, TEXT_MAX)
    if not opinion:
        raise ChallengeInvalid({"opinion": _("Record the expert opinion of the acceptance.")})
    challenge.acceptance_opinion = opinion
    lifecycle.apply(challenge, "complete", user)


def payments(challenge: Challenge) -> dict:
    """Money facts of a challenge (元): planned per milestone, due so far, the rest."""
    planned = sum(m.amount for m in challenge.milestones)
    due = sum(m.payment_due or 0 for m in challenge.milestones)
    return {"bounty": challenge.bounty or 0, "planned": planned, "due": due, "outstanding": planned - due}
