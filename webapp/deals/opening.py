"""Opening a deal: directly (a broker, or an admin crediting a broker), from an accepted
introduction, or from an awarded challenge's contract. A deal opens negotiating (or signed, from a
confirmed challenge contract), credited to a broker and their agency."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from webapp.core import audit
from webapp.core.db import utcnow
from webapp.core.permissions import require
from webapp.deals.access import can_create, can_open_from_introduction, role_of
from webapp.deals.models import ContractType, Deal
from webapp.deals.services import (
    TITLE_MAX,
    DealError,
    check_amount,
    clean_text,
    ledger_changed,
    notify_parties,
    snapshot,
)
from webapp.extensions import db


@dataclass
class Parties:
    need_party: str
    provider_party: str
    need_org_id: int | None = None
    need_user_id: int | None = None
    provider_org_id: int | None = None
    provider_user_id: int | None = None
    achievement_id: int | None = None
    field_id: int | None = None  # the technical field the deal is reported under


def side_kinds(side: str) -> list:
    """The kinds of organisation on the platform that may stand on one side of a contract."""
    from webapp.accounts.models import OrgKind

    if side == "need":
        return [OrgKind.ENTERPRISE]
    return [OrgKind.UNIVERSITY, OrgKind.INSTITUTE, OrgKind.ENTERPRISE]


def party_contact(email: str | None, org_id: int | None, field: str | None = None) -> int | None:
    """The user who speaks for one side of a contract, given by e-mail; they will see the deal. When
    the side is an organisation on the platform, its contact must be one of its members."""
    from webapp.accounts.models import User

    email = (email or "").strip().lower()
    if not email:
        return None
    contact = db.session.scalar(sa.select(User).where(User.email == email, User.active.is_(True)))
    if contact is None:
        raise DealError(_("No active account has the e-mail %(email)s.", email=email), field=field)
    if org_id is not None and contact.organisation_id != org_id:
        raise DealError(
            _("%(name)s is not a member of the organisation chosen for this side.", name=contact.name), field=field
        )
    return contact.id


def _agency_of(broker) -> int | None:
    return broker.organisation_id if broker is not None else None


def _open_deal(
    user,
    *,
    title: str,
    parties: Parties,
    contract_type: ContractType,
    contract_value: int,
    broker=None,
    source: dict,
    **links,
) -> Deal:
    if not isinstance(contract_type, ContractType):
        try:
            contract_type = ContractType(contract_type)
        except ValueError:
            raise DealError(_("Choose the type of contract."), field="contract_type") from None
    broker = broker or user
    deal = Deal(
        title=clean_text(title, TITLE_MAX, required=_("Give the deal a title."), field="title"),
        need_party=clean_text(
            parties.need_party, 200, required=_("Name the need side of the contract."), field="need_party"
        ),
        provider_party=clean_text(
            parties.provider_party, 200, required=_("Name the provider side of the contract."), field="provider_party"
        ),
        need_org_id=parties.need_org_id,
        need_user_id=parties.need_user_id,
        provider_org_id=parties.provider_org_id,
        provider_user_id=parties.provider_user_id,
        achievement_id=parties.achievement_id,
        field_id=parties.field_id,
        contract_type=contract_type,
        contract_value=check_amount(contract_value, _("The contract value"), "contract_value"),
        received_total=0,
        broker_id=broker.id,
        agency_id=_agency_of(broker),
        created_by_id=user.id,
        **links,
    )
    db.session.add(deal)
    db.session.flush()
    audit.record(
        "deal.create",
        deal,
        actor=user,
        after=snapshot(deal) | source | {"broker": deal.broker_id, "agency": deal.agency_id, "type": contract_type},
    )
    ledger_changed(deal.signed_on)
    notify_parties(deal, "deal.opened", user, broker=broker.name or broker.email)
    return deal


def _broker_for(user, broker):
    """An admin may credit any broker; a broker credits themselves."""
    from webapp.accounts.models import Role

    if broker is None or broker.id == user.id:
        return user
    require(role_of(user) is Role.ADMIN)
    if role_of(broker) is not Role.BROKER:
        raise DealError(_("Only a technology broker can be credited with a deal."), field="broker")
    return broker


def create_direct(
    user, *, title: str, parties: Parties, contract_type: ContractType, contract_value: int, broker=None
) -> Deal:
    """A deal entered by a broker (credited to themselves) or an admin (crediting any broker)."""
    require(can_create(user))
    return _open_deal(
        user,
        title=title,
        parties=parties,
        contract_type=contract_type,
        contract_value=contract_value,
        broker=_broker_for(user, broker),
        source={"source": "direct"},
    )


def create_from_introduction(
    user, introduction, *, contract_type: ContractType, contract_value: int, title: str | None = None
) -> Deal:
    """An introduction both sides agreed to becomes a negotiating deal between the need's and the achievement's
    sides, credited to the introducing broker and their agency; the introduction ends in a deal."""
    from webapp.matching.models import IntroductionOutcome

    require(can_open_from_introduction(user, introduction))
    if introduction.outcome is IntroductionOutcome.NO_DEAL:
        raise DealError(_("This introduction ended without a deal."), conflict=True)
    if not introduction.agreed:
        raise DealError(_("Both sides must agree to the introduction before a deal is opened."), conflict=True)
    if db.session.scalar(sa.select(Deal.id).where(Deal.introduction_id == introduction.id)) is not None:
        raise DealError(_("This introduction already has its deal."), conflict=True)
    need, achievement = introduction.suggestion.need, introduction.suggestion.achievement
    need_org = need.organisation or (need.owner.organisation if need.owner else None)
    parties = Parties(
        # An imported need without an account or an organisation row names its enterprise in its text.
        need_party=need_org.name if need_org else (need.owner.name if need.owner else need.organisation_name or ""),
        need_org_id=need_org.id if need_org else None,
        need_user_id=need.owner_id,
        provider_party=achievement.institution_label or (achievement.owner.name if achievement.owner else ""),
        provider_org_id=achievement.organisation_id,
        provider_user_id=achievement.owner_id,
        achievement_id=achievement.id,
        field_id=achievement.field_id or need.field_id,
    )
    broker = introduction.broker or user
    deal = _open_deal(
        user,
        title=title or achievement.title,
        parties=parties,
        contract_type=contract_type,
        contract_value=contract_value,
        broker=broker,
        source={"introduction": introduction.id},
        introduction_id=introduction.id,
    )
    if introduction.outcome is IntroductionOutcome.NEGOTIATING:
        introduction.outcome = IntroductionOutcome.DEAL
        introduction.closed_at = utcnow()
        db.session.flush()
        audit.record(
            "match.outcome",
            introduction,
            actor=user,
            before={"outcome": IntroductionOutcome.NEGOTIATING},
            after={"outcome": IntroductionOutcome.DEAL, "deal": deal.id},
        )
    return deal


def create_from_award(user, award, *, broker=None) -> Deal:
    """An awarded challenge's contract becomes a 技术开发 deal with the contract's value (one deal per
    winner), signed on the contract's date once both sides confirmed it."""
    require(can_create(user))
    challenge = award.challenge
    contract = challenge.contract
    if contract is None:
        raise DealError(_("The challenge has no contract yet."), conflict=True)
    if db.session.scalar(sa.select(Deal.id).where(Deal.award_id == award.id)) is not None:
        raise DealError(_("This award already has its deal."), conflict=True)
    application = award.application
    owner = challenge.owner
    need_org_id = challenge.organisation_id or (owner.organisation_id if owner else None)
    from webapp.accounts.models import Organisation

    need_org = db.session.get(Organisation, need_org_id) if need_org_id else None
    parties = Parties(
        need_party=need_org.name if need_org else (owner.name if owner else ""),
        need_org_id=need_org_id,
        need_user_id=challenge.owner_id,
        provider_party=application.lead_unit,
        provider_org_id=application.organisation_id,
        provider_user_id=application.applicant_id,
        field_id=challenge.field_id,
    )
    deal = _open_deal(
        user,
        title=challenge.title,
        parties=parties,
        contract_type=ContractType.DEVELOPMENT,
        contract_value=contract.value,
        broker=_broker_for(user, broker),
        source={"challenge": challenge.id, "award": award.id},
        challenge_id=challenge.id,
        award_id=award.id,
    )
    if contract.confirmed:
        deal.signed_on = contract.signed_on
        db.session.flush()
        ledger_changed(deal.signed_on)
    return deal
