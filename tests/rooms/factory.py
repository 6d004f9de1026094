"""A negotiation room made through the services: a broker accepts a suggestion between an
enterprise's need and a researcher's achievement (with a confidential part), and both owners
agree to the introduction."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from tests.listings.search_factory import make_listing
from webapp.accounts.models import OrgKind, Role, User
from webapp.matching.models import Suggestion
from webapp.matching.services import decisions

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def person(session, role: str, name: str, org=None) -> User:
    from werkzeug.security import generate_password_hash

    from tests.conftest import PASSWORD

    user = User(
        email=f"{role}-{uuid.uuid4().hex[:8]}@test.jiebang.cn",
        name=name,
        role=Role(role),
        password_hash=generate_password_hash(PASSWORD),
        organisation_id=org.id if org else None,
    )
    session.add(user)
    session.flush()
    return user


def agree(introduction) -> None:
    """Both owners agree to the introduction, through the service their page calls."""
    from tests.matching.consent_helpers import both_agree

    both_agree(introduction)


def make_room(session, *, agreed: bool = True, confidential: str | None = None) -> SimpleNamespace:
    from webapp.accounts.models import Organisation

    uid = uuid.uuid4().hex[:6]
    company = Organisation(kind=OrgKind.ENTERPRISE, name=f"津南储能科技有限公司{uid}")
    university = Organisation(kind=OrgKind.UNIVERSITY, name=f"天津大学{uid}")
    session.add_all([company, university])
    session.flush()
    enterprise = person(session, "enterprise", f"王总{uid}", company)
    researcher = person(session, "researcher", f"李教授{uid}", university)
    broker = person(session, "broker", f"张经纪{uid}")
    admin = person(session, "admin", f"管理员{uid}")
    outsiders = SimpleNamespace(
        broker=person(session, "broker", f"另一经纪人{uid}"),
        enterprise=person(session, "enterprise", f"别家企业{uid}"),
        researcher=person(session, "researcher", f"别的教授{uid}"),
        expert=person(session, "expert", f"评审专家{uid}"),
    )
    achievement = make_listing(
        session,
        "a",
        owner_id=researcher.id,
        organisation_id=university.id,
        title=f"锂电池包液冷热管理技术{uid}",
        summary="液冷板与相变材料复合，电芯温差小于3℃。",
        confidential=confidential or f"保密工艺参数：冷却液流量每分钟{uid}升",
    )
    need = make_listing(
        session,
        "n",
        owner_id=enterprise.id,
        organisation_id=company.id,
        title=f"储能电池包快充温升控制{uid}",
        description="快充时电池温度升高过快，寻求液冷热管理技术。",
    )
    suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=72.0, parts={}, terms=["液冷"])
    session.add(suggestion)
    session.flush()
    introduction = decisions.accept(suggestion, broker, "双方在热管理上很契合")
    if agreed:
        agree(introduction)
    return SimpleNamespace(
        uid=uid,
        company=company.name,
        university=university.name,
        intro=introduction,
        enterprise=enterprise,
        researcher=researcher,
        broker=broker,
        admin=admin,
        outsiders=outsiders,
        need=need,
        achievement=achievement,
        secret=achievement.confidential,
    )
