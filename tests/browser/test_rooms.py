"""A negotiation room in a real browser: the enterprise and the researcher of an agreed
introduction write to each other (a reply in a thread, a file attached), the enterprise accepts the
保密承诺 and reads the achievement's confidential part, and the broker opens a deal from the room;
the deal's page names both parties and shows the room's history (screenshot `room`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, zh

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _room(live_app) -> dict:
    """An introduction both owners agreed to, made through the services on the live database."""
    from tests.rooms.factory import make_room
    from webapp.extensions import db

    with live_app.app_context():
        room = make_room(db.session)
        db.session.commit()
        return {
            "intro": room.intro.id,
            "uid": room.uid,
            "secret": room.secret,
            "company": room.company,
            "university": room.university,
            "achievement": room.achievement.title,
            **{role: getattr(room, role).email for role in ("enterprise", "researcher", "broker")},
        }


def test_the_parties_negotiate_in_the_room_and_the_broker_opens_the_deal(open_page, live_app, screenshot):
    who = _room(live_app)
    room = f"/rooms/{who['intro']}"

    enterprise = open_page()
    log_in(enterprise, who["enterprise"])
    enterprise.goto("/rooms/")
    enterprise.locator(f'#room-list a[href="{room}"]').click()
    expect(enterprise.locator("#room-title")).to_contain_text(who["achievement"])
    expect(enterprise.locator("#confidential")).not_to_contain_text(who["secret"])
    enterprise.locator("#body").fill("请问液冷板的样机周期多久？")
    enterprise.locator("#send").click()
    expect(enterprise.locator("#room-messages")).to_contain_text("请问液冷板的样机周期多久？")

    researcher = open_page()
    log_in(researcher, who["researcher"])
    researcher.goto(room)
    researcher.locator("#room-messages .reply-link").first.click()
    expect(researcher.locator("#replying-to")).to_be_visible()
    researcher.locator("#body").fill("约三个月，计划见附件。")
    researcher.locator("#file").set_input_files(
        [{"name": "样机计划.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    researcher.locator("#send").click()
    reply = researcher.locator("#room-messages li[data-depth='1']")
    expect(reply).to_contain_text("约三个月，计划见附件。")
    expect(reply).to_contain_text("样机计划.pdf")

    enterprise.reload()
    expect(enterprise.locator("#room-messages li[data-depth='1']")).to_contain_text("样机计划.pdf")
    expect(enterprise.locator("#terms-text")).to_contain_text("保密承诺")
    enterprise.get_by_role("button", name=zh("I accept these terms")).click()
    expect(enterprise.locator("#room-confidential-text")).to_have_text(who["secret"])
    expect(enterprise.locator("#terms-acceptances [data-version='0']")).to_be_visible()
    enterprise.locator("#text").fill("签署技术许可合同")
    enterprise.locator("#due_on").fill("2099-01-05")
    enterprise.locator("#save").click()
    expect(enterprise.locator("#next-step-text")).to_have_text("签署技术许可合同")
    screenshot(enterprise, "room")

    broker = open_page()
    log_in(broker, who["broker"])
    broker.goto(room)
    broker.locator("#room-open-deal").click()
    broker.locator("#contract_type").select_option("licence")
    broker.locator("#value").fill("80")
    broker.locator("#save").click()
    expect(broker.locator("#need-party")).to_contain_text(who["company"])
    expect(broker.locator("#provider-party")).to_contain_text(who["university"])
    expect(broker.locator("#deal-room-messages")).to_have_text("2")
    expect(broker.locator("#deal-room-files")).to_have_text("1")
    expect(broker.locator("#deal-room-next-step")).to_contain_text("签署技术许可合同")
    broker.locator("#deal-room-link").click()
    expect(broker.locator("#room-closed")).to_be_visible()
    expect(broker.locator("#room-deal-link")).to_be_visible()
