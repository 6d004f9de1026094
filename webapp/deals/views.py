"""The deal pages: the list (with its .xlsx export), a deal's page, and opening a deal (directly,
from an accepted introduction, from a challenge award). The forms that change a deal are on its
page (webapp.deals.actions); every rule is the services'. Files are served as attachments to those
who may see the deal."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from webapp.accounts.models import Organisation, User
from webapp.core import clock, stored_files
from webapp.core.permissions import require
from webapp.deals import (
    access,
    actions,  # noqa: F401 - the forms of a deal's page are routes of this blueprint
    browse,
    files,
    opening,
)
from webapp.deals.blueprint import bp
from webapp.deals.detail import render_detail
from webapp.deals.forms import DealForm, FilterForm, FromAwardForm, FromIntroductionForm, form_error
from webapp.deals.models import ContractType, Deal, DealFile, DealState
from webapp.deals.opening import Parties
from webapp.deals.services import DealError
from webapp.extensions import db

PER_PAGE = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def get_deal(deal_id: int) -> Deal:
    """The deal, for those who may see it: 404 if there is none, 403 if it is not theirs to see."""
    deal = db.session.get(Deal, deal_id) or abort(404)
    require(access.can_view(deal, current_user))
    return deal


def org_or_none(value) -> Organisation | None:
    return db.session.get(Organisation, int(value)) if value else None


@bp.app_context_processor
def _helpers():
    def deal_of_introduction(intro) -> int | None:
        return db.session.scalar(sa.select(Deal.id).where(Deal.introduction_id == intro.id))

    def deals_of_awards(challenge) -> list[tuple]:
        """(award, deal id or None) of each winner, once the challenge has its contract."""
        if challenge.contract is None or not access.can_create(current_user):
            return []
        rows = db.session.execute(sa.select(Deal.award_id, Deal.id).where(Deal.challenge_id == challenge.id))
        found = dict(rows.all())  # (award id, deal id) pairs
        return [(award, found.get(award.id)) for award in sorted(challenge.awards, key=lambda a: a.slot)]

    return {
        "deal_of_introduction": deal_of_introduction,
        "deals_of_awards": deals_of_awards,
        "can_create_deal": access.can_create,
    }


# --------------------------------------------------------------------------------------------
# The list and its export


def _filter(form: FilterForm) -> browse.DealFilter:
    form.validate()
    flt = browse.DealFilter(text=(form.q.data or "").strip() if not form.q.errors else "")
    if form.state.data and not form.state.errors:
        flt.state = DealState(form.state.data)
    if form.type.data and not form.type.errors:
        flt.contract_type = ContractType(form.type.data)
    if "broker" in form and form.broker.data and not form.broker.errors:
        flt.broker_id = int(form.broker.data)
    flt.signed_from = form.signed_from.data if not form.signed_from.errors else None
    flt.signed_to = form.signed_to.data if not form.signed_to.errors else None
    return flt


def _list_args() -> dict[str, str]:
    return {k: v for k, v in request.args.items() if k != "page" and v != ""}


@bp.route("/")
@login_required
def index():
    form = FilterForm(formdata=request.args, admin=current_user.is_admin)
    query = browse.matching(current_user, _filter(form))
    page = db.paginate(query, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False)
    return render_template(
        "deals/list.html", form=form, page=page, args=_list_args(), can_create=access.can_create(current_user)
    )


@bp.route("/export.xlsx")
@login_required
def export():
    """The list as filtered on the page, every page of it (at most EXPORT_CAP rows)."""
    form = FilterForm(formdata=request.args, admin=current_user.is_admin)
    deals = db.session.scalars(browse.matching(current_user, _filter(form)).limit(browse.EXPORT_CAP)).all()
    response = Response(browse.to_xlsx(deals), mimetype=XLSX)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="jiebang-deals-{clock.local_now():%Y%m%d-%H%M}.xlsx"'
    )
    response.headers["X-Export-Rows"] = str(len(deals))
    return response


# --------------------------------------------------------------------------------------------
# One deal


@bp.route("/<int:deal_id>")
@login_required
def detail(deal_id: int):
    return render_detail(get_deal(deal_id))


@bp.route("/<int:deal_id>/files/<int:file_id>")
@login_required
def download(deal_id: int, file_id: int):
    deal = get_deal(deal_id)
    stored = db.session.get(DealFile, file_id)
    if stored is None or stored.deal_id != deal.id:
        abort(404)
    require(files.can_download(current_user, deal))
    return stored_files.download(stored)


# --------------------------------------------------------------------------------------------
# Opening a deal


def _broker_choice(form) -> User | None:
    if "broker" not in form or not form.broker.data:
        return None
    return db.session.get(User, int(form.broker.data))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """A deal entered directly: the two sides (organisations on the platform or names), the type and
    the value in 万元; a broker is credited themselves, an admin chooses the broker."""
    require(access.can_create(current_user))
    form = DealForm(admin=current_user.is_admin)
    if not form.validate_on_submit():
        return render_template("deals/new.html", form=form)
    need_org, provider_org = org_or_none(form.need_org.data), org_or_none(form.provider_org.data)
    contacts = {}
    for side, org in (("need_contact", need_org), ("provider_contact", provider_org)):
        try:
            contacts[side] = opening.party_contact(getattr(form, side).data, org.id if org else None)
        except DealError as exc:
            form_error(form, str(exc), getattr(form, side))
    if len(contacts) < 2:
        return render_template("deals/new.html", form=form)
    parties = Parties(
        need_party=need_org.name if need_org else (form.need_party.data or ""),
        need_org_id=need_org.id if need_org else None,
        need_user_id=contacts["need_contact"],
        provider_party=provider_org.name if provider_org else (form.provider_party.data or ""),
        provider_org_id=provider_org.id if provider_org else None,
        provider_user_id=contacts["provider_contact"],
        field_id=int(form.field.data) if form.field.data else None,
    )
    try:
        deal = opening.create_direct(
            current_user,
            title=form.title.data,
            parties=parties,
            contract_type=form.contract_type.data,
            contract_value=form.value.yuan,
            broker=_broker_choice(form),
        )
    except DealError as exc:
        db.session.rollback()
        form_error(form, str(exc))
        return render_template("deals/new.html", form=form)
    db.session.commit()
    flash(_("Deal no. %(id)d opened; it is being negotiated.", id=deal.id), "success")
    return redirect(url_for("deals.detail", deal_id=deal.id))


@bp.route("/new/from-introduction/<int:intro_id>", methods=["GET", "POST"])
@login_required
def from_introduction(intro_id: int):
    from webapp.matching.models import Introduction

    intro = db.session.get(Introduction, intro_id) or abort(404)
    require(access.can_open_from_introduction(current_user, intro))
    existing = db.session.scalar(sa.select(Deal.id).where(Deal.introduction_id == intro.id))
    if existing is not None:
        flash(_("This introduction already has its deal."), "info")
        return redirect(url_for("deals.detail", deal_id=existing))
    if not intro.agreed:
        flash(_("Both sides must agree to the introduction before a deal is opened."), "warning")
        return redirect(url_for("matching.introduction", intro_id=intro.id))
    form = FromIntroductionForm()
    if request.method == "GET":
        form.title.data = intro.suggestion.achievement.title
    if form.validate_on_submit():
        try:
            deal = opening.create_from_introduction(
                current_user,
                intro,
                contract_type=form.contract_type.data,
                contract_value=form.value.yuan,
                title=form.title.data,
            )
        except DealError as exc:
            db.session.rollback()
            form_error(form, str(exc))
        else:
            db.session.commit()
            flash(_("Deal no. %(id)d opened from the introduction.", id=deal.id), "success")
            return redirect(url_for("deals.detail", deal_id=deal.id))
    return render_template("deals/from_introduction.html", form=form, intro=intro, s=intro.suggestion)


@bp.route("/new/from-award/<int:award_id>", methods=["GET", "POST"])
@login_required
def from_award(award_id: int):
    from webapp.challenges.models import Award

    award = db.session.get(Award, award_id) or abort(404)
    require(access.can_create(current_user))
    existing = db.session.scalar(sa.select(Deal.id).where(Deal.award_id == award.id))
    if existing is not None:
        flash(_("This award already has its deal."), "info")
        return redirect(url_for("deals.detail", deal_id=existing))
    form = FromAwardForm(admin=current_user.is_admin)
    if form.validate_on_submit():
        try:
            deal = opening.create_from_award(current_user, award, broker=_broker_choice(form))
        except DealError as exc:
            db.session.rollback()
            form_error(form, str(exc))
        else:
            db.session.commit()
            flash(_("Deal no. %(id)d opened from the challenge contract.", id=deal.id), "success")
            return redirect(url_for("deals.detail", deal_id=deal.id))
    challenge = award.challenge
    return render_template(
        "deals/from_award.html",
        form=form,
        award=award,
        challenge=challenge,
        contract=challenge.contract,
        application=award.application,
    )
