"""The enterprise's pages: a challenge drafted from one of its published needs, edited and submitted,
and the list of its challenges."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.accounts.models import Role
from webapp.challenges import posting
from webapp.challenges.errors import ChallengeError, ChallengeInvalid
from webapp.challenges.forms import (
    ChallengeForm,
)
from webapp.challenges.models import (
    Challenge,
    ChallengeStatus,
)
from webapp.challenges.pages import challenge_or_404, to_detail
from webapp.core import clock
from webapp.core.permissions import roles_required
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need

S = ChallengeStatus

PER_PAGE = 20
CRITERIA_ROWS, MILESTONE_ROWS = 5, 4


def _published_needs(user) -> list[Need]:
    """The enterprise's published needs a challenge can be posted from (none under way already)."""
    under_way = sa.select(Challenge.need_id).where(Challenge.status.not_in(posting.REPOSTABLE))
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(Need.owner_id == user.id, Need.status == ListingStatus.PUBLISHED, Need.id.not_in(under_way))
            .order_by(Need.id.desc())
        )
    )


def _render_form(form: ChallengeForm, challenge: Challenge | None, need: Need, status: int = 200):
    criteria_rows = max(CRITERIA_ROWS, len(form.criteria) + 1)
    milestone_rows = max(MILESTONE_ROWS, len(form.milestones) + 1)
    return render_template(
        "challenges/form.html",
        form=form,
        challenge=challenge,
        need=need,
        criteria_rows=min(criteria_rows, posting.CRITERIA_MAX),
        milestone_rows=min(milestone_rows, posting.MILESTONES_MAX),
        criteria_max=posting.CRITERIA_MAX,
        milestones_max=posting.MILESTONES_MAX,
    ), status


def _save(form: ChallengeForm, challenge: Challenge | None, need: Need):
    form.read_rows(request.form)
    form.validate_on_submit()
    data, errors = form.to_input()
    submitted, original = False, challenge
    try:
        if errors:
            posting.validate(data)  # the service's messages for the other fields too
        else:
            if challenge is None:
                challenge = posting.create_from_need(current_user, need)
            posting.update_draft(current_user, challenge, data)
            if form.save_submit.data:
                posting.submit(current_user, challenge)
                submitted = True
    except ChallengeInvalid as exc:
        errors = {**exc.errors, **errors}
    except ChallengeError as exc:
        errors = {**errors, "": str(exc)}
    if errors:
        db.session.rollback()
        for message in form.apply_errors(errors):
            flash(message, "danger")
        return _render_form(form, original, need, 422)
    db.session.commit()
    flash(_("Submitted for review: the administrators are told.") if submitted else _("Draft saved."), "success")
    return to_detail(challenge)


@roles_required(Role.ENTERPRISE)
def new():
    """A challenge from one of the enterprise's published needs (?need=); without one, the choice."""
    need_id = request.args.get("need", type=int)
    if need_id is None:
        return render_template("challenges/choose_need.html", needs=_published_needs(current_user))
    need = db.session.get(Need, need_id) or abort(404)
    existing = posting.current_challenge(need) if need.owner_id == current_user.id else None
    if existing is not None:
        flash(_("This need already has a challenge: here it is."), "info")
        return redirect(url_for("challenges.detail", challenge_id=existing.id))
    if not posting.can_create_from(need, current_user):
        abort(403)
    form = ChallengeForm()
    if request.method == "POST":
        return _save(form, None, need)
    form.load(need=need, default_criteria=posting.DEFAULT_CRITERIA)
    return _render_form(form, None, need)


@roles_required()
def edit(challenge_id: int):
    challenge = challenge_or_404(challenge_id)
    if not posting.can_edit(challenge, current_user):
        abort(403)
    form = ChallengeForm()
    if request.method == "POST":
        return _save(form, challenge, challenge.need)
    form.load(challenge=challenge)
    return _render_form(form, challenge, challenge.need)


@roles_required(Role.ENTERPRISE, Role.ADMIN)
def mine():
    page = db.paginate(posting.owned_by(current_user), per_page=PER_PAGE, error_out=False)
    return render_template("challenges/mine.html", page=page, needs=_published_needs(current_user), now=clock.now())
