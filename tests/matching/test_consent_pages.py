"""What each side sees on an introduction's page before and after both agreed, the agree and
decline forms, and the broker's list of introductions with the answers."""

from __future__ import annotations

import re

import pytest

from tests.matching.consent_helpers import hidden_enterprise_introduction, imported_need_introduction
from tests.matching.test_views import zh
from webapp.matching.models import ConsentAnswer, Introduction, IntroductionOutcome, RejectReason

SECRET_ORG = "津南保密精密铸造有限公司"
SECRET_CONTACT = "隐名联系人"
SECRET_PHONE = "13911112222"
RESEARCHER_NAME = "郑研究员"
RESEARCHER_PHONE = "13833334444"
RESEARCHER_MAIL = "zheng.lab@example.edu.cn"


@pytest.fixture
def intro(query, make_org, make_user, make_client):
    """A de-identified need by an enterprise, an achievement by a researcher, an introduction by a
    broker; each with a client signed in."""
    enterprise, researcher, broker, intro_id = hidden_enterprise_introduction(
        query,
        make_org,
        make_user,
        org=SECRET_ORG,
        contact=SECRET_CONTACT,
        phone=SECRET_PHONE,
        address="天津市津南区八里台镇工业园1号",
        researcher={"name": RESEARCHER_NAME, "phone": RESEARCHER_PHONE, "email": RESEARCHER_MAIL},
        institution_name="天津大学",
    )
    clients = {}
    for name, user in (("enterprise", enterprise), ("researcher", researcher), ("broker", broker)):
        clients[name] = make_client()
        clients[name].login(user.email)
    return {"id": intro_id, "clients": clients, "users": {"enterprise": enterprise, "researcher": researcher}}


def page_of(client, intro_id: int) -> str:
    response = client.get(f"/broker/introductions/{intro_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def state(query, intro_id: int) -> Introduction:
    return query(lambda session: session.get(Introduction, intro_id))


def test_the_researcher_sees_the_enterprise_only_after_both_agreed(app, query, intro):
    researcher, enterprise = intro["clients"]["researcher"], intro["clients"]["enterprise"]
    url = f"/broker/introductions/{intro['id']}"

    before = page_of(researcher, intro["id"])
    assert "某企业" in before
    for secret in (SECRET_ORG, SECRET_CONTACT, SECRET_PHONE):
        assert secret not in before
    assert 'id="agree-form"' in before and 'id="decline-form"' in before
    # The enterprise sees the achievement and its institution, not who the researcher is.
    theirs = page_of(enterprise, intro["id"])
    assert "天津大学" in theirs and SECRET_ORG in theirs
    for secret in (RESEARCHER_NAME, RESEARCHER_PHONE, RESEARCHER_MAIL):
        assert secret not in theirs

    response = researcher.post(f"{url}/consent", {"agree_message": "欢迎来实验室看样品", "agree": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    after_one = page_of(researcher, intro["id"])
    assert SECRET_ORG not in after_one and SECRET_PHONE not in after_one
    assert 'id="agree-form"' not in after_one and "欢迎来实验室看样品" in after_one  # one's own message
    assert "欢迎来实验室看样品" not in page_of(enterprise, intro["id"])  # for the broker until both agreed
    assert "欢迎来实验室看样品" in page_of(intro["clients"]["broker"], intro["id"])
    # The researcher's own listing page links to it with where it stands, the enterprise unnamed.
    achievement_id = query(lambda session: session.get(Introduction, intro["id"]).suggestion.achievement_id)
    listing = researcher.get(f"/achievements/{achievement_id}").get_data(as_text=True)
    assert f'href="{url}"' in listing and zh(app, "Waiting for the enterprise") in listing
    assert SECRET_ORG not in listing and SECRET_PHONE not in listing

    enterprise.post(f"{url}/consent", {"agree_message": "请带上测试报告", "agree": "1"})
    assert state(query, intro["id"]).agreed
    both = page_of(researcher, intro["id"])
    assert SECRET_ORG in both and SECRET_CONTACT in both and SECRET_PHONE in both and "请带上测试报告" in both
    theirs = page_of(enterprise, intro["id"])
    assert RESEARCHER_NAME in theirs and RESEARCHER_PHONE in theirs and RESEARCHER_MAIL in theirs
    assert "欢迎来实验室看样品" in theirs
    assert zh(app, "Both agreed") in both
    # The need's own page still shows the researcher only what the public sees.
    need_id = query(lambda session: session.get(Introduction, intro["id"]).suggestion.need_id)
    need_page = researcher.get(f"/needs/{need_id}").get_data(as_text=True)
    assert SECRET_ORG not in need_page and SECRET_PHONE not in need_page


def test_a_decline_needs_its_reason_keeps_the_note_and_closes_it(app, query, intro):
    enterprise = intro["clients"]["enterprise"]
    url = f"/broker/introductions/{intro['id']}/consent"

    response = enterprise.post(url, {"decline_note": "今年没有预算", "decline": "1"})
    assert response.status_code == 200  # sent back with the error beside the reason, the note kept
    text = response.get_data(as_text=True)
    assert zh(app, "Choose a reason.") in text and "今年没有预算" in text
    assert state(query, intro["id"]).need_answer is None
    text = enterprise.post(url, {"decline_reason": "other", "decline": "1"}).get_data(as_text=True)
    assert zh(app, "Say why when the reason is “Other”.") in text

    enterprise.post(url, {"decline_reason": "budget", "decline_note": "今年没有预算", "decline": "1"})
    intro_now = state(query, intro["id"])
    assert (intro_now.need_answer, intro_now.decline_reason) == (ConsentAnswer.DECLINED, RejectReason.BUDGET)
    assert intro_now.outcome is IntroductionOutcome.NO_DEAL
    researcher_page = page_of(intro["clients"]["researcher"], intro["id"])
    assert "今年没有预算" not in researcher_page and 'id="agree-form"' not in researcher_page
    assert SECRET_ORG not in researcher_page
    broker_page = page_of(intro["clients"]["broker"], intro["id"])
    assert "今年没有预算" in broker_page and zh(app, "Budget does not fit") in broker_page
    # Answering again is refused with a message, nothing changes.
    again = intro["clients"]["researcher"].post(url, {"agree": "1"})
    assert again.status_code == 302
    assert "alert-danger" in intro["clients"]["researcher"].get(again.headers["Location"]).get_data(as_text=True)
    assert state(query, intro["id"]).achievement_answer is None


def test_brokers_and_admins_see_everything_but_never_answer(query, intro, make_user, make_client):
    broker = intro["clients"]["broker"]
    page = page_of(broker, intro["id"])
    assert SECRET_ORG in page and SECRET_PHONE in page and RESEARCHER_PHONE in page
    assert 'id="agree-form"' not in page
    assert broker.post(f"/broker/introductions/{intro['id']}/consent", {"agree": "1"}).status_code == 403
    admin = make_client()
    admin.login(make_user("admin").email)
    assert admin.post(f"/broker/introductions/{intro['id']}/consent", {"agree": "1"}).status_code == 403
    assert state(query, intro["id"]).need_answer is None


def test_the_brokers_list_shows_and_filters_the_answers(app, query, intro):
    broker, researcher = intro["clients"]["broker"], intro["clients"]["researcher"]

    def listed(consent: str = "") -> list[int]:
        page = broker.get("/broker/introductions" + (f"?consent={consent}" if consent else "")).get_data(as_text=True)
        return [int(i) for i in re.findall(r'<tr data-introduction="(\d+)"', page)]

    assert listed("waiting_need") == [intro["id"]] == listed("waiting_achievement")
    researcher.post(f"/broker/introductions/{intro['id']}/consent", {"agree": "1"})
    assert listed("waiting_need") == [intro["id"]] and listed("waiting_achievement") == []
    assert listed("agreed") == [] and listed("declined") == [] and listed() == [intro["id"]]
    page = broker.get("/broker/introductions").get_data(as_text=True)
    assert zh(app, "Waiting for the enterprise") in page


IMPORTED_ORG = "津南导入保密铸件有限公司"
IMPORTED_CONTACT = "王经理"
IMPORTED_PHONE = "13700001111"
CALLED = "2026-12-03 电话联系王经理，同意对接"


@pytest.fixture
def imported(query, make_user, make_client):
    """A de-identified need imported without an owner account, an achievement by a researcher, their
    introduction by a broker; the researcher and the broker signed in."""
    researcher, broker, intro_id = imported_need_introduction(
        query,
        make_user,
        org=IMPORTED_ORG,
        contact=IMPORTED_CONTACT,
        phone=IMPORTED_PHONE,
        researcher={"name": RESEARCHER_NAME, "phone": RESEARCHER_PHONE},
    )
    clients = {}
    for name, user in (("researcher", researcher), ("broker", broker)):
        clients[name] = make_client()
        clients[name].login(user.email)
    return {"id": intro_id, "clients": clients, "broker": broker}


def test_the_broker_records_the_answer_of_an_enterprise_without_an_account(app, query, imported):
    researcher, broker = imported["clients"]["researcher"], imported["clients"]["broker"]
    url = f"/broker/introductions/{imported['id']}"
    assert 'id="behalf-form-need"' not in page_of(researcher, imported["id"])
    researcher.post(f"{url}/consent", {"agree": "1"})
    before = page_of(researcher, imported["id"])
    for secret in (IMPORTED_ORG, IMPORTED_CONTACT, IMPORTED_PHONE):
        assert secret not in before

    page = page_of(broker, imported["id"])
    # Only the enterprise's side has no owner account; the researcher answered for themself.
    assert 'id="behalf-form-need"' in page and 'id="behalf-form-achievement"' not in page
    assert zh(app, "Record the enterprise’s answer on its behalf") == "代为记录企业的答复"
    assert "代为记录企业的答复" in page and "代为记录成果方的答复" not in page

    # The note is required: sent back with the error, nothing recorded.
    missing = broker.post(f"{url}/consent/need", {"need-behalf_answer": "accepted", "need-behalf_note": "  "})
    assert missing.status_code == 200
    assert zh(app, "Say how and from whom the answer was obtained.") in missing.get_data(as_text=True)
    assert state(query, imported["id"]).need_answer is None

    done = broker.post(f"{url}/consent/need", {"need-behalf_answer": "accepted", "need-behalf_note": CALLED})
    assert done.status_code == 302 and done.headers["Location"].endswith(url)
    assert state(query, imported["id"]).agreed
    recorded = zh(app, "Recorded by broker %(name)s on the party’s behalf: %(note)s", name="", note=CALLED)
    assert recorded.startswith("由经纪人") and "代为记录" in recorded
    broker_page = page_of(broker, imported["id"])
    assert 'id="behalf-form-need"' not in broker_page and CALLED in broker_page
    after = page_of(researcher, imported["id"])  # both agreed: the researcher sees the note and the enterprise
    assert "由经纪人" in after and CALLED in after
    assert IMPORTED_ORG in after and IMPORTED_CONTACT in after and IMPORTED_PHONE in after
    assert 'id="intro-room"' in after
    assert researcher.get(f"/rooms/{imported['id']}").status_code == 200


def test_the_brokers_list_marks_the_answers_the_broker_records(app, query, imported, intro):
    """The list tells the broker which introductions wait for them to record an answer (the enterprise
    without an account), and marks the answers recorded so; introductions of owners show neither."""
    broker = imported["clients"]["broker"]

    def row(client, intro_id: int) -> str:
        page = client.get("/broker/introductions").get_data(as_text=True)
        match = re.search(rf'<tr data-introduction="{intro_id}">(.*?)</tr>', page, re.S)
        assert match, f"introduction {intro_id} is not listed"
        return match.group(1)

    waiting = row(broker, imported["id"])
    assert 'data-to-record="need"' in waiting and "待代为记录企业答复" in waiting
    assert "data-to-record" not in row(intro["clients"]["broker"], intro["id"])  # both sides have owners

    url = f"/broker/introductions/{imported['id']}/consent/need"
    broker.post(url, {"need-behalf_answer": "accepted", "need-behalf_note": CALLED})
    recorded = row(broker, imported["id"])
    assert "data-to-record" not in recorded
    assert 'data-recorded="need"' in recorded and "企业答复由经纪人代为记录" in recorded
    assert zh(app, "Enterprise’s answer recorded by the broker") == "企业答复由经纪人代为记录"


def test_only_the_introductions_broker_answers_for_a_side_without_an_account(query, imported, make_user, make_client):
    url = f"/broker/introductions/{imported['id']}/consent"
    other = make_client()
    other.login(make_user("broker").email)
    body = {"need-behalf_answer": "accepted", "need-behalf_note": CALLED}
    assert other.post(f"{url}/need", body).status_code == 403
    # The achievement has its owner: never answered by a broker.
    broker = imported["clients"]["broker"]
    ach = {"achievement-behalf_answer": "accepted", "achievement-behalf_note": CALLED}
    assert broker.post(f"{url}/achievement", ach).status_code == 403
    assert imported["clients"]["researcher"].post(f"{url}/need", body).status_code == 403
    assert broker.post(f"{url}/nonsense", body).status_code == 404
    intro_now = state(query, imported["id"])
    assert intro_now.need_answer is None and intro_now.achievement_answer is None


def test_a_decline_recorded_on_behalf_needs_its_reason_and_closes_it(app, query, imported, make_user, make_client):
    admin = make_client()
    admin.login(make_user("admin").email)
    url = f"/broker/introductions/{imported['id']}/consent/need"
    note = "上门拜访：已有合作单位"
    text = admin.post(url, {"need-behalf_answer": "declined", "need-behalf_note": note}).get_data(as_text=True)
    assert zh(app, "Choose a reason.") in text and note in text
    assert state(query, imported["id"]).need_answer is None

    admin.post(url, {"need-behalf_answer": "declined", "need-behalf_reason": "existing", "need-behalf_note": note})
    intro_now = state(query, imported["id"])
    assert (intro_now.need_answer, intro_now.decline_reason) == (ConsentAnswer.DECLINED, RejectReason.EXISTING)
    assert intro_now.outcome is IntroductionOutcome.NO_DEAL
    researcher_page = page_of(imported["clients"]["researcher"], imported["id"])
    assert note not in researcher_page and IMPORTED_ORG not in researcher_page
    assert 'id="agree-form"' not in researcher_page
    assert note in page_of(imported["clients"]["broker"], imported["id"])
