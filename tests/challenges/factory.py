"""People, needs and challenges at any stage, made through the services (never by writing states
directly), with the challenge clock under the test's control."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tests import clock
from webapp.accounts.models import Organisation, OrgKind, Role, User
from webapp.challenges import applications, delivery, posting, review
from webapp.challenges import award as awarding
from webapp.challenges.applications import ApplicationInput, MemberInput
from webapp.challenges.models import Application, Challenge, Eligibility, UnitKind
from webapp.challenges.posting import ChallengeInput, CriterionInput, MilestoneInput
from webapp.extensions import db

PASSWORD_HASH = generate_password_hash("correct-horse-42")
TJU = "天津大学"
NKU = "南开大学"
INSTITUTE = "天津市津南区先进制造研究院"


def organisation(name: str, kind: OrgKind) -> Organisation:
    found = db.session.scalar(sa.select(Organisation).where(Organisation.name == name))
    if found is None:
        uscc = None
        if kind is OrgKind.ENTERPRISE:
            from webapp.core.identifiers import uscc_check_char

            body = "91120112MA" + "".join(c if c in "0123456789ABCDEF" else "1" for c in uuid.uuid4().hex[:7].upper())
            uscc = body + uscc_check_char(body)
        found = Organisation(name=name, kind=kind, uscc=uscc)
        db.session.add(found)
        db.session.flush()
    return found


def user(role: Role, name: str, org: Organisation | None = None) -> User:
    person = User(
        email=f"{role.value}-{uuid.uuid4().hex[:10]}@test.jiebang.cn",
        name=name,
        role=role,
        password_hash=PASSWORD_HASH,
        organisation_id=org.id if org else None,
    )
    db.session.add(person)
    db.session.flush()
    return person


@dataclass
class People:
    owner: User  # the enterprise that posts
    rival: User  # another enterprise
    tju: User  # researcher at 天津大学
    tju_2: User  # another researcher at 天津大学
    nku: User  # researcher at 南开大学
    institute: User  # researcher at the institute
    expert_tju: User  # expert employed by 天津大学
    expert: User
    expert_2: User
    admin: User


def make_people() -> People:
    company = organisation(f"津南精工装备有限公司{uuid.uuid4().hex[:6]}", OrgKind.ENTERPRISE)
    other = organisation(f"海河智能科技有限公司{uuid.uuid4().hex[:6]}", OrgKind.ENTERPRISE)
    tju = organisation(TJU, OrgKind.UNIVERSITY)
    nku = organisation(NKU, OrgKind.UNIVERSITY)
    institute = organisation(INSTITUTE, OrgKind.INSTITUTE)
    return People(
        owner=user(Role.ENTERPRISE, "王经理", company),
        rival=user(Role.ENTERPRISE, "赵总", other),
        tju=user(Role.RESEARCHER, "李教授", tju),
        tju_2=user(Role.RESEARCHER, "周博士", tju),
        nku=user(Role.RESEARCHER, "陈教授", nku),
        institute=user(Role.RESEARCHER, "刘研究员", institute),
        expert_tju=user(Role.EXPERT, "孙专家", tju),
        expert=user(Role.EXPERT, "吴专家"),
        expert_2=user(Role.EXPERT, "郑专家"),
        admin=user(Role.ADMIN, "区科技局管理员"),
    )


def make_need(owner: User):
    from tests.listings.search_factory import make_listing

    return make_listing(
        db.session,
        "n",
        owner_id=owner.id,
        organisation_id=owner.organisation_id,
        title="高端铝合金壳体精密压铸良率提升",
        description="新能源汽车电驱壳体压铸气孔缺陷导致良率仅85%，需要工艺攻关。",
        indicators="良率≥95%，气孔率≤0.5%",
        budget_min=1_000_000,
        budget_max=3_000_000,
    )


def terms(**overrides) -> ChallengeInput:
    now = clock.now()
    closes = overrides.pop("closes_at", now + timedelta(days=10))
    values = {
        "title": "电驱壳体压铸气孔缺陷攻关",
        "problem": "压铸件气孔导致良率低，需要工艺与模具联合攻关。",
        "indicators": "良率≥95%",
        "bounty": 2_000_000,
        "opens_at": now,
        "closes_at": closes,
        "criteria": [CriterionInput("技术方案", 50), CriterionInput("团队能力", 30), CriterionInput("经费与进度", 20)],
        "milestones": [
            MilestoneInput("工艺方案验证", 30, (closes + timedelta(days=30)).date()),
            MilestoneInput("小批量试产", 30, (closes + timedelta(days=90)).date()),
            MilestoneInput("量产验收", 40, (closes + timedelta(days=180)).date()),
        ],
        "eligibility": list(Eligibility),
        "notice_days": 7,
        "winners_max": 1,
    }
    values.update(overrides)
    return ChallengeInput(**values)


def draft(people: People, **overrides) -> Challenge:
    challenge = posting.create_from_need(people.owner, make_need(people.owner))
    posting.update_draft(people.owner, challenge, terms(**overrides))
    return challenge


def published(people: People, cofunding: int | None = 500_000, **overrides) -> Challenge:
    challenge = draft(people, **overrides)
    posting.submit(people.owner, challenge)
    posting.publish(people.admin, challenge, cofunding=cofunding)
    return challenge


def application_input(unit: str, kind: UnitKind = UnitKind.UNIVERSITY, members=(), signed=True) -> ApplicationInput:
    return ApplicationInput(
        lead_unit=unit,
        lead_kind=kind,
        team="负责人及5名骨干",
        plan="真空压铸+模温精确控制的技术路线",
        budget=1_800_000,
        schedule="12个月分三阶段",
        members=[MemberInput(n, k) for n, k in members],
        commitment_signed=signed,
    )


def apply(
    person: User,
    challenge: Challenge,
    unit: str | None = None,
    kind: UnitKind = UnitKind.UNIVERSITY,
    members=(),
    submit: bool = True,
) -> Application:
    unit = unit or person.organisation.name
    application = applications.save_application(person, challenge, application_input(unit, kind, members))
    if submit:
        applications.submit_application(person, application)
    return application


def closed(people: People, challenge: Challenge) -> None:
    """Move the clock past the deadline and let the clock task close the window."""
    from webapp.challenges import deadlines

    clock.set_time(challenge.closes_at + timedelta(minutes=1))
    deadlines.tick()


def in_review(people: People, **overrides) -> tuple[Challenge, list[Application]]:
    """Published, applied for by TJU and NKU, closed, both eligible, two experts assigned and cleared."""
    challenge = published(people, **overrides)
    apps = [apply(people.tju, challenge), apply(people.nku, challenge)]
    closed(people, challenge)
    for application in apps:
        applications.check_application(people.admin, application, True)
    for expert in (people.expert, people.expert_2):
        review.assign_expert(people.admin, challenge, expert)
    applications.finish_formal_check(people.admin, challenge)
    for expert in (people.expert, people.expert_2):
        for application in apps:
            review.declare_conflict(expert, application, False)
    return challenge, apps


def scores(challenge: Challenge, *values: int) -> dict:
    return {c.id: v for c, v in zip(challenge.criteria, values, strict=True)}


def in_notice(people: People, **overrides) -> tuple[Challenge, list[Application]]:
    challenge, apps = in_review(people, **overrides)
    review.score(people.expert, apps[0], scores(challenge, 90, 80, 70), "方案可行")
    review.score(people.expert_2, apps[0], scores(challenge, 80, 80, 80), "团队扎实")
    review.score(people.expert, apps[1], scores(challenge, 60, 70, 80), "方案一般")
    review.score(people.expert_2, apps[1], scores(challenge, 70, 60, 60), "经验不足")
    awarding.propose_winners(people.admin, challenge)
    return challenge, apps


def awarded(people: People, **overrides) -> tuple[Challenge, list[Application]]:
    challenge, apps = in_notice(people, **overrides)
    clock.set_time(challenge.notice_ends_at)
    awarding.award(people.admin, challenge)
    return challenge, apps


def contract_terms(challenge: Challenge) -> delivery.ContractInput:
    start = ((challenge.closes_at or clock.now()) + timedelta(days=20)).date()
    return delivery.ContractInput(
        value=challenge.bounty, signed_on=start, starts_on=start, ends_on=start + timedelta(days=365)
    )


def contracted(people: People, **overrides) -> tuple[Challenge, list[Application]]:
    challenge, apps = awarded(people, **overrides)
    delivery.confirm_contract(people.owner, challenge, contract_terms(challenge))
    delivery.confirm_contract(people.tju, challenge)
    return challenge, apps


PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
