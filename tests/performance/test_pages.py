"""The report's pages: the enterprise fills in and submits its report with evidence (a refused input
comes back as typed), the district reviews it; nobody else opens it. Worlds are built through the
services and committed into the test's transaction."""

from __future__ import annotations

import dataclasses
import io

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from tests.challenges import factory as challenges
from tests.challenges.test_files import EXE_BYTES
from tests.performance import factory
from webapp.accounts.models import User
from webapp.extensions import db
from webapp.performance.models import PerformanceReport, Rating, ReportStatus


@pytest.fixture
def world(app, challenge_clock):
    """People and a completed challenge whose report is due, committed."""
    with app.app_context(), force_locale("en"):
        people = challenges.make_people()
        challenge = factory.completed(people)
        report_id = factory.report_of(challenge=challenge).id
        db.session.commit()
        ids = {f.name: getattr(people, f.name).id for f in dataclasses.fields(challenges.People)}
    return ids, report_id


def as_user(app, make_client, user_id, lang="en"):
    with app.app_context():
        email = db.session.get(User, user_id).email
    client = make_client()
    assert client.login(email).status_code == 302
    client.get(f"/lang/{lang}")
    return client


def report(query, report_id) -> PerformanceReport:
    return query(lambda s: s.get(PerformanceReport, report_id))


def form(**overrides) -> dict:
    data = {
        "r-new_products": "2",
        "r-sales": "1,250",
        "r-cost_saved": "85.5",
        "r-patents_filed": "3",
        "r-patents_granted": "1",
        "r-jobs": "12",
        "r-follow_on_contracts": "1",
        "r-follow_on_value": "60",
        "r-outcomes-0": "良率达到96.2%",
        "r-commitment": "按承诺书完成全部指标。",
        "r-summary": "新产品年销售1250万元。",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_the_enterprise_files_its_report_and_bad_input_comes_back_as_typed(app, world, make_client, query):
    ids, report_id = world
    client = as_user(app, make_client, ids["owner"])
    page = client.get(f"/performance/{report_id}")
    assert page.status_code == 200 and "良率≥95%" in page.get_data(as_text=True)
    assert "My performance reports" in client.get("/performance/").get_data(as_text=True)

    refused = client.post(
        f"/performance/{report_id}/file",
        {**form(**{"r-sales": "一千万", "r-jobs": "-3"}), "r-send": "Submit for review"},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'value="一千万"' in body and "良率达到96.2%" in body and "按承诺书完成全部指标。" in body
    assert "is not an amount in 万元" in body and "cannot be negative" in body
    assert report(query, report_id).status is ReportStatus.DRAFT

    no_evidence = client.post(f"/performance/{report_id}/file", {**form(), "r-send": "Submit for review"})
    assert no_evidence.status_code == 200 and "Attach at least one evidence file" in no_evidence.get_data(as_text=True)

    wrong_file = client.post(
        f"/performance/{report_id}/file",
        {**form(), "r-send": "Submit", "r-files": [(io.BytesIO(EXE_BYTES), "台账.pdf")]},
        content_type="multipart/form-data",
    )
    assert wrong_file.status_code == 200 and "is not a PDF" in wrong_file.get_data(as_text=True)

    sent = client.post(
        f"/performance/{report_id}/file",
        {**form(), "r-send": "Submit", "r-files": [(io.BytesIO(factory.PDF), "销售台账.pdf")]},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    filed = report(query, report_id)
    assert filed.status is ReportStatus.SUBMITTED
    assert (filed.sales, filed.cost_saved, filed.follow_on_value) == (12_500_000, 855_000, 600_000)
    page = client.get(f"/performance/{report_id}").get_data(as_text=True)
    assert "销售台账.pdf" in page and "Submitted, awaiting review" in page


def test_the_district_returns_then_rates_the_report(app, world, make_client, query):
    ids, report_id = world
    owner = as_user(app, make_client, ids["owner"])
    owner.post(
        f"/performance/{report_id}/file",
        {**form(), "r-send": "Submit", "r-files": [(io.BytesIO(factory.PDF), "台账.pdf")]},
        content_type="multipart/form-data",
    )
    admin = as_user(app, make_client, ids["admin"])
    assert "Awaiting review" in admin.get("/performance/?show=submitted").get_data(as_text=True)
    refused = admin.post(f"/performance/{report_id}/review", {"v-decision": "return", "v-comment": ""})
    assert refused.status_code == 200 and "Say what the enterprise should change" in refused.get_data(as_text=True)
    admin.post(f"/performance/{report_id}/review", {"v-decision": "return", "v-comment": "补充发票"})
    assert report(query, report_id).status is ReportStatus.RETURNED
    page = owner.get(f"/performance/{report_id}").get_data(as_text=True)
    assert "补充发票" in page and 'value="1,250"' not in page  # the stored figure is shown as 万元
    assert 'value="1250"' in page
    owner.post(f"/performance/{report_id}/file", {**form(), "r-send": "Submit"})
    no_rating = admin.post(f"/performance/{report_id}/review", {"v-decision": "accept", "v-comment": "好"})
    assert no_rating.status_code == 200 and "Choose a rating" in no_rating.get_data(as_text=True)
    done = admin.post(
        f"/performance/{report_id}/review", {"v-decision": "accept", "v-rating": "good", "v-comment": "达成预期"}
    )
    assert done.status_code == 302
    assert report(query, report_id).rating is Rating.GOOD
    assert "Good" in owner.get(f"/performance/{report_id}").get_data(as_text=True)
    zh = as_user(app, make_client, ids["owner"], lang="zh_CN")
    assert "良好" in zh.get(f"/performance/{report_id}").get_data(as_text=True)


def test_nobody_else_opens_a_report_or_its_evidence(app, world, make_client, query):
    ids, report_id = world
    owner = as_user(app, make_client, ids["owner"])
    owner.post(
        f"/performance/{report_id}/file",
        {**form(), "r-save": "Save", "r-files": [(io.BytesIO(factory.PDF), "台账.pdf")]},
        content_type="multipart/form-data",
    )
    file_id = query(lambda s: s.get(PerformanceReport, report_id).files[0].id)
    assert owner.get(f"/performance/files/{file_id}").data == factory.PDF
    for who in ("rival", "tju", "expert", "nku"):
        client = as_user(app, make_client, ids[who])
        assert client.get(f"/performance/{report_id}").status_code == 403
        assert client.get(f"/performance/files/{file_id}").status_code == 403
        assert client.post(f"/performance/{report_id}/file", form()).status_code == 403
    admin = as_user(app, make_client, ids["admin"])
    assert admin.get(f"/performance/files/{file_id}").status_code == 200
    assert admin.post(f"/performance/{report_id}/file", form()).status_code == 403
    anonymous = make_client()
    assert anonymous.get(f"/performance/{report_id}").status_code == 302
    rival = as_user(app, make_client, ids["rival"])
    assert "No performance reports here." in rival.get("/performance/").get_data(as_text=True)
    researcher = as_user(app, make_client, ids["tju"])
    assert researcher.get("/performance/").status_code == 403
    assert (
        query(
            lambda s: s.scalar(sa.select(sa.func.count(PerformanceReport.id)).where(PerformanceReport.id == report_id))
        )
        == 1
    )


def test_the_challenges_page_leads_its_enterprise_and_admins_to_the_report(app, world, make_client, query):
    ids, report_id = world
    challenge_id = report(query, report_id).challenge_id
    for who in ("owner", "admin"):
        page = as_user(app, make_client, ids[who]).get(f"/challenges/{challenge_id}").get_data(as_text=True)
        assert 'id="performance-report"' in page and "To be filed" in page
        assert f'href="/performance/{report_id}"' in page
    for who in ("tju", "rival", "expert"):  # the winning team and others see the challenge, not the report
        page = as_user(app, make_client, ids[who]).get(f"/challenges/{challenge_id}").get_data(as_text=True)
        assert 'id="performance-report"' not in page and f"/performance/{report_id}" not in page
    assert f"/performance/{report_id}" not in make_client().get(f"/challenges/{challenge_id}").get_data(as_text=True)


def test_a_paid_deals_page_leads_to_its_report(app, make_client, query, challenge_clock):
    with app.app_context(), force_locale("en"):
        people = challenges.make_people()
        broker = factory.broker()
        deal = factory.paid(people, broker)
        report_id = factory.report_of(deal=deal).id
        deal_id = deal.id
        db.session.commit()
        admin_id = people.admin.id
    page = as_user(app, make_client, admin_id).get(f"/deals/{deal_id}").get_data(as_text=True)
    assert 'id="performance-report"' in page and f'href="/performance/{report_id}"' in page


@pytest.fixture
def ownerless(app, challenge_clock):
    """A deal paid in full whose need side has no account, its report due; a second admin, a broker."""
    with app.app_context(), force_locale("en"):
        people = challenges.make_people()
        broker = factory.broker()
        report_id = factory.report_of(deal=factory.paid(people, broker, ownerless=True)).id
        owned_id = factory.report_of(challenge=factory.completed(people)).id
        reviewer = factory.admin()
        db.session.commit()
        ids = {f.name: getattr(people, f.name).id for f in dataclasses.fields(challenges.People)}
        ids |= {"broker": broker.id, "reviewer": reviewer.id}
        names = {"admin": people.admin.name}
    return ids, names, report_id, owned_id


NOTE = "2027年3月5日电话向企业财务核实"


def test_an_admin_files_the_report_of_an_enterprise_without_an_account_on_its_behalf(
    app, ownerless, make_client, query
):
    ids, names, report_id, _owned = ownerless
    admin = as_user(app, make_client, ids["admin"])
    page = admin.get(f"/performance/{report_id}").get_data(as_text=True)
    assert 'id="report-form"' in page and 'name="r-filed_note"' in page and "Where the figures come from" in page
    assert "No account on the platform" in page and factory.IMPORTED_ENTERPRISE in page
    assert "No account on the platform: admins file its report on its behalf" in admin.get(
        "/performance/?show=due"
    ).get_data(as_text=True)

    # Without saying where the figures come from, nothing is saved, the evidence chosen included.
    refused = admin.post(
        f"/performance/{report_id}/file",
        {
            **form(**{"r-outcomes-0": None, "r-commitment": None}),
            "r-send": "Submit",
            "r-files": [(io.BytesIO(factory.PDF), "电话核实记录.pdf")],
        },
        content_type="multipart/form-data",
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Say where the figures come from" in body
    assert 'value="1,250"' in body and "Nothing was saved: choose the files again." in body
    unsaved = report(query, report_id)
    assert (unsaved.status, unsaved.sales, unsaved.filed_by_id) == (ReportStatus.DRAFT, None, None)
    assert query(lambda s: s.get(PerformanceReport, report_id).files) == []

    sent = admin.post(
        f"/performance/{report_id}/file",
        {
            **form(**{"r-outcomes-0": None, "r-commitment": None, "r-filed_note": NOTE}),
            "r-send": "Submit",
            "r-files": [(io.BytesIO(factory.PDF), "电话核实记录.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 302
    filed = report(query, report_id)
    assert (filed.status, filed.sales, filed.filed_by_id, filed.filed_note) == (
        ReportStatus.SUBMITTED,
        12_500_000,
        ids["admin"],
        NOTE,
    )

    reviewer = as_user(app, make_client, ids["reviewer"])
    page = reviewer.get(f"/performance/{report_id}").get_data(as_text=True)
    assert f"Filed on the enterprise’s behalf by {names['admin']}: {NOTE}" in page and 'id="review-form"' in page
    done = reviewer.post(
        f"/performance/{report_id}/review", {"v-decision": "accept", "v-rating": "good", "v-comment": "数据经核实"}
    )
    assert done.status_code == 302 and report(query, report_id).rating is Rating.GOOD
    zh = as_user(app, make_client, ids["admin"], lang="zh_CN").get(f"/performance/{report_id}").get_data(as_text=True)
    assert f"由 {names['admin']} 代为填报：{NOTE}" in zh and "良好" in zh and 'id="report-form"' not in zh


def test_a_returned_report_is_filed_again_on_the_enterprises_behalf(app, ownerless, make_client, query):
    ids, _names, report_id, _owned = ownerless
    admin = as_user(app, make_client, ids["admin"])
    fields = form(**{"r-outcomes-0": None, "r-commitment": None, "r-filed_note": NOTE})
    upload = {"r-files": [(io.BytesIO(factory.PDF), "电话核实记录.pdf")]}
    admin.post(
        f"/performance/{report_id}/file", {**fields, "r-send": "Submit", **upload}, content_type="multipart/form-data"
    )
    reviewer = as_user(app, make_client, ids["reviewer"])
    reviewer.post(f"/performance/{report_id}/review", {"v-decision": "return", "v-comment": "请补充发票"})
    page = admin.get(f"/performance/{report_id}").get_data(as_text=True)
    assert "请补充发票" in page and 'id="report-form"' in page and NOTE in page
    again = admin.post(
        f"/performance/{report_id}/file", {**fields, "r-filed_note": f"{NOTE}；3月8日补充发票", "r-send": "Submit"}
    )
    assert again.status_code == 302
    assert report(query, report_id).status is ReportStatus.SUBMITTED
    assert f"{NOTE}；3月8日补充发票" in reviewer.get(f"/performance/{report_id}").get_data(as_text=True)


def test_only_admins_file_on_behalf_and_only_for_an_enterprise_without_an_account(app, ownerless, make_client, query):
    ids, _names, report_id, owned_id = ownerless
    fields = {**form(**{"r-filed_note": NOTE}), "r-save": "Save"}
    for who in ("broker", "tju", "owner", "rival"):
        client = as_user(app, make_client, ids[who])
        assert client.get(f"/performance/{report_id}").status_code == 403, who
        assert client.post(f"/performance/{report_id}/file", fields).status_code == 403, who
    admin = as_user(app, make_client, ids["admin"])
    page = admin.get(f"/performance/{owned_id}").get_data(as_text=True)
    assert 'id="report-form"' not in page and 'name="r-filed_note"' not in page
    assert admin.post(f"/performance/{owned_id}/file", fields).status_code == 403
    assert admin.post(f"/performance/{report_id}/file", fields).status_code == 302
    assert (report(query, owned_id).filed_note, report(query, report_id).filed_note) == (None, NOTE)
