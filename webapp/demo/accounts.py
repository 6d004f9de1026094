"""Demonstration content written for this platform: fictional Jinnan enterprises and one user per role."""

from __future__ import annotations

import sqlalchemy as sa

from webapp.accounts import services
from webapp.accounts.models import Organisation, OrgKind, Role, Tier, User
from webapp.extensions import db

DEMO_PASSWORD = "Jiebang-demo-2026"

ORGANISATIONS = [
    {
        "kind": OrgKind.ENTERPRISE,
        "name": "天津津南智造装备有限公司",
        "uscc": "91120112MA05JN0A2Y",
        "industry": "智能制造/高端装备",
        "address": "天津市津南区咸水沽镇（演示地址）",
        "tiers": [Tier.HIGH_TECH, Tier.DENGLING],
    },
    {
        "kind": OrgKind.ENTERPRISE,
        "name": "天津海河新材料科技有限公司",
        "uscc": "91120112MA06XC3B4N",
        "industry": "新材料",
        "address": "天津市津南区八里台镇（演示地址）",
        "tiers": [Tier.HIGH_TECH, Tier.TECH_SME],
    },
    {
        "kind": OrgKind.ENTERPRISE,
        "name": "天津小站生物医药有限公司",
        "uscc": "91120112MA07HY5K68",
        "industry": "生物医药",
        "address": "天津市津南区小站镇（演示地址）",
        "tiers": [Tier.TECH_SME, Tier.CHUYING],
    },
    {"kind": OrgKind.AGENCY, "name": "津南区科技成果转化服务中心（演示）", "industry": "技术转移服务"},
]

USERS = [
    ("admin@demo.jiebang.cn", Role.ADMIN, "区科技局管理员", None),
    ("enterprise@demo.jiebang.cn", Role.ENTERPRISE, "张工（企业研发负责人）", "天津津南智造装备有限公司"),
    ("enterprise2@demo.jiebang.cn", Role.ENTERPRISE, "刘经理（技术部）", "天津海河新材料科技有限公司"),
    ("enterprise3@demo.jiebang.cn", Role.ENTERPRISE, "孙博士（研发中心）", "天津小站生物医药有限公司"),
    ("researcher@demo.jiebang.cn", Role.RESEARCHER, "李教授（天津大学）", "天津大学"),
    ("researcher2@demo.jiebang.cn", Role.RESEARCHER, "王研究员（南开大学）", "南开大学"),
    ("broker@demo.jiebang.cn", Role.BROKER, "赵经理（技术经理人）", "津南区科技成果转化服务中心（演示）"),
    ("expert@demo.jiebang.cn", Role.EXPERT, "陈专家（评审专家）", None),
    ("expert2@demo.jiebang.cn", Role.EXPERT, "周专家（评审专家）", None),
]


def load() -> list[tuple[str, str]]:
    """Create what is missing; return the users created this time."""
    by_name = {o.name: o for o in db.session.scalars(sa.select(Organisation))}
    for spec in ORGANISATIONS:
        if spec["name"] not in by_name:
            fields = {k: v for k, v in spec.items() if k != "tiers"}
            by_name[spec["name"]] = services.save_organisation(None, None, tiers=spec.get("tiers"), **fields)
    created = []
    for email, role, name, org_name in USERS:
        if db.session.scalar(sa.select(User.id).where(User.email == email)):
            continue
        services.create_user(
            email=email, role=role, name=name, password=DEMO_PASSWORD, organisation=by_name.get(org_name)
        )
        created.append((email, role.value))
    return created
