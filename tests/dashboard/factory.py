"""A fixed, hand-built ledger for the dashboard tests (2019, far from any other test's dates).

Deals (values in 元):
- D1 1,000,000: signed 2019-03-31 (last day of Q1), registered 2019-04-02; agency X; field A > A1 > A1a;
  provider university U; need E1 (high-tech + chuying); paid 300,000 on 2019-12-31 and 200,000 on 2020-01-01.
- D2 2,000,000: signed 2019-01-01, registered 2019-01-15; agency Y; field B; provider institute I; need E2
  (high-tech); paid in full 2019-02-01.
- D3 5,000,000: signed, registered and 1,000,000 paid in 2019, then cancelled: counts nowhere.
- D4 700,000: signed 2018-12-31, registered 2019-01-05; no agency, no field; provider company C; need E3
  (no tier); paid in full 2019-03-01.
- D5 400,000: signed 2019-12-31, not registered; agency X; field A1; provider U; need E2.
- D6 999: negotiating (never signed); agency X.
Target 2019: 10,000,000 元.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace

from webapp.accounts.models import Organisation, OrganisationTier, OrgKind, Tier
from webapp.deals.models import ContractType, Deal, Payment, TurnoverTarget
from webapp.extensions import db
from webapp.taxonomy.models import TechField


def _org(kind: OrgKind, name: str, tiers=()) -> Organisation:
    org = Organisation(kind=kind, name=f"{name}{uuid.uuid4().hex[:6]}")
    db.session.add(org)
    db.session.flush()
    for tier in tiers:
        db.session.add(OrganisationTier(organisation_id=org.id, tier=tier))
    return org


def _field(name: str, parent: TechField | None = None) -> TechField:
    field = TechField(
        code=uuid.uuid4().hex[:12], name=f"{name}{uuid.uuid4().hex[:6]}", parent_id=parent.id if parent else None
    )
    db.session.add(field)
    db.session.flush()
    return field


def _deal(
    title,
    value,
    *,
    signed=None,
    registered=None,
    agency=None,
    broker=None,
    field=None,
    provider=None,
    need=None,
    payments=(),
    cancelled=False,
) -> Deal:
    deal = Deal(
        title=title,
        contract_type=ContractType.DEVELOPMENT,
        contract_value=value,
        signed_on=signed,
        registered_on=registered,
        registration_no=f"R{uuid.uuid4().hex[:12]}" if registered else None,
        agency_id=agency.id if agency else None,
        broker_id=broker.id if broker else None,
        field_id=field.id if field else None,
        provider_org_id=provider.id if provider else None,
        provider_party=provider.name if provider else "某公司",
        need_org_id=need.id if need else None,
        need_party=need.name if need else "某企业",
        received_total=sum(amount for _day, amount in payments),
    )
    if cancelled:
        deal.cancelled_at, deal.cancel_reason = datetime(2019, 7, 1, tzinfo=UTC), "合同解除"
    db.session.add(deal)
    db.session.flush()
    for day, amount in payments:
        db.session.add(Payment(deal_id=deal.id, received_on=day, amount=amount))
    db.session.flush()
    return deal


def _broker(org: Organisation, name: str):
    from webapp.accounts.models import Role, User

    user = User(
        email=f"broker-{uuid.uuid4().hex[:8]}@test.jiebang.cn",
        name=name,
        role=Role.BROKER,
        password_hash="!",
        organisation_id=org.id,
    )
    db.session.add(user)
    db.session.flush()
    return user


def ledger() -> SimpleNamespace:
    x, y = _org(OrgKind.AGENCY, "滨海技术转移中心"), _org(OrgKind.AGENCY, "南开技术转移中心")
    u, i = _org(OrgKind.UNIVERSITY, "天津大学"), _org(OrgKind.INSTITUTE, "中科院天津工业生物所")
    c = _org(OrgKind.ENTERPRISE, "天津某装备公司")
    e1 = _org(OrgKind.ENTERPRISE, "津南储能科技", [Tier.HIGH_TECH, Tier.CHUYING])
    e2 = _org(OrgKind.ENTERPRISE, "津南精工", [Tier.HIGH_TECH])
    e3 = _org(OrgKind.ENTERPRISE, "津南小微")
    a = _field("新能源")
    a1 = _field("储能", a)
    a1a = _field("液流电池", a1)
    b = _field("生物医药")
    bx, by = _broker(x, "张经纪"), _broker(y, "李经纪")
    deals = SimpleNamespace(
        d1=_deal(
            "D1",
            1_000_000,
            signed=date(2019, 3, 31),
            registered=date(2019, 4, 2),
            agency=x,
            broker=bx,
            field=a1a,
            provider=u,
            need=e1,
            payments=[(date(2019, 12, 31), 300_000), (date(2020, 1, 1), 200_000)],
        ),
        d2=_deal(
            "D2",
            2_000_000,
            signed=date(2019, 1, 1),
            registered=date(2019, 1, 15),
            agency=y,
            broker=by,
            field=b,
            provider=i,
            need=e2,
            payments=[(date(2019, 2, 1), 2_000_000)],
        ),
        d3=_deal(
            "D3",
            5_000_000,
            signed=date(2019, 5, 1),
            registered=date(2019, 5, 10),
            agency=x,
            broker=bx,
            field=a,
            provider=u,
            need=e1,
            payments=[(date(2019, 6, 1), 1_000_000)],
            cancelled=True,
        ),
        d4=_deal(
            "D4",
            700_000,
            signed=date(2018, 12, 31),
            registered=date(2019, 1, 5),
            provider=c,
            need=e3,
            payments=[(date(2019, 3, 1), 700_000)],
        ),
        d5=_deal("D5", 400_000, signed=date(2019, 12, 31), agency=x, broker=bx, field=a1, provider=u, need=e2),
        d6=_deal("D6", 999, agency=x, broker=bx, provider=u, need=e1),
    )
    db.session.add(TurnoverTarget(year=2019, amount=10_000_000))
    db.session.flush()
    return SimpleNamespace(
        x=x, y=y, u=u, i=i, c=c, e1=e1, e2=e2, e3=e3, a=a, a1=a1, a1a=a1a, b=b, bx=bx, by=by, deals=deals
    )


def committed_ledger(query) -> SimpleNamespace:
    """`ledger()` built and committed through the tests' `query` fixture (the live server and
    other connections see it)."""

    def build(session):
        found = ledger()
        session.commit()
        return found

    return query(build)
