"""The deal ledger on SQLite and PostgreSQL: a deal's state follows from its records, money received
never exceeds the value (the service refuses it, and so does the database), money is whole 元,
who may keep or see a deal, deals opened from an introduction or a challenge award, and turnover
totals with their period edges."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from tests.listings.search_factory import make_listing
from tests.matching.consent_helpers import both_agree
from webapp.accounts.models import OrgKind
from webapp.core.audit import AuditEvent
from webapp.core.money import parse_wan_range
from webapp.core.permissions import PermissionDenied
from webapp.deals import access, opening, services, turnover
from webapp.deals.models import ContractType, Deal, DealState, Payment, PaymentInstalment
from webapp.deals.opening import Parties
from webapp.deals.services import DealError
from webapp.extensions import db
from webapp.matching import services as matching
from webapp.matching.models import ConsentAnswer, IntroductionOutcome, Suggestion
from webapp.notifications.models import Notification

WAN = 10_000


@pytest.fixture
def people(app_ctx, make_user, make_org):
    agency = make_org(OrgKind.AGENCY, name=f"滨海技术转移中心{uuid.uuid4().hex[:6]}")
    other_agency = make_org(OrgKind.AGENCY, name=f"南开技术转移中心{uuid.uuid4().hex[:6]}")
    enterprise_org = make_org(OrgKind.ENTERPRISE, name=f"津南储能科技有限公司{uuid.uuid4().hex[:6]}")
    university = make_org(OrgKind.UNIVERSITY, name=f"天津大学{uuid.uuid4().hex[:6]}")
    with force_locale("en"):
        yield SimpleNamespace(
            agency=agency,
            other_agency=other_agency,
            enterprise_org=enterprise_org,
            university=university,
            broker=make_user("broker", organisation_id=agency.id),
            other_broker=make_user("broker", organisation_id=other_agency.id),
            admin=make_user("admin"),
            enterprise=make_user("enterprise", organisation_id=enterprise_org.id),
            colleague=make_user("enterprise", organisation_id=enterprise_org.id),
            researcher=make_user("researcher", organisation_id=university.id),
            university_colleague=make_user("researcher", organisation_id=university.id),
            university_expert=make_user("expert", organisation_id=university.id),
            agency_colleague=make_user("broker", organisation_id=agency.id),
            stranger=make_user("enterprise"),
        )


def direct(p, value=100 * WAN, user=None, **kwargs) -> Deal:
    parties = Parties(
        need_party=p.enterprise_org.name,
        need_org_id=p.enterprise_org.id,
        need_user_id=p.enterprise.id,
        provider_party=p.university.name,
        provider_org_id=p.university.id,
        provider_user_id=p.researcher.id,
    )
    return opening.create_direct(
        user or p.broker,
        title="储能电池液冷技术开发",
        parties=parties,
        contract_type=kwargs.pop("contract_type", ContractType.DEVELOPMENT),
        contract_value=value,
        **kwargs,
    )


def signed(p, value=100 * WAN, on=date(2025, 3, 1), **kwargs) -> Deal:
    deal = direct(p, value, **kwargs)
    services.sign(kwargs.get("user") or p.broker, deal, on)
    return deal


# ---------------------------------------------------------------- state from records


def state_in_sql(deal: Deal) -> str:
    return db.session.scalar(sa.select(Deal.state).where(Deal.id == deal.id))


def test_state_follows_the_records_through_every_step(people):
    p = people
    deal = direct(p, 100 * WAN)
    seen = [(deal.state, state_in_sql(deal))]
    services.sign(p.broker, deal, date(2025, 3, 1))
    seen.append((deal.state, state_in_sql(deal)))
    services.register(p.broker, deal, "2025120000123", date(2025, 3, 10))
    seen.append((deal.state, state_in_sql(deal)))
    services.record_payment(p.broker, deal, date(2025, 4, 1), 30 * WAN, "银行回单 0001")
    seen.append((deal.state, state_in_sql(deal)))
    services.record_payment(p.broker, deal, date(2025, 5, 1), 70 * WAN)
    seen.append((deal.state, state_in_sql(deal)))
    assert seen == [
        (s, s.value)
        for s in (DealState.NEGOTIATING, DealState.SIGNED, DealState.REGISTERED, DealState.PAYING, DealState.PAID)
    ]
    assert deal.received_total == sum(payment.amount for payment in deal.payments) == 100 * WAN

    other = signed(p, 50 * WAN)
    services.record_payment(p.broker, other, date(2025, 4, 1), 10 * WAN)
    services.cancel(p.broker, other, "企业资金链断裂，双方协商解除")
    assert (other.state, state_in_sql(other)) == (DealState.CANCELLED, "cancelled")
    counts = dict(
        db.session.execute(
            sa.select(Deal.state, sa.func.count()).where(Deal.id.in_([deal.id, other.id])).group_by(Deal.state)
        ).all()
    )
    assert counts == {"paid": 1, "cancelled": 1}


def test_the_steps_are_refused_out_of_order(people, freeze_clock):
    p = people
    today = freeze_clock(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    deal = direct(p)
    with pytest.raises(DealError, match="signed contracts only"):
        services.record_payment(p.broker, deal, date(2025, 4, 1), WAN)
    with pytest.raises(DealError, match="Only a signed contract"):
        services.register(p.broker, deal, "2025120000001", date(2025, 4, 1))
    with pytest.raises(DealError, match="future"):
        services.sign(p.broker, deal, today + timedelta(days=1))
    services.sign(p.broker, deal, date(2025, 3, 1))
    with pytest.raises(DealError, match="before it was signed"):
        services.register(p.broker, deal, "2025120000001", date(2025, 2, 1))
    with pytest.raises(DealError, match="future"):
        services.record_payment(p.broker, deal, today + timedelta(days=1), WAN)
    services.register(p.broker, deal, "2025120000001", date(2025, 3, 2))
    other = signed(p)
    with pytest.raises(DealError, match="already used"):
        services.register(p.broker, other, "2025120000001", date(2025, 3, 2))
    with pytest.raises(DealError, match="reason"):
        services.cancel(p.broker, other, "  ")


@pytest.mark.parametrize(
    ("moment", "today"),
    [
        pytest.param(datetime(2026, 3, 1, 15, 59, tzinfo=UTC), date(2026, 3, 1), id="15h59-utc"),
        pytest.param(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), date(2026, 3, 2), id="16h00-utc-next-day-in-beijing"),
    ],
)
def test_dates_are_days_in_beijing_up_to_today(people, freeze_clock, moment, today):
    """A contract signed, registered or paid today in Beijing can be recorded at once, also in the hours
    when the date in UTC is still yesterday's; tomorrow is refused."""
    p = people
    assert freeze_clock(moment) == today
    deal = direct(p)
    with pytest.raises(DealError, match="future"):
        services.sign(p.broker, deal, today + timedelta(days=1))
    services.sign(p.broker, deal, today)
    with pytest.raises(DealError, match="future"):
        services.register(p.broker, deal, "2026120000001", today + timedelta(days=1))
    services.register(p.broker, deal, "2026120000001", today)
    with pytest.raises(DealError, match="future"):
        services.record_payment(p.broker, deal, today + timedelta(days=1), WAN)
    services.record_payment(p.broker, deal, today, WAN)
    assert (deal.signed_on, deal.registered_on, deal.received_total) == (today, today, WAN)


# ---------------------------------------------------------------- received never above the value


def test_payments_beyond_the_value_are_refused(people):
    p = people
    deal = signed(p, 100 * WAN)
    services.record_payment(p.broker, deal, date(2025, 4, 1), 60 * WAN)
    with pytest.raises(DealError, match="more than the ¥400k"):
        services.record_payment(p.broker, deal, date(2025, 4, 2), 40 * WAN + 1)
    services.record_payment(p.broker, deal, date(2025, 4, 2), 40 * WAN)
    assert deal.state is DealState.PAID
    with pytest.raises(DealError):
        services.record_payment(p.broker, deal, date(2025, 4, 3), 1)
    with pytest.raises(DealError, match="fully paid"):
        services.cancel(p.broker, deal, "想取消")
    assert db.session.scalar(sa.select(sa.func.sum(Payment.amount)).where(Payment.deal_id == deal.id)) == 100 * WAN


def test_the_value_cannot_be_lowered_below_what_was_received(people):
    p = people
    deal = signed(p, 100 * WAN)
    services.record_payment(p.broker, deal, date(2025, 4, 1), 60 * WAN)
    with pytest.raises(DealError, match="already received"):
        services.set_value(p.broker, deal, 59 * WAN)
    services.set_value(p.broker, deal, 60 * WAN)
    assert (deal.contract_value, deal.state) == (60 * WAN, DealState.PAID)


def test_the_database_refuses_received_above_the_value(people):
    p = people
    deal = signed(p, 100 * WAN)
    db.session.commit()
    for statement in (
        "UPDATE deals SET received_total = contract_value + 1 WHERE id = :id",
        "UPDATE deals SET contract_value = 0 WHERE id = :id",
        "UPDATE deals SET received_total = -1 WHERE id = :id",
    ):
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(sa.text(statement), {"id": deal.id})
    for table in ("deal_payments", "deal_instalments"):
        column = "received_on" if table == "deal_payments" else "due_on"
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.execute(
                sa.text(
                    f"INSERT INTO {table} (deal_id, {column}, amount"
                    + (", recorded_at" if table == "deal_payments" else "")
                    + ") VALUES (:id, '2025-04-01', 0"
                    + (", '2025-04-01 00:00:00'" if table == "deal_payments" else "")
                    + ")"
                ),
                {"id": deal.id},
            )
    db.session.expire_all()
    assert db.session.get(Deal, deal.id).received_total == 0


def test_the_schedule_may_not_add_up_to_more_than_the_value(people):
    p = people
    deal = signed(p, 100 * WAN)
    services.replace_instalments(p.broker, deal, [(date(2025, 6, 30), 30 * WAN), (date(2025, 12, 31), 70 * WAN)])
    with pytest.raises(DealError, match="more than the contract value"):
        services.add_instalment(p.broker, deal, date(2026, 6, 30), 1)
    with pytest.raises(DealError, match="more than the contract value"):
        services.set_value(p.broker, deal, 90 * WAN)
    rows = db.session.scalars(
        sa.select(PaymentInstalment).where(PaymentInstalment.deal_id == deal.id).order_by(PaymentInstalment.due_on)
    ).all()
    assert [(r.due_on, r.amount) for r in rows] == [(date(2025, 6, 30), 30 * WAN), (date(2025, 12, 31), 70 * WAN)]


# ---------------------------------------------------------------- money is whole yuan


def test_money_is_whole_yuan_never_float(people):
    p = people
    for column in (Deal.contract_value, Deal.received_total, Payment.amount, PaymentInstalment.amount):
        assert isinstance(column.type, sa.BigInteger)
    with pytest.raises(DealError, match="whole number"):
        direct(p, 0.1 * WAN)
    deal = signed(p, 100 * WAN)
    with pytest.raises(DealError, match="whole number"):
        services.record_payment(p.broker, deal, date(2025, 4, 1), 0.3 * WAN)
    # 0.1 万元 + 0.2 万元 entered as people write them: exactly 3000 元, not 3000.0000000000005.
    first, _ = parse_wan_range("0.1")
    second, _ = parse_wan_range("0.2万元")
    services.record_payment(p.broker, deal, date(2025, 4, 1), first)
    services.record_payment(p.broker, deal, date(2025, 4, 2), second)
    db.session.expire_all()
    deal = db.session.get(Deal, deal.id)
    assert deal.received_total == 3000 and type(deal.received_total) is int
    assert all(type(payment.amount) is int for payment in deal.payments)
    big = direct(p, 5_000_000_000_01)  # 50亿元 and a yuan: beyond 32-bit integers, kept exactly
    db.session.expire_all()
    assert db.session.get(Deal, big.id).contract_value == 500_000_000_001


# ---------------------------------------------------------------- who may do what


def test_brokers_keep_their_own_deals_admins_all_the_named_parties_view(people):
    """A deal is seen by its named contacts, its broker and the brokers of its agency, and admins:
    not by the parties' other members (a university's researchers and experts, the firm's staff)."""
    p = people
    deal = direct(p)
    assert (deal.broker_id, deal.agency_id) == (p.broker.id, p.agency.id)
    for user in (p.other_broker, p.enterprise, p.researcher, p.stranger):
        with pytest.raises(PermissionDenied):
            services.sign(user, deal, date(2025, 3, 1))
    with pytest.raises(PermissionDenied):
        direct(p, user=p.enterprise)
    services.sign(p.admin, deal, date(2025, 3, 1))
    assert deal.state is DealState.SIGNED

    viewers = {
        name: access.can_view(deal, getattr(p, name))
        for name in (
            "broker",
            "agency_colleague",
            "other_broker",
            "admin",
            "enterprise",
            "colleague",
            "researcher",
            "university_colleague",
            "university_expert",
            "stranger",
        )
    }
    assert viewers == {
        "broker": True,
        "agency_colleague": True,
        "other_broker": False,
        "admin": True,
        "enterprise": True,
        "colleague": False,
        "researcher": True,
        "university_colleague": False,
        "university_expert": False,
        "stranger": False,
    }
    for name, may in viewers.items():
        listed = deal.id in db.session.scalars(access.deals_for(getattr(p, name)).with_only_columns(Deal.id)).all()
        assert listed is may, name


def test_an_admin_credits_a_broker_and_their_agency(people):
    p = people
    deal = direct(p, user=p.admin, broker=p.other_broker)
    assert (deal.broker_id, deal.agency_id, deal.created_by_id) == (p.other_broker.id, p.other_agency.id, p.admin.id)
    with pytest.raises(PermissionDenied):
        direct(p, broker=p.other_broker)  # a broker cannot credit someone else


def test_every_step_is_audited_and_the_parties_told(people):
    p = people
    deal = signed(p, 100 * WAN)
    services.register(p.broker, deal, "2025120000777", date(2025, 3, 5))
    services.record_payment(p.broker, deal, date(2025, 4, 1), 25 * WAN)
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "deals", AuditEvent.object_id == deal.id)
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["deal.create", "deal.sign", "deal.register", "deal.payment"]
    for user in (p.enterprise, p.researcher):
        kinds = db.session.scalars(
            sa.select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
        ).all()
        assert kinds == ["deal.opened", "deal.signed", "deal.registered", "deal.payment"]
    assert not db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification).where(Notification.user_id == p.broker.id)
    )


# ---------------------------------------------------------------- where deals come from


def test_an_accepted_introduction_becomes_a_negotiating_deal(people):
    p = people
    achievement = make_listing(
        db.session, "a", owner_id=p.researcher.id, title="锂电池液冷热管理", keywords=["液冷"], summary="液冷板热管理"
    )
    achievement.organisation_id = p.university.id
    db.session.flush()
    db.session.expire(achievement)
    need = make_listing(
        db.session, "n", owner_id=p.enterprise.id, title="电池包温升控制", keywords=["液冷"], description="寻求液冷技术"
    )
    suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=80, parts={}, terms=["液冷"])
    db.session.add(suggestion)
    db.session.flush()
    introduction = matching.accept(suggestion, p.broker, "双方已初步沟通")
    with pytest.raises(DealError, match="Both sides must agree"):
        opening.create_from_introduction(
            p.broker, introduction, contract_type=ContractType.TRANSFER, contract_value=80 * WAN
        )
    both_agree(introduction)
    with pytest.raises(PermissionDenied):
        opening.create_from_introduction(
            p.other_broker, introduction, contract_type=ContractType.TRANSFER, contract_value=80 * WAN
        )
    deal = opening.create_from_introduction(
        p.broker, introduction, contract_type=ContractType.TRANSFER, contract_value=80 * WAN
    )
    assert deal.state is DealState.NEGOTIATING
    assert (deal.need_party, deal.need_user_id, deal.provider_party, deal.provider_user_id, deal.achievement_id) == (
        p.enterprise_org.name,
        p.enterprise.id,
        p.university.name,
        p.researcher.id,
        achievement.id,
    )
    assert (deal.broker_id, deal.agency_id, deal.introduction_id) == (p.broker.id, p.agency.id, introduction.id)
    assert introduction.outcome is IntroductionOutcome.DEAL and introduction.closed_at is not None
    with pytest.raises(DealError, match="already has its deal"):
        opening.create_from_introduction(
            p.admin, introduction, contract_type=ContractType.TRANSFER, contract_value=80 * WAN
        )


def test_an_introduction_of_an_imported_need_opens_a_deal_naming_its_enterprise(people):
    """The need came from the district's lists: no owner account, no organisation row, its enterprise
    named in the listing. The broker records the enterprise's agreement; the deal names it."""
    p = people
    achievement = make_listing(db.session, "a", owner_id=p.researcher.id, title="高强铝合金真空压铸", keywords=["压铸"])
    need = make_listing(db.session, "n", owner_id=None, title="壳体压铸气孔治理", keywords=["压铸"])
    need.organisation_name, need.show_identity = "天津津南某压铸有限公司", False
    suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=80, parts={}, terms=["压铸"])
    db.session.add(suggestion)
    db.session.flush()
    introduction = matching.accept(suggestion, p.broker, "已电话沟通")
    matching.answer_introduction(introduction, p.researcher, ConsentAnswer.ACCEPTED)
    matching.answer_on_behalf(introduction, p.broker, "need", ConsentAnswer.ACCEPTED, note="电话联系王经理，同意对接")

    deal = opening.create_from_introduction(
        p.broker, introduction, contract_type=ContractType.DEVELOPMENT, contract_value=30 * WAN
    )
    assert (deal.need_party, deal.need_user_id, deal.need_org_id) == ("天津津南某压铸有限公司", None, None)


def test_an_awarded_challenge_contract_becomes_a_development_deal(app_ctx):
    from tests.challenges import factory

    with force_locale("en"):
        people = factory.make_people()
        challenge, applications = factory.contracted(people)
        award = challenge.awards[0] if hasattr(challenge, "awards") else None
        if award is None:
            from webapp.challenges.models import Award

            award = db.session.scalars(sa.select(Award).where(Award.challenge_id == challenge.id)).first()
        deal = opening.create_from_award(people.admin, award)
        assert deal.contract_type is ContractType.DEVELOPMENT
        assert deal.contract_value == challenge.contract.value
        assert deal.state is DealState.SIGNED and deal.signed_on == challenge.contract.signed_on
        assert deal.provider_party == award.application.lead_unit
        with pytest.raises(DealError, match="already has its deal"):
            opening.create_from_award(people.admin, award)


# ---------------------------------------------------------------- turnover from the ledger


def test_turnover_on_a_fixed_data_set_with_period_edges(people):
    p = people
    # A: signed 2024-12-20, registered 2024-12-31, paid 30万 on 31 Dec and 20万 on 1 Jan.
    a = signed(p, 100 * WAN, on=date(2024, 12, 20))
    services.register(p.broker, a, "2024120000001", date(2024, 12, 31))
    services.record_payment(p.broker, a, date(2024, 12, 31), 30 * WAN)
    services.record_payment(p.broker, a, date(2025, 1, 1), 20 * WAN)
    # B: signed 1 Jan 2025, registered 2025-02-01, paid 10万 in Feb; credited to the other agency.
    b = signed(p, 40 * WAN, on=date(2025, 1, 1), user=p.admin, broker=p.other_broker)
    services.register(p.admin, b, "2025120000002", date(2025, 2, 1))
    services.record_payment(p.admin, b, date(2025, 2, 15), 10 * WAN)
    # C: signed in 2025, paid 5万, then cancelled: counts nowhere.
    c = signed(p, 60 * WAN, on=date(2025, 1, 10))
    services.record_payment(p.broker, c, date(2025, 1, 15), 5 * WAN)
    services.cancel(p.broker, c, "合同解除")
    # D: still negotiating: counts nowhere.
    direct(p, 999 * WAN)

    assert turnover.turnover(date(2024, 1, 1), date(2024, 12, 31)) == turnover.Turnover(
        signed=100 * WAN, registered=100 * WAN, received=30 * WAN
    )
    assert turnover.turnover(date(2025, 1, 1), date(2025, 12, 31)) == turnover.Turnover(
        signed=40 * WAN, registered=40 * WAN, received=30 * WAN
    )
    assert turnover.turnover(date(2025, 1, 1), date(2025, 1, 1)) == turnover.Turnover(
        signed=40 * WAN, registered=0, received=20 * WAN
    )
    assert turnover.turnover(date(2024, 12, 1), date(2025, 2, 28), by="month") == {
        202412: turnover.Turnover(signed=100 * WAN, registered=100 * WAN, received=30 * WAN),
        202501: turnover.Turnover(signed=40 * WAN, registered=0, received=20 * WAN),
        202502: turnover.Turnover(signed=0, registered=40 * WAN, received=10 * WAN),
    }
    assert turnover.turnover(date(2025, 1, 1), date(2025, 12, 31), by="agency") == {
        p.agency.id: turnover.Turnover(signed=0, registered=0, received=20 * WAN),
        p.other_agency.id: turnover.Turnover(signed=40 * WAN, registered=40 * WAN, received=10 * WAN),
    }
    totals = turnover.turnover(date(2024, 1, 1), date(2025, 12, 31))
    assert all(type(v) is int for v in (totals.signed, totals.registered, totals.received))


def test_a_cancelled_deal_takes_no_more_steps_and_the_ledger_adds_up(people):
    p = people
    deal = signed(p, 100 * WAN)
    services.record_payment(p.broker, deal, date(2025, 4, 1), 10 * WAN)
    services.cancel(p.broker, deal, "项目终止")
    for step in (
        lambda: services.record_payment(p.broker, deal, date(2025, 4, 2), WAN),
        lambda: services.register(p.broker, deal, "2025120000999", date(2025, 4, 2)),
        lambda: services.set_value(p.broker, deal, 200 * WAN),
        lambda: services.cancel(p.broker, deal, "again"),
    ):
        with pytest.raises(DealError, match="cancelled"):
            step()
    assert (deal.cancel_reason, deal.received_total) == ("项目终止", 10 * WAN)
    kinds = db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == p.enterprise.id)).all()
    assert kinds[-1] == "deal.cancelled"
    assert turnover.ledger_mismatches() == []
    db.session.execute(sa.update(Deal).where(Deal.id == deal.id).values(received_total=11 * WAN))
    assert turnover.ledger_mismatches() == [deal.id]


def test_every_ledger_change_gives_the_figures_a_new_version(people):
    """The dashboard keys its figures by the ledger's version: each step through the services moves it
    on, also when the deal's dates and the last payment row alone would not show it."""
    from webapp.dashboard.stats_turnover import ledger_version
    from webapp.deals.models import LedgerRevision

    def revision() -> int:
        return db.session.get(LedgerRevision, 1, populate_existing=True).number

    deal = signed(people)
    seen, start = {ledger_version()}, revision()
    services.register(people.broker, deal, f"2025120112{uuid.uuid4().int % 10**6:06d}", date(2025, 3, 2))
    seen.add(ledger_version())
    services.record_payment(people.broker, deal, date(2025, 4, 1), 10 * WAN)
    seen.add(ledger_version())
    # A change whose own stamps are older than the newest ones (a transaction that began earlier and
    # commits later) still makes a new version.
    newest = db.session.scalar(sa.select(sa.func.max(Deal.updated_at)))
    services.cancel(people.broker, deal, "合同解除")
    db.session.execute(sa.update(Deal).where(Deal.id == deal.id).values(updated_at=newest))
    seen.add(ledger_version())
    assert len(seen) == 4 and revision() == start + 3


def test_every_change_to_the_ledger_is_announced_with_its_dates(people, app):
    from webapp.dashboard import warming
    from webapp.deals import signals

    heard = []

    def listen(_sender, days=()):
        heard.append(days)

    with signals.ledger_changed.connected_to(listen):
        deal = signed(people, 100 * WAN, on=date(2025, 3, 1))
        services.record_payment(people.broker, deal, date(2025, 4, 1), 10 * WAN)
    assert heard == [(None,), (date(2025, 3, 1),), (date(2025, 4, 1),)]
    # The dashboard, above the deals, listens from create_app on: it warms its shared figures.
    assert warming._on_ledger_changed in signals.ledger_changed.receivers_for(None)
