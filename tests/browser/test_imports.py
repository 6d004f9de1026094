"""The upload page in a real browser: a university researcher imports a spreadsheet and the job
page follows the import (static/js/job-progress.js) to its summary, with the skipped line and its reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BACKGROUND_MS
from tests.browser.test_browser import field, log_in, unique, zh
from tests.conftest import changing
from tests.imports.conftest import achievement, write_xlsx
from webapp.accounts.models import Organisation, OrgKind
from webapp.extensions import db

pytestmark = [pytest.mark.live, pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_a_researcher_imports_a_spreadsheet_and_sees_the_summary(page, live_app, make_live_user, tmp_path, screenshot):
    uid = unique()
    with live_app.app_context():
        university = Organisation(kind=OrgKind.UNIVERSITY, name=f"天津测试大学{uid}")
        db.session.add(university)
        db.session.commit()
        university_id = university.id
    researcher = make_live_user("researcher", organisation_id=university_id)
    rows = [achievement(n, external_id=f"browser-{uid}-{n}", title=f"浏览器导入成果{uid}-{n}") for n in range(1, 301)]
    rows[41]["price"] = "-3"  # line 43 of the sheet
    path = write_xlsx(tmp_path / f"成果清单{uid}.xlsx", rows)

    log_in(page, researcher.email)
    page.locator("#nav-my-listings").click()
    page.get_by_role("link", name=zh("Import from a file"), exact=True).click()
    expect(page.locator("#review-note")).to_contain_text(f"天津测试大学{uid}")
    field(page, "File (.xlsx, .csv or .jsonl)").set_input_files(str(path))
    page.get_by_role("button", name=zh("Upload and import")).click()

    expect(page.locator("#import-report")).to_be_visible(timeout=BACKGROUND_MS)
    expect(page.locator("#count-imported")).to_have_text("299")
    expect(page.locator("#count-skipped")).to_have_text("1")
    expect(page.locator("#skipped-rows tbody tr")).to_have_text(["43price: 金额不能为负数。"])
    screenshot(page, "import-summary")


def test_the_job_page_follows_a_running_import_and_shows_the_summary_when_it_ends(page, live_app, make_live_user):
    from webapp.core.db import utcnow
    from webapp.imports.models import ImportJob, JobStatus
    from webapp.imports.report import ImportReport

    admin = make_live_user("admin")
    with live_app.app_context():
        job = ImportJob(
            kind="needs",
            filename="进行中.csv",
            target_status="published",
            created_by_id=admin.id,
            status=JobStatus.RUNNING,
            total=4000,
            processed=1000,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id

    log_in(page, admin.email)
    page.goto(f"/imports/{job_id}")
    expect(page.locator("#import-bar")).to_have_attribute("value", "25")
    expect(page.locator("#import-report")).to_have_count(0)

    with changing(live_app):  # the worker gets on with it...
        running = db.session.get(ImportJob, job_id)
        running.processed = 3000
        db.session.commit()
    expect(page.locator("#import-count")).to_have_text("3000/4000")  # polled, without a reload
    expect(page.locator("#import-bar")).to_have_attribute("value", "75")

    with changing(live_app):  # ...and finishes
        finished = db.session.get(ImportJob, job_id)
        report = ImportReport("needs", "进行中.csv", rows=4000, imported=3998)
        report.skip(17, "description: 请描述需要解决的问题。")
        report.skip(99, "title: 请填写标题。")
        finished.status, finished.processed, finished.finished_at = JobStatus.DONE, 4000, utcnow()
        finished.report = report.to_dict()
        db.session.commit()
    expect(page.locator("#import-report")).to_be_visible()
    expect(page.locator("#count-imported")).to_have_text("3998")
    expect(page.locator("#skipped-rows tbody tr")).to_have_count(2)
    expect(page.locator("#import-progress")).to_have_count(0)
