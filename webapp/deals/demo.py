"""Demonstration deals written for this platform, so that a fresh `make run` shows a ledger and a
dashboard with something in them: a few fictional contracts between the demo enterprises and the two
universities, credited to the demo broker, at every stage (negotiating, signed, registered, being paid,
paid in full, cancelled), and the year's turnover target (the 2022 plan's 50亿元).

Everything goes through the ledger's services, so each step is audited like a real one. Loaded once:
nothing happens when the ledger already holds a deal.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from webapp.accounts.models import Organisation, User
from webapp.core import clock
from webapp.core.money import parse_wan
from webapp.deals import opening, services
from webapp.deals.models import ContractType, Deal, TurnoverTarget
from webapp.extensions import db
from webapp.taxonomy.models import TechField

WAN = 10_000
TARGET = 500_000 * WAN  # 50亿元

# (title, enterprise, provider, field code, type, value 万元, signed days ago, registered days after
#  signing, payments as (days after signing, 万元), cancel reason)
DEALS = [
    (
        "精密减速器寿命预测算法技术开发",
        "天津津南智造装备有限公司",
        "天津大学",
        "E01",
        ContractType.DEVELOPMENT,
        180,
        300,
        20,
        [(40, 60), (150, 60), (260, 60)],
        None,
    ),
    (
        "高强铝合金焊接工艺技术许可",
        "天津海河新材料科技有限公司",
        "天津大学",
        "C02",
        ContractType.LICENCE,
        95,
        240,
        15,
        [(30, 40)],
        None,
    ),
    (
        "中药组分缓释制剂专利转让",
        "天津小站生物医药有限公司",
        "南开大学",
        "B04",
        ContractType.TRANSFER,
        260,
        200,
        10,
        [(20, 100), (120, 80)],
        None,
    ),
    (
        "产线视觉检测模型技术服务",
        "天津津南智造装备有限公司",
        "南开大学",
        "A03",
        ContractType.SERVICE,
        42.5,
        120,
        12,
        [(25, 20)],
        None,
    ),
    (
        "储能电池热管理方案技术咨询",
        "天津海河新材料科技有限公司",
        "天津大学",
        "D",
        ContractType.CONSULTING,
        18,
        60,
        10,
        [],
        None,
    ),
    (
        "智能网联汽车测试场景库技术服务",
        "天津津南智造装备有限公司",
        "天津大学",
        "E05",
        ContractType.SERVICE,
        36,
        20,
        None,
        [],
        None,
    ),
    (
        "合成生物菌种构建技术开发",
        "天津小站生物医药有限公司",
        "南开大学",
        "B01",
        ContractType.DEVELOPMENT,
        320,
        None,
        None,
        [],
        None,
    ),
    (
        "复合材料无损检测技术服务",
        "天津海河新材料科技有限公司",
        "天津大学",
        "C03",
        ContractType.SERVICE,
        25,
        90,
        None,
        [],
        "企业调整研发计划，双方协商解除",
    ),
]


def load(today: date | None = None) -> int:
    """Create the demo deals and this year's target when the ledger is empty; return how many deals."""
    today = today or clock.today()
    if db.session.scalar(sa.select(TurnoverTarget.year).where(TurnoverTarget.year == today.year)) is None:
        db.session.add(TurnoverTarget(year=today.year, amount=TARGET))
    if db.session.scalar(sa.select(Deal.id).limit(1)) is not None:
        return 0
    admin = db.session.scalar(sa.select(User).where(User.email == "admin@demo.jiebang.cn"))
    broker = db.session.scalar(sa.select(User).where(User.email == "broker@demo.jiebang.cn"))
    if admin is None or broker is None:
        return 0
    orgs = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    fields = {f.code: f.id for f in db.session.scalars(sa.select(TechField))}
    contacts = {
        u.organisation_id: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.jiebang.cn")))
    }
    made = 0
    for number, (
        title,
        need,
        provider,
        field,
        kind,
        value,
        signed_ago,
        registered_after,
        payments,
        cancel,
    ) in enumerate(DEALS, 1):
        need_org, provider_org = orgs.get(need), orgs.get(provider)
        if need_org is None or provider_org is None:
            continue
        parties = opening.Parties(
            need_party=need_org.name,
            need_org_id=need_org.id,
            need_user_id=getattr(contacts.get(need_org.id), "id", None),
            provider_party=provider_org.name,
            provider_org_id=provider_org.id,
            provider_user_id=getattr(contacts.get(provider_org.id), "id", None),
            field_id=fields.get(field),
        )
        deal = opening.create_direct(
            admin,
            title=title,
            parties=parties,
            contract_type=kind,
            contract_value=parse_wan(str(value)),
            broker=broker,
        )
        if signed_ago is not None:
            signed_on = today - timedelta(days=signed_ago)
            services.sign(broker, deal, signed_on)
            if registered_after is not None:
                services.register(
                    broker, deal, f"{signed_on.year}120112{number:06d}", signed_on + timedelta(days=registered_after)
                )
            for after, amount in payments:
                services.record_payment(
                    broker,
                    deal,
                    signed_on + timedelta(days=after),
                    amount * WAN,
                    evidence=f"银行回单 {signed_on.year}-{number:03d}-{after:03d}（演示）",
                )
        if cancel:
            services.cancel(broker, deal, cancel)
        made += 1
    return made
