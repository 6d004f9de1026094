"""The deal pages through the test client: a broker opens a deal with the form and takes it through
signing, registration, the schedule and payments; refused steps keep what was typed; parties may
look but not touch; deals opened from an introduction and from a challenge award; cancelling; the
list's filters and its .xlsx export. Pages are read in English (`/lang/en`) except where the
Chinese format is the point."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.matching.consent_helpers import both_agree
from webapp.accounts.models import OrgKind
from webapp.core.audit import AuditEvent
from webapp.deals.models import Deal, Payment, PaymentInstalment

WAN = 10_000


@pytest.fixture
def world(make_user, make_org):
    uid = uuid.uuid4().hex[:6]
    agency = make_org(OrgKind.AGENCY, name=f"滨海技术转移中心{uid}")
    enterprise_org = make_org(OrgKind.ENTERPRISE, name=f"津南储能科技有限公司{uid}")
    university = make_org(OrgKind.UNIVERSITY, name=f"天津大学{uid}")
    return SimpleNamespace(
        uid=uid,
        agency=agency,
        enterprise_org=enterprise_org,
        university=university,
        broker=make_user("broker", organisation_id=agency.id, name=f"张经纪{uid}"),
        other_broker=make_user("broker"),
        admin=make_user("admin"),
        enterprise=make_user("enterprise", organisation_id=enterprise_org.id),
        researcher=make_user("researcher", organisation_id=university.id),
        university_colleague=make_user("researcher", organisation_id=university.id),
        university_expert=make_user("expert", organisation_id=university.id),
        stranger=make_user("enterprise"),
    )


@pytest.fixture
def login(make_client):
    def sign_in(user, lang="en"):
        client = make_client()
        assert client.login(user.email).status_code == 302
        client.get(f"/lang/{lang}")
        return client

    return sign_in


def text(response) -> str:
    return response.get_data(as_text=True)


def deal_id_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/deals/(\d+)$", response.headers["Location"]).group(1))


def open_direct(client, w, value="12.5", **extra) -> int:
    data = {
        "title": f"储能电池液冷技术开发{w.uid}",
        "need_org": str(w.enterprise_org.id),
        "provider_org": str(w.university.id),
        "need_contact": w.enterprise.email,
        "provider_contact": w.researcher.email.upper(),  # as typed
        "contract_type": "development",
        "value": value,
        **extra,
    }
    return deal_id_of(client.post("/deals/new", data))


def state_of(page: str) -> str:
    return re.search(r'id="deal-state">\s*<span class="badge [^"]*" data-state="(\w+)"', page).group(1)


def test_a_broker_takes_a_deal_from_the_form_to_paid(world, login, query):
    w = world
    broker = login(w.broker)
    deal_id = open_direct(broker, w, "12.5")
    deal = query(lambda s: s.get(Deal, deal_id))
    assert (deal.contract_value, deal.broker_id, deal.agency_id) == (125_000, w.broker.id, w.agency.id)
    assert (deal.need_party, deal.provider_party) == (w.enterprise_org.name, w.university.name)

    zh = login(w.broker, "zh_CN").get(f"/deals/{deal_id}")
    assert "12.5 万元" in text(zh)
    page = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(page) == "negotiating" and 'data-yuan="125000"' in page

    assert broker.post(f"/deals/{deal_id}/sign", {"signed_on": "2025-03-01"}).status_code == 302
    assert state_of(text(broker.get(f"/deals/{deal_id}"))) == "signed"
    assert (
        broker.post(
            f"/deals/{deal_id}/register",
            {"registration_no": f"2025120{w.uid}", "registered_on": "2025-03-10", "certificate_kind": "registration"},
        ).status_code
        == 302
    )
    page = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(page) == "registered" and f"2025120{w.uid} · 2025-03-10" in page

    response = broker.post(
        f"/deals/{deal_id}/schedule",
        {
            "rows-0-due_on": "2025-04-01",
            "rows-0-amount": "5",
            "rows-1-due_on": "2025-06-01",
            "rows-1-amount": "7.5",
            "rows-2-due_on": "",
            "rows-2-amount": "",
            "save_schedule": "1",
        },
    )
    assert response.status_code == 302
    assert query(
        lambda s: s.scalars(
            sa.select(PaymentInstalment.amount)
            .where(PaymentInstalment.deal_id == deal_id)
            .order_by(PaymentInstalment.due_on)
        ).all()
    ) == [50_000, 75_000]

    assert (
        broker.post(
            f"/deals/{deal_id}/payments", {"received_on": "2025-04-02", "amount": "5", "evidence": "银行回单 0001"}
        ).status_code
        == 302
    )
    page = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(page) == "paying" and 'data-percent="40"' in page
    assert re.findall(r'<tr data-status="(\w+)"', page) == ["paid", "overdue"]

    # More than what remains (7.5万): the message, the amount still typed, nothing recorded.
    refused = broker.post(
        f"/deals/{deal_id}/payments", {"received_on": "2025-05-02", "amount": "10", "evidence": "银行回单 0002"}
    )
    assert refused.status_code == 200
    body = text(refused)
    assert "is more than the" in body and "still to be received" in body
    assert 'value="10"' in body and "银行回单 0002" in body
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.deal_id == deal_id))) == 1
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 50_000

    assert broker.post(f"/deals/{deal_id}/payments", {"received_on": "2025-05-02", "amount": "7.5"}).status_code == 302
    page = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(page) == "paid" and 'data-percent="100"' in page
    assert 'id="payment-form"' not in page and 'id="cancel-form"' not in page
    actions = re.findall(r'<li class="list-group-item" data-action="([\w.]+)"', page)
    assert actions == ["deal.create", "deal.sign", "deal.register", "deal.schedule", "deal.payment", "deal.payment"]


def test_refused_steps_show_the_message_and_keep_the_input(world, login, query, freeze_clock):
    w = world
    tomorrow = freeze_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) + timedelta(days=1)  # 3 March in Beijing
    broker = login(w.broker)
    bad_value = broker.post(
        "/deals/new",
        {
            "title": "储能技术",
            "need_party": "某企业",
            "provider_party": "某大学",
            "contract_type": "licence",
            "value": "12.123456",
        },
    )
    assert bad_value.status_code == 200 and "at most four decimal places" in text(bad_value)
    assert 'value="某企业"' in text(bad_value)
    nameless = broker.post("/deals/new", {"title": "储能技术", "contract_type": "licence", "value": "3"})
    assert "Name the need side of the contract." in text(nameless)
    empty = text(broker.post("/deals/new", {"title": ""}))
    assert 'id="form-errors"' in empty and "everything you entered is kept" in empty  # the summary banner

    deal_id = open_direct(broker, w)
    early = broker.post(f"/deals/{deal_id}/payments", {"received_on": "2025-04-02", "amount": "1"})
    assert early.status_code == 200 and "signed contracts only" in text(early)
    future = broker.post(f"/deals/{deal_id}/sign", {"signed_on": tomorrow.isoformat()})
    assert future.status_code == 200 and "cannot be in the future" in text(future)
    over = broker.post(
        f"/deals/{deal_id}/schedule", {"rows-0-due_on": "2025-04-01", "rows-0-amount": "20", "save_schedule": "1"}
    )
    assert over.status_code == 200 and "adds up to more than the contract value" in text(over)
    assert 'value="20"' in text(over)
    half = broker.post(f"/deals/{deal_id}/schedule", {"rows-0-due_on": "", "rows-0-amount": "2", "save_schedule": "1"})
    assert "Give the due date." in text(half)
    sub_yuan = broker.post(
        f"/deals/{deal_id}/schedule", {"rows-0-due_on": "2025-04-01", "rows-0-amount": "2.00001", "save_schedule": "1"}
    )
    assert sub_yuan.status_code == 200 and "at most four decimal places of 万元" in text(sub_yuan)
    more = broker.post(f"/deals/{deal_id}/schedule", {"rows-0-due_on": "2025-04-01", "rows-0-amount": "2", "more": "1"})
    assert more.status_code == 200 and len(re.findall(r'<tr data-row="\d+"', text(more))) == 8
    assert 'name="rows-0-amount" type="text" value="2"' in text(more)
    assert query(lambda s: s.get(Deal, deal_id).instalments) == []
    assert query(lambda s: s.get(Deal, deal_id).signed_on) is None


def test_parties_see_the_deal_but_not_the_forms_strangers_nothing(world, login):
    w = world
    deal_id = open_direct(login(w.broker), w)
    for user in (w.researcher, w.enterprise):
        party = login(user)
        page = party.get(f"/deals/{deal_id}")
        assert page.status_code == 200 and 'id="sign-form"' not in text(page)
        assert party.post(f"/deals/{deal_id}/sign", {"signed_on": "2025-03-01"}).status_code == 403
        assert party.post(f"/deals/{deal_id}/cancel", {"reason": "不想做了"}).status_code == 403
        assert party.get("/deals/new").status_code == 403
        assert f'data-deal="{deal_id}"' in text(party.get("/deals/"))
    # Members of a party's organisation who are not named on the deal see nothing of it.
    for user in (w.stranger, w.other_broker, w.university_colleague, w.university_expert):
        outsider = login(user)
        assert outsider.get(f"/deals/{deal_id}").status_code == 403
        assert (
            outsider.post(f"/deals/{deal_id}/payments", {"received_on": "2025-04-02", "amount": "1"}).status_code == 403
        )
        assert f'data-deal="{deal_id}"' not in text(outsider.get("/deals/"))
    assert login(w.admin).get(f"/deals/{deal_id}").status_code == 200
    assert login(w.broker).get("/deals/999999999").status_code == 404


def test_a_contact_must_be_an_account_of_the_side_they_speak_for(world, login, query):
    w = world
    broker = login(w.broker, lang="zh")
    before = query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Deal)))
    data = {
        "title": f"储能电池液冷技术开发{w.uid}",
        "need_org": str(w.enterprise_org.id),
        "provider_org": str(w.university.id),
        "need_contact": w.stranger.email,  # not of the enterprise chosen
        "provider_contact": "nobody@example.cn",
        "contract_type": "development",
        "value": "12.5",
    }
    page = text(broker.post("/deals/new", data))
    assert "不是该方所选单位的成员" in page and "没有电子邮箱为 nobody@example.cn 的有效账户" in page
    assert f'value="{w.stranger.email}"' in page  # what was typed stays
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Deal))) == before


def test_an_accepted_introduction_opens_a_negotiating_deal(world, login, app):
    from tests.listings.search_factory import make_listing
    from webapp.extensions import db
    from webapp.matching import services as matching
    from webapp.matching.models import Introduction, IntroductionOutcome, Suggestion

    w = world
    with app.app_context():
        achievement = make_listing(
            db.session,
            "a",
            owner_id=w.researcher.id,
            title=f"锂电池液冷热管理{w.uid}",
            keywords=["液冷"],
            summary="液冷板热管理",
            organisation_id=w.university.id,
        )
        need = make_listing(
            db.session,
            "n",
            owner_id=w.enterprise.id,
            organisation_id=w.enterprise_org.id,
            title="电池包温升控制",
            keywords=["液冷"],
            description="寻求液冷技术",
        )
        suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=80, parts={}, terms=["液冷"])
        db.session.add(suggestion)
        db.session.flush()
        with force_locale("en"):
            intro = matching.accept(suggestion, db.session.get(type(w.broker), w.broker.id), "双方已初步沟通")
        db.session.commit()
        intro_id = intro.id

    broker = login(w.broker)
    # Not before both sides agreed to be introduced.
    page = text(broker.get(f"/broker/introductions/{intro_id}"))
    assert f'href="/deals/new/from-introduction/{intro_id}"' not in page
    assert (
        broker.get(f"/deals/new/from-introduction/{intro_id}")
        .headers["Location"]
        .endswith(f"/broker/introductions/{intro_id}")
    )
    with app.app_context():
        both_agree(db.session.get(Introduction, intro_id))
        db.session.commit()
    page = text(broker.get(f"/broker/introductions/{intro_id}"))
    assert f'href="/deals/new/from-introduction/{intro_id}"' in page
    assert login(w.other_broker).get(f"/deals/new/from-introduction/{intro_id}").status_code == 403
    form = text(broker.get(f"/deals/new/from-introduction/{intro_id}"))
    assert f"锂电池液冷热管理{w.uid}" in form
    deal_id = deal_id_of(
        broker.post(
            f"/deals/new/from-introduction/{intro_id}",
            {"title": f"锂电池液冷热管理{w.uid}", "contract_type": "transfer", "value": "80"},
        )
    )
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert (deal.introduction_id, deal.contract_value, deal.broker_id) == (intro_id, 80 * WAN, w.broker.id)
        assert db.session.get(Introduction, intro_id).outcome is IntroductionOutcome.DEAL
    detail = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(detail) == "negotiating"
    assert f'href="/broker/introductions/{intro_id}"' in detail and f'href="/achievements/{achievement.id}"' in detail
    assert f'id="intro-deal" href="/deals/{deal_id}"' in text(broker.get(f"/broker/introductions/{intro_id}"))
    # Once opened, the form leads to the deal instead of a second one.
    again = broker.get(f"/deals/new/from-introduction/{intro_id}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/deals/{deal_id}")
    # The researcher who owns the achievement is told, in words, in either language.
    assert broker.post(f"/deals/{deal_id}/sign", {"signed_on": "2025-03-01"}).status_code == 302
    assert broker.post(f"/deals/{deal_id}/payments", {"received_on": "2025-04-02", "amount": "12.5"}).status_code == 302
    notes = text(login(w.researcher).get("/notifications/"))
    assert f"A deal on “锂电池液冷热管理{w.uid}” was opened by" in notes
    assert f"12.5 (10k CNY) received on 2025-04-02 for “锂电池液冷热管理{w.uid}”." in notes
    notes_zh = text(login(w.researcher, "zh_CN").get("/notifications/"))
    assert "到账 12.5 万元。" in notes_zh and "万元 万元" not in notes_zh


def test_an_awarded_challenge_contract_opens_a_signed_deal(login, app, make_user):
    from tests import clock
    from tests.challenges import factory
    from webapp.challenges.models import Award
    from webapp.extensions import db

    with app.app_context(), force_locale("en"):
        try:
            people = factory.make_people()
            challenge, _apps = factory.contracted(people)
        finally:
            clock.reset()
        award = db.session.scalars(sa.select(Award).where(Award.challenge_id == challenge.id)).one()
        challenge_id, award_id, value = challenge.id, award.id, challenge.contract.value
        signed_on = challenge.contract.signed_on
        db.session.commit()
    broker = make_user("broker")
    client = login(broker)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert f'href="/deals/new/from-award/{award_id}"' in page
    assert f"Open a deal: {factory.TJU}" in page
    deal_id = deal_id_of(client.post(f"/deals/new/from-award/{award_id}", {}))
    with app.app_context():
        deal = db.session.get(Deal, deal_id)
        assert (deal.award_id, deal.challenge_id, deal.contract_value, deal.signed_on, deal.broker_id) == (
            award_id,
            challenge_id,
            value,
            signed_on,
            broker.id,
        )
    detail = text(client.get(f"/deals/{deal_id}"))
    assert state_of(detail) == "signed" and f'href="/challenges/{challenge_id}"' in detail
    assert f'data-award-deal="{award_id}" href="/deals/{deal_id}"' in text(client.get(f"/challenges/{challenge_id}"))
    assert login(people.tju).get(f"/deals/{deal_id}").status_code == 200  # the winner is a party


def test_cancel_with_a_reason(world, login, query):
    w = world
    broker = login(w.broker)
    deal_id = open_direct(broker, w)
    assert broker.post(f"/deals/{deal_id}/sign", {"signed_on": "2025-03-01"}).status_code == 302
    blank = broker.post(f"/deals/{deal_id}/cancel", {"reason": "  "})
    assert blank.status_code == 200 and 'id="cancel-card" open' in text(blank)
    assert broker.post(f"/deals/{deal_id}/cancel", {"reason": "企业资金链断裂，双方协商解除"}).status_code == 302
    page = text(broker.get(f"/deals/{deal_id}"))
    assert state_of(page) == "cancelled" and "企业资金链断裂，双方协商解除" in page
    assert 'id="payment-form"' not in page
    late = broker.post(f"/deals/{deal_id}/payments", {"received_on": "2025-04-02", "amount": "1"})
    assert late.status_code == 200 and "This deal was cancelled." in text(late)
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 0


def test_the_field_is_corrected_and_audited(world, login, query):
    from webapp.taxonomy.models import TechField

    w = world

    def add(session):
        field = TechField(code=f"D{w.uid}", name=f"新能源储能{w.uid}")
        session.add(field)
        session.commit()
        return field.id

    field_id = query(add)
    broker = login(w.broker)
    deal_id = open_direct(broker, w)
    assert broker.post(f"/deals/{deal_id}/field", {"field": str(field_id)}).status_code == 302
    assert f"新能源储能{w.uid}" in text(login(w.researcher).get(f"/deals/{deal_id}"))
    events = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.after).where(AuditEvent.action == "deal.field", AuditEvent.object_id == deal_id)
        ).all()
    )
    assert events == [{"field": field_id}]


def test_the_list_filters_and_exports_exact_money(world, login):
    w = world
    broker = login(w.broker)
    first = open_direct(broker, w, "12.5", title=f"液冷板开发{w.uid}")
    second = open_direct(broker, w, "0.0001", title=f"电池回收许可{w.uid}", contract_type="licence")
    broker.post(f"/deals/{first}/sign", {"signed_on": "2025-03-01"})
    broker.post(f"/deals/{first}/payments", {"received_on": "2025-03-05", "amount": "2.3456"})

    listed = text(broker.get("/deals/", query_string={"q": w.uid}))
    assert {int(i) for i in re.findall(r'data-deal="(\d+)"', listed)} == {first, second}
    paying = text(broker.get("/deals/", query_string={"q": w.uid, "state": "paying"}))
    assert re.findall(r'data-deal="(\d+)"', paying) == [str(first)]
    licences = text(broker.get("/deals/", query_string={"q": w.uid, "type": "licence"}))
    assert re.findall(r'data-deal="(\d+)"', licences) == [str(second)]
    period = text(
        broker.get("/deals/", query_string={"q": w.uid, "signed_from": "2025-03-01", "signed_to": "2025-03-31"})
    )
    assert re.findall(r'data-deal="(\d+)"', period) == [str(first)]
    assert f'href="/deals/export.xlsx?q={w.uid}&amp;state=paying"' in paying

    response = broker.get("/deals/export.xlsx", query_string={"q": w.uid})
    assert response.status_code == 200 and response.headers["X-Export-Rows"] == "2"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("No.", "Title")
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_id[first]["Contract value (yuan)"] == 125_000 and by_id[first]["Contract value (10k CNY)"] == 12.5
    assert by_id[first]["Received (yuan)"] == 23_456 and by_id[first]["Received (10k CNY)"] == 2.3456
    assert by_id[first]["State"] == "Being paid" and by_id[first]["Signed on"] == "2025-03-01"
    assert by_id[second]["Contract value (yuan)"] == 1 and by_id[second]["Contract value (10k CNY)"] == 0.0001
    assert by_id[second]["Contract type"] == "Technology licensing"
    assert by_id[first]["Broker"] == w.broker.name and by_id[first]["Agency"] == w.agency.name

    # A party's export holds only what the party may see.
    stranger_rows = list(
        load_workbook(io.BytesIO(login(w.stranger).get("/deals/export.xlsx").data)).active.iter_rows(values_only=True)
    )
    assert stranger_rows[1:] == []
