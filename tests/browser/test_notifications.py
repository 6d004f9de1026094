"""Following a field and reading the digest: a researcher follows a technical field on the settings
page, an enterprise's need in that field is published, the digest task runs, and the e-mail (read
back from the mail folder) names the need as the public sees it and carries a working one-click
unsubscribe link, opened in the browser without logging in."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests import clock
from tests.browser.test_browser import field, log_in, unique, zh
from tests.conftest import changing, read_mail
from webapp.core import clock as app_clock

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def publish_need(live_app, owner_id: int, admin_id: int, title: str, secret: str) -> int:
    from webapp.accounts.models import Organisation, OrgKind, User
    from webapp.core.identifiers import uscc_check_char
    from webapp.extensions import db
    from webapp.listings import lifecycle
    from webapp.listings.models import ListingStatus
    from webapp.needs.models import Need
    from webapp.taxonomy.models import TechField

    with changing(live_app):
        body = "91120112MA" + unique()[:7].upper()  # hex digits: valid code characters
        org = Organisation(kind=OrgKind.ENTERPRISE, name=secret, uscc=body + uscc_check_char(body))
        db.session.add(org)
        db.session.flush()
        owner = db.session.get(User, owner_id)
        owner.organisation_id = org.id
        ai = db.session.scalar(sa.select(TechField).where(TechField.name == "人工智能"))
        need = Need(
            title=title,
            description="产线需要在线识别压铸件表面缺陷。",
            status=ListingStatus.SUBMITTED,
            owner_id=owner_id,
            organisation_id=org.id,
            field_id=ai.id,
            contact_name=f"{secret}联系人",
        )
        db.session.add(need)
        db.session.flush()
        lifecycle.apply(need, "approve", db.session.get(User, admin_id))
        db.session.commit()
        return need.id


def test_a_researcher_follows_a_field_reads_the_digest_and_unsubscribes(
    open_page, live_app, make_live_user, screenshot
):
    uid = unique()
    researcher = make_live_user("researcher", name=f"关注者{uid}")
    enterprise = make_live_user("enterprise", name=f"企业用户{uid}")
    admin = make_live_user("admin", name=f"管理员{uid}")

    page = open_page()
    log_in(page, researcher.email)
    page.goto("/notifications/")
    page.locator("#notification-settings-link").click()
    expect(page.get_by_role("heading", name=zh("Notification settings"))).to_be_visible()
    field(page, "Technical fields I follow").select_option(label="— 人工智能")
    following = field(page, "New needs and challenges I follow")
    expect(following).to_have_value("daily")
    expect(following.locator("option:checked")).to_have_text(zh("In the app and in a daily digest e-mail"))
    page.get_by_role("button", name=zh("Save")).click()
    expect(page.locator(".alert-success")).to_contain_text(zh("Your notification settings have been saved."))
    screenshot(page, "notifications-settings")

    title = f"压铸件表面缺陷智能检测{uid}"
    secret = f"隐名智能装备有限公司{uid}"
    need_id = publish_need(live_app, enterprise.id, admin.id, title, secret)

    # The next morning the beat's task sends the day's digest.
    tomorrow = app_clock.today() + timedelta(days=1)
    clock.set_time(app_clock.day_start(tomorrow) + timedelta(hours=8))
    live_app.extensions["celery"].tasks["subscriptions.send_digests"].apply()

    folder = Path(live_app.config["MAIL_FOLDER"])
    mails = [read_mail(path) for path in folder.glob("*.eml")]
    [(message, body)] = [(m, b) for m, b in mails if m["To"] == researcher.email]
    assert title in body and f"/needs/{need_id}" in body
    assert secret not in body
    link = message["List-Unsubscribe"].strip("<>")
    assert link in body

    # Opened from the e-mail, in a browser that is not logged in: a button, nothing changed yet.
    reader = open_page()
    reader.goto(urlsplit(link).path)
    button = reader.get_by_role("button", name=zh("Unsubscribe"))
    expect(button).to_be_visible()
    screenshot(reader, "notifications-unsubscribe")
    button.click()
    expect(reader.locator("#unsubscribe-done")).to_be_visible()
    expect(reader.locator('[data-category="subscriptions"]')).to_contain_text(zh("In the app only"))

    log_in(reader, researcher.email)
    reader.goto("/notifications/settings")
    expect(field(reader, "New needs and challenges I follow")).to_have_value("app")
    expect(field(reader, "Technical fields I follow")).to_have_values([str(need_field_id(live_app))])


def need_field_id(live_app) -> int:
    from webapp.extensions import db
    from webapp.taxonomy.models import TechField

    with live_app.app_context():
        return db.session.scalar(sa.select(TechField.id).where(TechField.name == "人工智能"))
