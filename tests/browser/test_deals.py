"""A deal in a real browser: a broker opens a deal from the deal list, signs it, registers it,
records a payment with a PDF bank slip, and the deal's page shows the progress (screenshot
`deal-detail`); a party of the contract opens the same page and downloads the slip."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import log_in, unique, zh

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _people(live_app, make_live_user, uid: str) -> dict:
    from tests.challenges.factory import organisation
    from webapp.accounts.models import OrgKind
    from webapp.extensions import db

    with live_app.app_context():
        agency = organisation(f"滨海技术转移中心{uid}", OrgKind.AGENCY)
        company = organisation(f"津南储能科技有限公司{uid}", OrgKind.ENTERPRISE)
        university = organisation(f"天津大学{uid}", OrgKind.UNIVERSITY)
        db.session.commit()
        orgs = {
            "agency": agency.id,
            "company": company.name,
            "university": university.name,
            "university_id": university.id,
        }
    return orgs | {
        "broker": make_live_user("broker", name=f"张经纪{uid}", organisation_id=orgs["agency"]),
        "researcher": make_live_user("researcher", name=f"李教授{uid}", organisation_id=orgs["university_id"]),
    }


def test_a_broker_keeps_a_deal_from_opening_to_payment(open_page, live_app, make_live_user, screenshot):
    uid = unique()
    who = _people(live_app, make_live_user, uid)
    page = open_page()
    log_in(page, who["broker"].email)

    page.locator("#nav-deals").click()
    page.locator("#new-deal").click()
    page.locator("#title").fill(f"储能电池液冷技术开发{uid}")
    page.locator("#need_org").select_option(label=who["company"])
    page.locator("#provider_org").select_option(label=who["university"])
    page.locator("#provider_contact").fill(who["researcher"].email)  # the researcher will follow it
    page.locator("#contract_type").select_option("development")
    page.locator("#value").fill("12.5")
    page.locator("#save").click()
    expect(page.locator("#deal-title")).to_have_text(f"储能电池液冷技术开发{uid}")
    expect(page.locator("#contract-value")).to_have_text(zh("%(amount)s 10k CNY").replace("%(amount)s", "12.5"))
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "negotiating")

    page.locator("#signed_on").fill("2025-03-01")
    page.locator("#sign").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(zh("Signing recorded."))
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "signed")

    page.locator("#registration_no").fill(f"2025120{uid[:6]}")
    page.locator("#registered_on").fill("2025-03-10")
    page.locator("#register").click()
    expect(page.locator("#registration")).to_contain_text(f"2025120{uid[:6]}")
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "registered")

    page.locator("#received_on").fill("2025-04-02")
    page.locator("#amount").fill("5")
    page.locator("#evidence").fill("工行回单 20250402")
    page.locator("#evidence_file").set_input_files(
        [{"name": "银行回单.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.locator("#record").click()
    expect(page.locator(".alert-success[role=alert]")).to_contain_text(zh("Payment recorded."))
    expect(page.locator("#deal-state [data-state]")).to_have_attribute("data-state", "paying")
    expect(page.locator("#received-progress [data-percent]")).to_have_attribute("data-percent", "40")
    expect(page.locator("#payments-table")).to_contain_text("银行回单.pdf")
    expect(page.locator("#deal-steps [data-step=registered]")).to_have_attribute("data-done", "yes")
    screenshot(page, "deal-detail")

    deal_url = page.url.split("#")[0]
    page.locator("#nav-deals").click()
    expect(page.locator(f"#deals tr[data-deal] >> text=储能电池液冷技术开发{uid}")).to_be_visible()
    screenshot(page, "deal-list")

    # The university's researcher is the provider side's contact: the page without the forms, and
    # the slip to download.
    party = open_page()
    log_in(party, who["researcher"].email)
    party.locator("#nav-my-listings").click()
    party.locator("#nav-my-deals").click()
    party.get_by_role("link", name=f"储能电池液冷技术开发{uid}").click()
    assert party.url == deal_url
    expect(party.locator("#payment-form")).to_have_count(0)
    with party.expect_download() as download:
        party.locator("#payments-table a", has_text="银行回单.pdf").click()
    assert download.value.suggested_filename == "银行回单.pdf"
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF
