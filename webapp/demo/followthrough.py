"""What follows a match, written for the demo so that a fresh `make run` shows it: the demo broker's
introductions between demo listings the matching suggested, each at a different point of consent
(waiting for the enterprise, waiting for the researcher, declined with a reason, agreed), the rooms
of the agreed ones with a short conversation in Chinese, a file, the next step, the 保密承诺 the
enterprise accepted to read an achievement's confidential part, a room gone quiet and a deal opened
from a room; what the demo researcher follows and how the demo enterprise wants to hear of things;
and the completed challenge's performance report, filed and rated.

Everything goes through the services people use, on the application's clock replaying when each
step would have happened over the past few weeks. Each part is loaded once: introductions when the
demo broker has made none, subscriptions and preferences when the person has none saved, the report
while it is an untouched draft.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from webapp.accounts.models import User
from webapp.achievements.models import Achievement
from webapp.challenges.demo import REPORT_PDF
from webapp.challenges.models import Challenge, ChallengeStatus
from webapp.core import clock
from webapp.core.money import parse_wan
from webapp.deals import opening
from webapp.deals.models import ContractType
from webapp.extensions import db
from webapp.listings.demo import ACHIEVEMENTS, NEEDS
from webapp.matching.models import ConsentAnswer, Introduction, RejectReason, Suggestion, SuggestionStatus
from webapp.matching.services import accept as introduce
from webapp.matching.services import answer_introduction
from webapp.needs.models import Need
from webapp.notifications.models import Delivery
from webapp.notifications.preferences import saved, set_deliveries
from webapp.performance import services as reports
from webapp.performance.models import PerformanceReport, Rating, ReportStatus
from webapp.rooms import services as rooms
from webapp.rooms.terms import accept_terms, current_terms, set_terms
from webapp.subscriptions import services as subscriptions
from webapp.taxonomy.services import FieldResolver

DOMAIN = "@demo.jiebang.cn"


@dataclass
class Step:
    """One thing someone does, `ago` days before now."""

    ago: float
    who: str  # "need", "achievement" or "broker"
    text: str = ""
    reply_to: int | None = None  # index of an earlier message of the same story
    file: str | None = None
    next_step: int | None = None  # the step's day, this many days from today


@dataclass
class Story:
    need: str  # keys of webapp/listings/demo.py
    achievement: str
    introduced_ago: float
    note: str
    answers: list[tuple[str, float, str]] = field(default_factory=list)  # (side, days ago, message)
    decline: RejectReason | None = None  # the need's side declines instead of agreeing
    steps: list[Step] = field(default_factory=list)
    terms_ago: float | None = None  # the researcher writes the 保密承诺, the enterprise accepts them
    deal_ago: float | None = None  # the broker opens a deal from the room
    deal: tuple[str, str] | None = None  # the deal's (title, value 万元)


STORIES = [
    Story(  # agreed: a room with a conversation, a file, the next step and the 保密承诺 accepted
        "demo-n-01",
        "demo-a-01",
        34,
        "真空压铸工艺与电驱壳体气孔问题高度对口，建议尽快对接。",
        answers=[("need", 33, "我们很感兴趣，希望了解中试数据。"), ("achievement", 32.2, "愿意对接。")],
        terms_ago=31,
        steps=[
            Step(30.9, "need", "李教授您好，我们电驱壳体的气孔率目前在2%左右，想了解贵团队真空压铸方案的中试情况。"),
            Step(
                30.2,
                "achievement",
                "您好！中试在800吨压铸机上完成，气孔率稳定在0.5%以下，试验报告附后，供贵司参考。",
                reply_to=0,
                file="真空压铸中试报告.pdf",
            ),
            Step(29.1, "need", "报告收到，数据很有说服力。我们想先用一套模具做试模验证，费用如何考虑？", reply_to=1),
            Step(6.3, "broker", "双方如无异议，建议先签技术服务合同做试模验证，再谈后续许可。"),
            Step(5.2, "achievement", "同意，我们可以带两名学生到现场配合调试。", reply_to=3),
            Step(2.1, "need", "到企业现场进行压铸试模，确认工艺窗口", next_step=6),
        ],
    ),
    Story(  # agreed, talked it through, and the broker opened a deal from the room
        "demo-n-05",
        "demo-a-05",
        26,
        "搅拌摩擦焊可从根本上降低结构件焊接变形，企业需求明确。",
        answers=[("need", 25.1, "可以，请安排对接。"), ("achievement", 24.3, "")],
        steps=[
            Step(23.9, "need", "我们的7系铝合金结构件焊后变形超过1.5mm，能否用搅拌摩擦焊替代现有MIG焊？"),
            Step(
                23.1,
                "achievement",
                "可以。我们做过同类结构件，变形可控制在0.5mm以内，工艺窗口说明见附件。",
                reply_to=0,
                file="搅拌摩擦焊工艺窗口说明.pdf",
            ),
            Step(21.2, "need", "很好。我们希望以合作开发的方式定制专用搅拌头和夹具。", reply_to=1),
            Step(20.1, "achievement", "合同初稿与技术指标", next_step=20),
        ],
        deal_ago=12,
        deal=("7系铝合金结构件搅拌摩擦焊工艺技术开发", "65"),
    ),
    Story(  # agreed, then nobody wrote for weeks: the broker's queue shows it
        "demo-n-09",
        "demo-a-09",
        47,
        "中药组分缓释技术与企业片剂开发需求匹配，请双方确认是否对接。",
        answers=[("achievement", 46.2, "愿意。"), ("need", 44.1, "同意对接。")],
        steps=[
            Step(43.8, "need", "王研究员好，我们想了解缓释片的释放曲线能否做到12小时平稳释放。"),
            Step(42.9, "achievement", "可以做到，需要先看贵司复方的组分，我们再评估辅料方案。", reply_to=0),
        ],
    ),
    Story(  # the enterprise agreed; the researcher has yet to answer
        "demo-n-03",
        "demo-a-04",
        4,
        "液冷与相变材料复合热管理可直接解决快充温升问题。",
        answers=[("need", 3.2, "非常需要，期待进一步交流。")],
    ),
    Story(  # the researcher agreed; the enterprise has yet to answer
        "demo-n-12",
        "demo-a-18",
        3,
        "视觉引导无序抓取与料框上下料场景一致，已有产线验证。",
        answers=[("achievement", 1.9, "可以先到现场看一下料框和零件。")],
    ),
    Story(  # the enterprise declined with its reason
        "demo-n-08",
        "demo-a-06",
        20,
        "高级氧化与膜浓缩零排放工艺可用于高盐废水分盐回用。",
        answers=[("need", 18.3, "我们已与一家环保公司签约实施，暂不需要。")],
        decline=RejectReason.EXISTING,
    ),
]

TERMS = (
    "保密承诺\n\n"
    "1. 企业仅为评估与本成果的合作而使用保密部分所载的工艺参数、试验数据与图纸。\n"
    "2. 未经成果完成单位书面同意，不向任何第三方披露，不据此申请专利或自行实施。\n"
    "3. 保密期限自接受之日起三年，无论双方是否签订合同。"
)

# (field name, keyword) the demo researcher follows; the demo enterprise's choice of deliveries
FOLLOWS = ("新能源与节能", "热管理")
ENTERPRISE_DELIVERIES = {"matches": Delivery.INSTANT, "challenges": Delivery.DAILY}


def load(now: datetime | None = None, say: Callable[[str], None] = lambda _text: None) -> int:
    """Load what is missing; return how many introductions were made."""
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like(f"%{DOMAIN}")))}
    broker, admin = users.get(f"broker{DOMAIN}"), users.get(f"admin{DOMAIN}")
    if broker is None or admin is None:
        return 0
    now = now or clock.now()
    made = 0
    with clock.replay() as move:

        def at(days_ago: float) -> None:
            move(now - timedelta(days=days_ago))

        if db.session.scalar(sa.select(Introduction.id).where(Introduction.broker_id == broker.id).limit(1)) is None:
            for story in STORIES:
                made += _tell(story, broker, at, now)
            if made:
                say(f"  {made} introductions by the demo broker")
        _follow(users.get(f"researcher{DOMAIN}"), at)
        _prefer(users.get(f"enterprise{DOMAIN}"), at)
        _report(admin, at)
    return made


def _listing(model, keys: list, key: str):
    title = next((row[1] for row in keys if row[0] == key), None)
    owners = sa.select(User.id).where(User.email.like(f"%{DOMAIN}"))
    return db.session.scalar(sa.select(model).where(model.title == title, model.owner_id.in_(owners)).limit(1))


def _tell(story: Story, broker: User, at: Callable[[float], None], now: datetime) -> int:
    need, achievement = _listing(Need, NEEDS, story.need), _listing(Achievement, ACHIEVEMENTS, story.achievement)
    if need is None or achievement is None:
        return 0
    suggestion = db.session.scalar(
        sa.select(Suggestion).where(Suggestion.need_id == need.id, Suggestion.achievement_id == achievement.id)
    )
    if suggestion is None or suggestion.status is not SuggestionStatus.NEW:
        return 0  # only pairs the matching suggested and nobody decided
    people = {"need": need.owner, "achievement": achievement.owner, "broker": broker}
    at(story.introduced_ago)
    intro = introduce(suggestion, broker, story.note)
    for side, ago, message in story.answers:
        at(ago)
        if story.decline is not None:
            answer_introduction(intro, people[side], ConsentAnswer.DECLINED, reason=story.decline, message=message)
        else:
            answer_introduction(intro, people[side], ConsentAnswer.ACCEPTED, message=message or None)
    if story.terms_ago is not None and achievement.confidential:
        if current_terms(achievement).is_default:
            at(story.terms_ago + 0.3)
            set_terms(achievement.owner, achievement, TERMS)
        at(story.terms_ago)
        accept_terms(need.owner, intro, current_terms(achievement).version)
    messages = []
    for step in story.steps:
        at(step.ago)
        author = people[step.who]
        if step.next_step is not None:
            due = clock.local(now).date() + timedelta(days=step.next_step)
            rooms.set_next_step(author, intro, step.text, due)
            continue
        parent = messages[step.reply_to].id if step.reply_to is not None else None
        upload = (step.file, REPORT_PDF) if step.file else None
        messages.append(rooms.post_message(author, intro, step.text, parent_id=parent, upload=upload))
    if story.deal_ago is not None and story.deal is not None:
        at(story.deal_ago)
        title, value = story.deal
        opening.create_from_introduction(
            broker, intro, contract_type=ContractType.DEVELOPMENT, contract_value=parse_wan(value), title=title
        )
    return 1


def _follow(researcher: User | None, at: Callable[[float], None]) -> None:
    """The demo researcher follows a field and a keyword (unless they follow something already)."""
    if researcher is None or subscriptions.of(researcher):
        return
    found = FieldResolver().resolve(FOLLOWS[0])
    at(40)
    subscriptions.set_subscriptions(
        researcher, researcher, field_ids=[found.id] if found else [], keywords=[FOLLOWS[1]]
    )


def _prefer(enterprise: User | None, at: Callable[[float], None]) -> None:
    """The demo enterprise hears of matches at once and of challenges in the daily digest."""
    if enterprise is None or saved(enterprise):
        return
    at(40)
    set_deliveries(enterprise, enterprise, ENTERPRISE_DELIVERIES)


def _report(admin: User, at: Callable[[float], None]) -> None:
    """The completed challenge's enterprise files its report with evidence; the district rates it."""
    report = db.session.scalar(
        sa.select(PerformanceReport)
        .join(Challenge, Challenge.id == PerformanceReport.challenge_id)
        .where(Challenge.status == ChallengeStatus.COMPLETED, PerformanceReport.status == ReportStatus.DRAFT)
        .order_by(PerformanceReport.id)
        .limit(1)
    )
    if report is None or report.files or report.enterprise is None:
        return
    enterprise = report.enterprise
    at(16)
    reports.add_evidence(enterprise, report, "第三方检测报告.pdf", REPORT_PDF)
    data = reports.ReportInput(
        new_products=1,
        sales=3_600_000,
        cost_saved=420_000,
        patents_filed=2,
        patents_granted=1,
        jobs=3,
        follow_on_contracts=1,
        follow_on_value=500_000,
        outcomes=["已达到，第三方检测报告见附件。" for _indicator in reports.indicators(report)],
        commitment="按承诺书完成全部里程碑，经费专款专用，项目成果已在企业喷涂车间投入运行。",
        summary="治理装置运行半年，VOCs排放稳定达标，活性炭更换费用每年节省约42万元，并带动一项后续改造合同。",
    )
    at(15)
    reports.submit(enterprise, report, data)
    at(9)
    reports.accept(admin, report, Rating.GOOD, "数据完整、佐证充分，成果已实际应用，评为良好。")
