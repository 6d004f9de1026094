"""揭榜挂帅 in a real browser, from posting to acceptance: an enterprise posts a challenge from its
need, an administrator publishes it with co-funding, two research teams apply (files and the signed
commitment), the deadline passes (the challenge clock moves and the clock task closes the window),
the administrator checks the applications and assigns two experts, the experts declare their
interests and score, the administrator proposes the winner, the public notice passes, the award,
the contract confirmed by both sides, the one milestone reported with evidence and approved, and
the final acceptance. Screenshots of the board and of the timeline go to test-artifacts/.

The live server runs in this process, so the challenge clock the test moves is the one its pages
read. People, organisations and the need are made directly; every step of the challenge is taken
on the pages.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, unique, zh

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _people(live_app, make_live_user, uid: str) -> dict:
    """An enterprise with a published need, two researchers of two universities, two experts, an admin."""
    from tests.challenges.factory import organisation
    from tests.listings.search_factory import make_listing
    from webapp.accounts.models import OrgKind
    from webapp.extensions import db

    with live_app.app_context():
        company = organisation(f"津南精工装备有限公司{uid}", OrgKind.ENTERPRISE)
        tju = organisation(f"天津大学材料学院{uid}", OrgKind.UNIVERSITY)
        nku = organisation(f"南开大学化学学院{uid}", OrgKind.UNIVERSITY)
        db.session.commit()
        orgs = {"company": company.id, "tju_org": tju.id, "nku_org": nku.id, "tju_name": tju.name, "nku_name": nku.name}
    people = {
        "owner": make_live_user("enterprise", name=f"王经理{uid}", organisation_id=orgs["company"]),
        "tju": make_live_user("researcher", name=f"李教授{uid}", organisation_id=orgs["tju_org"]),
        "nku": make_live_user("researcher", name=f"陈教授{uid}", organisation_id=orgs["nku_org"]),
        "expert": make_live_user("expert", name=f"吴专家{uid}"),
        "expert_2": make_live_user("expert", name=f"郑专家{uid}"),
        "admin": make_live_user("admin", name=f"科技局{uid}"),
    }
    with live_app.app_context():
        need = make_listing(
            db.session,
            "n",
            owner_id=people["owner"].id,
            organisation_id=orgs["company"],
            title=f"电驱壳体压铸气孔缺陷攻关{uid}",
            description="新能源汽车电驱壳体压铸气孔缺陷导致良率仅85%，需要工艺攻关。",
            indicators="良率≥95%，气孔率≤0.5%",
            budget_min=1_000_000,
            budget_max=2_000_000,
        )
        db.session.commit()
        people["need"] = need.id
    people.update(orgs)
    return people


def _challenge(live_app, challenge_id: int):
    from webapp.challenges.models import Challenge
    from webapp.extensions import db

    with live_app.app_context():
        challenge = db.session.get(Challenge, challenge_id)
        db.session.expunge(challenge)
        return challenge


def _tick(live_app) -> dict:
    """What the beat does every minute."""
    from webapp.challenges import deadlines
    from webapp.extensions import db

    with live_app.app_context():
        counts = deadlines.tick(commit=db.session.commit)
        db.session.commit()
        return counts


def _expect_status(page, live_app, challenge_id: int, status: str) -> None:
    from webapp.challenges.models import ChallengeStatus

    assert _challenge(live_app, challenge_id).status is ChallengeStatus(status)
    expect(page.locator("body")).to_contain_text(zh(_LABELS[status]))


_LABELS = {
    "submitted": "Awaiting review",
    "published": "Published, open for applications",
    "formal_check": "Formal check",
    "review": "Expert review",
    "notice": "Public notice",
    "awarded": "Awarded",
    "contracted": "Contract signed",
    "in_progress": "In progress",
    "acceptance": "Awaiting acceptance",
    "completed": "Completed",
}


def _apply(page, challenge_id: int, unit: str, plan: str, screenshot=None) -> None:
    page.goto(f"/challenges/{challenge_id}")
    page.locator("#apply-button").click()
    expect(page.locator("#lead_unit")).to_have_value(unit)  # prefilled from the researcher's organisation
    page.locator("#team").fill("负责人及5名骨干，长期从事压铸工艺研究")
    page.locator("#plan").fill(plan)
    page.locator("#budget").fill("180")
    page.locator("#schedule").fill("12个月：工艺验证、小批量试产、量产验收")
    page.locator("#files").set_input_files([{"name": "技术方案.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#commitment_signed").check()
    if screenshot:
        screenshot(page, "challenge-apply")
    page.locator("#submit_application").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(
        zh("Application submitted. You can withdraw it until the deadline.")
    )
    expect(page.locator("#application-status")).to_have_text(zh("Submitted"))
    expect(page.locator("#attachments")).to_contain_text("技术方案.pdf")


def _score(page, values: tuple[int, ...], comment: str) -> None:
    inputs = page.locator("#score-form input[type=number]")
    expect(inputs).to_have_count(len(values))
    for number, value in enumerate(values):
        inputs.nth(number).fill(str(value))
    page.locator("#s-comment").fill(comment)
    page.locator("#s-score").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(zh("Your scores are submitted."))


def test_a_challenge_from_posting_to_acceptance(open_page, live_app, make_live_user, screenshot, challenge_clock):
    uid = unique()
    who = _people(live_app, make_live_user, uid)
    latecomer = make_live_user("researcher", name=f"迟到者{uid}")
    now = challenge_clock.local_now()
    closes, due = now.date() + timedelta(days=10), now.date() + timedelta(days=90)

    # 企业出题: the enterprise turns its need into a challenge and submits it.
    enterprise = open_page()
    log_in(enterprise, who["owner"].email)
    enterprise.goto(f"/needs/{who['need']}")
    enterprise.locator("#post-challenge").click()
    expect(enterprise.locator("#title")).to_have_value(f"电驱壳体压铸气孔缺陷攻关{uid}")
    enterprise.locator("#bounty").fill("200")
    enterprise.locator("#opens_on").fill(now.date().isoformat())
    enterprise.locator("#opens_time").fill("09:00")  # an hour before the clock: the window is open
    enterprise.locator("#closes_on").fill(closes.isoformat())
    enterprise.locator("#closes_time").fill("17:00")
    enterprise.locator("input[name=milestone_title]").first.fill("工艺方案验证及小批量试产")
    enterprise.locator("input[name=milestone_share]").first.fill("100")
    enterprise.locator("input[name=milestone_due]").first.fill(due.isoformat())
    enterprise.locator("#save_submit").click()
    expect(enterprise.locator(".alert-success[role=alert]")).to_be_visible()
    challenge_id = int(enterprise.url.rstrip("/").rsplit("/", 1)[-1].split("#")[0])
    _expect_status(enterprise, live_app, challenge_id, "submitted")

    # 政府助题 and 发榜: the administrator adds co-funding and publishes.
    admin = open_page()
    log_in(admin, who["admin"].email)
    admin.goto(f"/challenges/{challenge_id}")
    admin.locator("#cofunding").fill("50")
    admin.locator("#act-publish").click()
    expect(admin.locator(".alert-success[role=alert]")).to_be_visible()
    _expect_status(admin, live_app, challenge_id, "published")
    board = open_page()
    board.goto("/challenges/")
    card = board.locator("#challenge-board").get_by_text(f"电驱壳体压铸气孔缺陷攻关{uid}")
    expect(card).to_be_visible()
    screenshot(board, "challenge-board")

    # 揭榜: two teams apply.
    tju = open_page()
    log_in(tju, who["tju"].email)
    _apply(tju, challenge_id, who["tju_name"], "真空压铸+模温精确控制的技术路线", screenshot)
    nku = open_page()
    log_in(nku, who["nku"].email)
    _apply(nku, challenge_id, who["nku_name"], "半固态压铸与除气精炼结合")
    nku.locator("#nav-my-applications").click()
    expect(nku.locator("#my-applications")).to_contain_text(f"电驱壳体压铸气孔缺陷攻关{uid}")

    # The deadline passes: the clock task closes the window, on to the formal check.
    challenge_clock.set_time(_challenge(live_app, challenge_id).closes_at + timedelta(minutes=1))
    assert _tick(live_app)["closed"] >= 1
    late = open_page()
    log_in(late, latecomer.email)
    late.goto(f"/challenges/{challenge_id}/apply")
    expect(late.locator("#apply-closed")).to_be_visible()

    # 形式审查 and the expert panel, days later: the administrator's login has expired.
    log_in(admin, who["admin"].email)
    admin.goto(f"/challenges/{challenge_id}/check")
    for unit in (who["tju_name"], who["nku_name"]):
        row = admin.locator("#check-table tr[data-application]", has_text=unit)
        row.locator("input[value=eligible]").check()
        row.get_by_role("button", name=zh("Save")).click()
        expect(admin.locator("#check-table tr[data-application]", has_text=unit)).to_have_attribute(
            "data-status", "eligible"
        )
    admin.goto(f"/challenges/{challenge_id}/experts")
    for expert in (who["expert"], who["expert_2"]):
        admin.locator("#expert_id").select_option(str(expert.id))
        admin.locator("#assign-expert button[type=submit]").click()
        expect(admin.locator(f"#panel tr[data-expert='{expert.id}']")).to_be_visible()
    admin.goto(f"/challenges/{challenge_id}/check")
    admin.locator("#finish-check button").click()
    _expect_status(admin, live_app, challenge_id, "review")

    # 专家评审: each expert declares before seeing anything, then scores.
    scores = {"expert": ((90, 85, 80, 80), (70, 70, 60, 60)), "expert_2": ((85, 90, 80, 75), (65, 70, 70, 60))}
    for key in ("expert", "expert_2"):
        page = open_page()
        log_in(page, who[key].email)
        for unit, values in zip((who["tju_name"], who["nku_name"]), scores[key], strict=True):
            page.locator("#nav-review-tasks").click()
            page.locator("li[data-application]", has_text=unit).get_by_role("link").click()
            expect(page.locator("#declaration-form")).to_be_visible()
            expect(page.locator("body")).not_to_contain_text("真空压铸")  # nothing before the declaration
            page.locator("#d-has_conflict-0").check()
            page.locator("#d-declare").click()
            expect(page.locator("#plan")).to_be_visible()
            if key == "expert" and unit == who["tju_name"]:
                screenshot(page, "challenge-expert-scores")
            _score(page, values, f"{unit}方案评审意见")

    # The ranking, the proposal, 公示, the award.
    admin.goto(f"/challenges/{challenge_id}/ranking")
    expect(admin.locator("#ranking tr.rank-row").first).to_contain_text(who["tju_name"])
    admin.locator("#propose-button").click()
    _expect_status(admin, live_app, challenge_id, "notice")
    challenge_clock.set_time(_challenge(live_app, challenge_id).notice_ends_at + timedelta(minutes=1))
    for page, key in ((admin, "admin"), (enterprise, "owner"), (tju, "tju")):
        log_in(page, who[key].email)  # a week later: the logins have expired
    admin.goto(f"/challenges/{challenge_id}")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.locator("#award-button").click()
    _expect_status(admin, live_app, challenge_id, "awarded")

    # The contract: the enterprise enters and confirms, the winner confirms.
    signed = challenge_clock.today()
    enterprise.goto(f"/challenges/{challenge_id}")
    enterprise.locator("#contract-link").click()
    enterprise.locator("#c-value").fill("200")
    enterprise.locator("#c-signed_on").fill(signed.isoformat())
    enterprise.locator("#c-starts_on").fill(signed.isoformat())
    enterprise.locator("#c-ends_on").fill((signed + timedelta(days=365)).isoformat())
    enterprise.locator("#c-confirm").click()
    expect(enterprise.locator(".alert-success[role=alert]")).to_contain_text(zh("Contract terms confirmed."))
    tju.goto(f"/challenges/{challenge_id}/contract")
    tju.locator("#w-confirm_terms").click()
    expect(tju.locator(".alert-success[role=alert]")).to_contain_text(
        zh("Both parties have confirmed: the contract is signed.")
    )
    _expect_status(tju, live_app, challenge_id, "contracted")
    screenshot(tju, "challenge-contract")

    # The milestone: reported with evidence, approved with the payment due.
    tju.goto(f"/challenges/{challenge_id}/milestones")
    tju.locator("#m-report").fill("完成真空压铸工艺验证，小批量试产良率96%，气孔率0.4%")
    tju.locator("#m-files").set_input_files(
        [{"name": "第三方检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    tju.locator("#m-send_report").click()
    expect(tju.locator(".alert-success[role=alert]")).to_contain_text(
        zh("Milestone reported: the enterprise has been told.")
    )
    enterprise.goto(f"/challenges/{challenge_id}/milestones")
    expect(enterprise.locator("#milestone-table")).to_contain_text("第三方检测报告.pdf")
    screenshot(enterprise, "challenge-milestones")
    enterprise.locator("#d-decision-0").check()
    enterprise.locator("#d-decide").click()
    expect(enterprise.locator(".alert-success[role=alert]")).to_be_visible()
    expect(enterprise.locator("#payments-due")).to_contain_text("200")
    _expect_status(enterprise, live_app, challenge_id, "acceptance")

    # 验收: the enterprise records the expert opinion; the challenge is completed.
    enterprise.locator("#a-opinion").fill("验收专家组一致认为各项指标均已达到，同意通过验收。")
    enterprise.locator("#a-accept").click()
    expect(enterprise.locator(".alert-success[role=alert]")).to_contain_text(
        zh("Final acceptance passed: the challenge is completed.")
    )
    _expect_status(enterprise, live_app, challenge_id, "completed")
    timeline = enterprise.locator("#timeline")
    for action in (
        "challenge.publish",
        "challenge.close",
        "challenge.start_review",
        "challenge.propose",
        "challenge.award",
        "challenge.contract",
        "challenge.complete",
    ):
        expect(timeline.locator(f"[data-action='{action}']").first).to_be_visible()
    screenshot(enterprise, "challenge-timeline")


def test_an_application_refused_file_draft_and_withdrawal_and_an_expert_who_steps_aside(
    open_page, live_app, screenshot, challenge_clock
):
    """The side paths: a program passed off as a PDF is refused next to the field with nothing typed
    lost; the draft is saved, submitted and withdrawn before the deadline; after the deadline nothing
    can be submitted; an expert of the applying university is excluded automatically, and an expert
    who declares a conflict never sees the application."""
    from tests.challenges import factory
    from webapp.challenges import review
    from webapp.extensions import db

    with live_app.app_context():
        people = factory.make_people()
        in_review, apps = factory.in_review(people)
        review.assign_expert(people.admin, in_review, people.expert_tju)
        challenge = factory.published(people)
        db.session.commit()
        ids = {
            "review": in_review.id,
            "tju_app": apps[0].id,
            "nku_app": apps[1].id,
            "open": challenge.id,
            "closes_at": challenge.closes_at,
        }
        emails = {key: getattr(people, key).email for key in ("tju", "nku", "expert_tju")}

    page = open_page()
    log_in(page, emails["tju"])
    page.goto(f"/challenges/{ids['open']}/apply")
    page.locator("#plan").fill("真空压铸+模温精确控制的技术路线")
    page.locator("#budget").fill("150")
    page.locator("#add-member").click()  # a third consortium row, added in the page
    page.locator("#members-2-name").fill("天津市津南区先进制造研究院")
    page.locator("#members-2-kind").select_option("institute")
    page.locator("#files").set_input_files(
        [{"name": "方案.pdf", "mimeType": "application/pdf", "buffer": b"MZ\x90\x00\x03" + b"\x00" * 200}]
    )
    page.locator("#save").click()
    expect(page.locator("[data-field=files] .invalid-feedback").first).to_contain_text("方案.pdf")
    expect(page.locator("#plan")).to_have_value("真空压铸+模温精确控制的技术路线")
    page.locator("#files").set_input_files([{"name": "方案.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    page.locator("#save").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(
        zh("Draft saved. You can come back and change it until the deadline.")
    )
    expect(page.locator("#attachments")).to_contain_text("方案.pdf")
    expect(page.locator("#plan")).to_have_value("真空压铸+模温精确控制的技术路线")
    expect(page.locator("#members-0-name")).to_have_value("天津市津南区先进制造研究院")

    # Submitting without the team, the schedule or the commitment is refused; the draft stays.
    page.locator("#submit_application").click()
    expect(page.locator(".alert-warning[role=alert]")).to_contain_text(
        zh("Your draft is saved, but it was not submitted.")
    )
    page.locator("#team").fill("负责人及5名骨干")
    page.locator("#schedule").fill("12个月")
    page.locator("#commitment_signed").check()
    page.locator("#submit_application").click()
    expect(page.locator("#application-status")).to_have_text(zh("Submitted"))
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#withdraw").click()
    expect(page.locator("#application-status")).to_have_text(zh("Withdrawn"))
    screenshot(page, "challenge-application-withdrawn")

    challenge_clock.set_time(ids["closes_at"] + timedelta(minutes=1))
    late = open_page()
    log_in(late, emails["nku"])
    late.goto(f"/challenges/{ids['open']}/apply")
    expect(late.locator("#apply-closed")).to_be_visible()
    expect(late.locator("#application-form")).to_have_count(0)

    expert = open_page()
    log_in(expert, emails["expert_tju"])
    expert.locator("#nav-review-tasks").click()
    panel = expert.locator(f"section[data-challenge='{ids['review']}']")
    expect(panel.locator(f"li[data-application='{ids['tju_app']}']")).to_contain_text(
        zh("Excluded (conflict of interest)")
    )
    panel.locator(f"li[data-application='{ids['nku_app']}']").get_by_role("link").click()
    expect(expert.locator("#plan")).to_have_count(0)
    expert.locator("#d-has_conflict-1").check()
    expert.locator("#d-declare").click()
    expect(expert.locator("#d-note").locator("xpath=..")).to_contain_text(
        zh("Say briefly what the conflict of interest is.")
    )
    expert.locator("#d-has_conflict-1").check()
    expert.locator("#d-note").fill("曾与该团队合作发表论文")
    expert.locator("#d-declare").click()
    expect(expert.locator("#conflict-declared")).to_contain_text("曾与该团队合作发表论文")
    expect(expert.locator("#plan")).to_have_count(0)
    refused = expert.request.get(f"/applications/{ids['nku_app']}", max_redirects=0)
    assert refused.status == 403 and "真空压铸" not in refused.text()
