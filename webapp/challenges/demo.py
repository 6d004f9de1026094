"""Demonstration challenges (揭榜挂帅) written for this platform, one at every stage of the lifecycle,
so that a fresh `make run` shows a living board: open for applications (one of them made from a
de-identified need, so it says 某企业), under expert review, in 公示, awarded, in progress with a
milestone accepted, completed, and 流榜 (no application).

Each is made from one of the demo enterprises' needs and taken through the same services people use,
with the application's clock replaying when each step would have happened, so every step is audited
and the timelines read as they would. Loaded once: nothing happens when any challenge exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.accounts.models import User
from webapp.challenges import applications, deadlines, delivery, posting, review
from webapp.challenges import award as awarding
from webapp.challenges.applications import ApplicationInput
from webapp.challenges.models import Challenge, Eligibility, UnitKind
from webapp.challenges.posting import ChallengeInput, CriterionInput, MilestoneInput
from webapp.core import clock
from webapp.extensions import db
from webapp.listings import demo as listing_demo
from webapp.needs.models import Need

WAN = 10_000
# A minimal PDF: milestone reports carry evidence, and uploads are checked for their type.
REPORT_PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CRITERIA = [
    CriterionInput("技术方案可行性", 40),
    CriterionInput("团队能力与基础", 30),
    CriterionInput("经费与进度安排", 30),
]
TJU, NKU = "researcher@demo.jiebang.cn", "researcher2@demo.jiebang.cn"

# (demo need's key in webapp/listings/demo.py, title, bounty 万元, stage, days ago the window opened)
CHALLENGES = [
    ("demo-n-04", "工业机器人关节减速器故障预警模型", 50, "open", 5),
    ("demo-n-03", "储能电池包快充温升控制技术攻关", 150, "open", 3),  # the need is de-identified
    ("demo-n-02", "冷轧钢板表面缺陷在线识别系统", 100, "review", 40),
    ("demo-n-05", "7系铝合金结构件低变形连接工艺", 80, "notice", 30),
    ("demo-n-06", "可降解快递包装膜增韧改性", 120, "awarded", 70),
    ("demo-n-01", "电驱壳体压铸气孔缺陷攻关", 200, "in_progress", 150),
    ("demo-n-07", "喷涂车间VOCs吸附浓缩催化燃烧治理", 60, "completed", 420),
    ("demo-n-10", "耐高温脂肪酶菌种定向改造", 120, "failed", 60),
]


def load(now: datetime | None = None, say: Callable[[str], None] = lambda _text: None) -> int:
    """Create the demo challenges when there are none; return how many were made."""
    if db.session.scalar(sa.select(Challenge.id).limit(1)) is not None:
        return 0
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.jiebang.cn")))}
    demo_owners = [u.id for u in users.values()]
    titles = {row[0]: row[1] for row in listing_demo.NEEDS}
    by_title = {n.title: n for n in db.session.scalars(sa.select(Need).where(Need.owner_id.in_(demo_owners)))}
    needs = {key: by_title[title] for key, title in titles.items() if title in by_title}
    admin = users.get("admin@demo.jiebang.cn")
    experts = [users.get("expert@demo.jiebang.cn"), users.get("expert2@demo.jiebang.cn")]
    if admin is None or None in experts or TJU not in users or NKU not in users:
        return 0
    now = now or clock.now()
    made = 0
    with clock.replay() as move:
        for key, title, bounty, stage, opened_ago in CHALLENGES:
            need = needs.get(key)
            if need is None or need.owner is None:
                continue
            story = _Story(need, users, admin, experts, now - timedelta(days=opened_ago), move)
            story.run(title, bounty * WAN, stage)
            made += 1
            say(f"  {title}: {story.challenge.status.label}")
    return made


class _Story:
    """One challenge taken through the services, each step at its moment on the replayed clock."""

    def __init__(
        self,
        need: Need,
        users: dict[str, User],
        admin: User,
        experts: list[User],
        opens: datetime,
        move: Callable[[datetime], None],
    ):
        self.need, self.owner, self.admin, self.experts = need, need.owner, admin, experts
        self.tju, self.nku = users[TJU], users[NKU]
        self.opens = opens.replace(hour=1, minute=0, second=0, microsecond=0)  # 09:00 in Beijing
        self.challenge: Challenge | None = None
        self.applications: list = []
        self.move = move

    def at(self, moment: datetime) -> None:
        self.move(moment)

    def run(self, title: str, bounty: int, stage: str) -> None:
        self.post(title, bounty)
        if stage == "open":
            return
        if stage == "failed":  # nobody applied: the clock closes the window as 流榜
            self.at(self.challenge.closes_at + timedelta(minutes=5))
            deadlines.tick()
            return
        self.apply_and_close()
        self.review()
        if stage == "review":
            return
        self.score_and_propose()
        if stage == "notice":
            return
        self.at(self.challenge.notice_ends_at + timedelta(hours=1))
        awarding.award(self.admin, self.challenge)
        if stage == "awarded":
            return
        self.contract()
        self.deliver(1 if stage == "in_progress" else len(self.challenge.milestones))
        if stage == "completed":
            self.at(self.last + timedelta(days=10))
            number = f"{self.opens.year}1201120{self.challenge.id:05d}"
            delivery.set_registration_number(self.owner, self.challenge, number)
            delivery.final_acceptance(
                self.owner, self.challenge, "专家组现场验收，各项指标均达到榜单要求，同意通过验收。"
            )

    def post(self, title: str, bounty: int) -> None:
        self.at(self.opens - timedelta(days=3))
        challenge = posting.create_from_need(self.owner, self.need)
        closes = self.opens + timedelta(days=20, hours=8)  # 17:00 in Beijing
        first, second = (closes + timedelta(days=60)).date(), (closes + timedelta(days=240)).date()
        posting.update_draft(
            self.owner,
            challenge,
            ChallengeInput(
                title=title,
                problem=self.need.description,
                indicators=self.need.indicators or "达到需求所列技术指标，并通过第三方检测。",
                bounty=bounty,
                opens_at=self.opens,
                closes_at=closes,
                field_id=self.need.field_id,
                criteria=CRITERIA,
                milestones=[
                    MilestoneInput("技术方案与样机验证", 40, first),
                    MilestoneInput("中试与现场应用验收", 60, second),
                ],
                eligibility=list(Eligibility),
                notice_days=7,
                winners_max=1,
            ),
        )
        posting.submit(self.owner, challenge)
        self.at(self.opens - timedelta(days=1))
        posting.publish(self.admin, challenge, cofunding=bounty // 4)
        self.challenge = challenge

    def apply_and_close(self) -> None:
        self.at(self.opens + timedelta(days=8))
        for person, unit, plan in (
            (self.tju, "天津大学", "依托学院重点实验室的已有成果，先完成方案与样机验证，再进入企业现场中试。"),
            (self.nku, "南开大学", "联合企业技术团队分阶段攻关，第一阶段完成关键工艺参数优化。"),
        ):
            application = applications.save_application(
                person,
                self.challenge,
                ApplicationInput(
                    lead_unit=unit,
                    lead_kind=UnitKind.UNIVERSITY,
                    team="项目负责人及骨干成员6人，含高级职称3人",
                    plan=plan,
                    budget=self.challenge.bounty,
                    schedule="12个月，分两个里程碑交付",
                    members=[],
                    commitment_signed=True,
                ),
            )
            applications.submit_application(person, application)
            self.applications.append(application)
        self.at(self.challenge.closes_at + timedelta(minutes=5))
        deadlines.tick()

    def review(self) -> None:
        self.at(self.challenge.closes_at + timedelta(days=2))
        for application in self.applications:
            applications.check_application(self.admin, application, True)
        for expert in self.experts:
            review.assign_expert(self.admin, self.challenge, expert)
        applications.finish_formal_check(self.admin, self.challenge)
        self.at(self.challenge.closes_at + timedelta(days=3))
        for expert in self.experts:
            for application in self.applications:
                review.declare_conflict(expert, application, False)

    def score_and_propose(self) -> None:
        self.at(self.challenge.closes_at + timedelta(days=7))
        criteria = self.challenge.criteria
        marks = {0: (88, 85, 80), 1: (72, 75, 70)}
        for expert in self.experts:
            for number, application in enumerate(self.applications):
                scores = {c.id: mark for c, mark in zip(criteria, marks[number], strict=True)}
                review.score(
                    expert, application, scores, "方案扎实，进度安排合理。" if number == 0 else "思路可行，基础略弱。"
                )
        self.at(self.challenge.closes_at + timedelta(days=9))
        awarding.propose_winners(self.admin, self.challenge)

    def contract(self) -> None:
        signed = clock.now() + timedelta(days=5)
        self.at(signed)
        terms = delivery.ContractInput(
            value=self.challenge.bounty,
            signed_on=signed.date(),
            starts_on=signed.date(),
            ends_on=(signed + timedelta(days=365)).date(),
        )
        delivery.confirm_contract(self.owner, self.challenge, terms)
        delivery.confirm_contract(self.tju, self.challenge)

    def deliver(self, milestones: int) -> None:
        self.last = clock.now()
        for milestone in self.challenge.milestones[:milestones]:
            due = datetime.combine(milestone.due_on, datetime.min.time(), tzinfo=self.opens.tzinfo)
            self.at(due - timedelta(days=3))
            delivery.report_milestone(
                self.tju, milestone, f"{milestone.title}已完成，检测报告附后。", [("阶段报告.pdf", REPORT_PDF)]
            )
            self.at(due - timedelta(days=1))
            delivery.approve_milestone(self.owner, milestone)
            self.last = clock.now()
