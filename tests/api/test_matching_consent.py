"""The two owners' answers to an introduction through the API, as on its page: who may answer, what
each side sees of the other before and after both agreed, declines and the list's filter."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.test_matching import _all_pages, _auth, _conforms, _text
from tests.matching.consent_helpers import hidden_enterprise_introduction
from webapp.core.audit import AuditEvent
from webapp.matching.models import ConsentAnswer, Introduction, IntroductionOutcome, RejectReason

SECRET_ORG = "接口对接保密机械有限公司"
SECRET_CONTACT = "接口隐名联系人"
SECRET_PHONE = "13955556666"
RESEARCHER_PHONE = "13866667777"


def _cast(query, make_org, make_user):
    return hidden_enterprise_introduction(
        query,
        make_org,
        make_user,
        org=SECRET_ORG,
        contact=SECRET_CONTACT,
        phone=SECRET_PHONE,
        address="天津市津南区双港镇某路2号",
        researcher={"name": "冯研究员", "phone": RESEARCHER_PHONE},
    )


def test_the_researcher_reads_the_enterprise_only_once_both_agreed(client, query, make_org, make_user, make_token):
    enterprise, researcher, broker, intro = _cast(query, make_org, make_user)
    as_researcher = _auth(make_token(researcher, "read write"))
    as_enterprise = _auth(make_token(enterprise, "read write"))
    url = f"/api/v1/introductions/{intro}"

    one = client.http.get(url, headers=as_researcher)
    _conforms(client, one, "IntroductionOut")
    body = one.get_json()
    assert body["agreed"] is False and body["your_side"] == "achievement" and body["may_answer"] is True
    assert body["consent"] == ["waiting_need", "waiting_achievement"]
    assert body["need"]["poster"].startswith("某企业")
    listed = client.http.get("/api/v1/introductions", headers=as_researcher)
    _conforms(client, listed, "IntroductionPage")
    for text in (_text(one), _text(listed)):
        assert SECRET_ORG not in text and SECRET_CONTACT not in text and SECRET_PHONE not in text
    assert RESEARCHER_PHONE not in _text(client.http.get(url, headers=as_enterprise))
    as_broker = _auth(make_token(broker, "read write"))
    assert client.http.post(f"{url}/outcome", json={"outcome": "deal"}, headers=as_broker).status_code == 409

    agreed = client.http.post(
        f"{url}/consent", json={"answer": "accepted", "message": "可来校洽谈"}, headers=as_researcher
    )
    assert agreed.status_code == 200, agreed.get_data(as_text=True)
    _conforms(client, agreed, "IntroductionOut")
    body = agreed.get_json()
    assert body["achievement_answer"]["answer"] == "accepted" and body["achievement_answer"]["message"] == "可来校洽谈"
    assert body["consent"] == ["waiting_need"] and SECRET_PHONE not in _text(agreed)
    theirs = client.http.get(url, headers=as_enterprise).get_json()
    assert theirs["achievement_answer"]["answer"] == "accepted" and theirs["achievement_answer"]["message"] is None
    again = client.http.post(f"{url}/consent", json={"answer": "accepted"}, headers=as_researcher)
    assert again.status_code == 409

    both = client.http.post(f"{url}/consent", json={"answer": "accepted"}, headers=as_enterprise).get_json()
    assert both["agreed"] is True and both["achievement"]["contact_phone"] == RESEARCHER_PHONE
    now = client.http.get(url, headers=as_researcher).get_json()
    assert now["need"]["poster"] == SECRET_ORG and now["need"]["contact_phone"] == SECRET_PHONE
    assert now["consent"] == ["agreed"] and now["may_answer"] is False
    actions = query(
        lambda s: sorted(s.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_type == "introductions")))
    )
    assert actions == ["match.consent.accept", "match.consent.accept"]


def test_only_the_owners_answer_and_a_decline_names_its_reason(client, query, make_org, make_user, make_token):
    enterprise, researcher, broker, intro = _cast(query, make_org, make_user)
    url = f"/api/v1/introductions/{intro}/consent"
    assert (
        client.http.post(url, json={"answer": "accepted"}, headers=_auth(make_token(broker, "read write"))).status_code
        == 403
    )
    admin = make_token(make_user("admin"), "read write")
    assert client.http.post(url, json={"answer": "accepted"}, headers=_auth(admin)).status_code == 403
    stranger = make_token(make_user("researcher"), "read write")
    assert client.http.post(url, json={"answer": "accepted"}, headers=_auth(stranger)).status_code == 404
    assert client.http.post(url, json={"answer": "accepted"}).status_code == 401

    as_enterprise = _auth(make_token(enterprise, "read write"))
    for body in ({}, {"answer": "maybe"}, {"answer": "declined"}, {"answer": "declined", "reason": "other"}):
        assert client.http.post(url, json=body, headers=as_enterprise).status_code == 422, body
    assert query(lambda s: s.get(Introduction, intro).need_answer) is None

    declined = client.http.post(
        url, json={"answer": "declined", "reason": "existing", "message": "已有合作单位"}, headers=as_enterprise
    )
    assert declined.status_code == 200, declined.get_data(as_text=True)
    assert declined.get_json()["decline_reason"] == "existing" and declined.get_json()["outcome"] == "no_deal"
    stored = query(lambda s: s.get(Introduction, intro))
    assert (stored.need_answer, stored.decline_reason, stored.outcome) == (
        ConsentAnswer.DECLINED,
        RejectReason.EXISTING,
        IntroductionOutcome.NO_DEAL,
    )
    as_researcher = _auth(make_token(researcher, "read write"))
    seen = client.http.get(f"/api/v1/introductions/{intro}", headers=as_researcher)
    assert "已有合作单位" not in _text(seen) and SECRET_ORG not in _text(seen)
    assert client.http.post(url, json={"answer": "accepted"}, headers=as_researcher).status_code == 409

    def listed(consent: str) -> list[int]:
        return _all_pages(client, f"/api/v1/introductions?consent={consent}", make_token(broker))

    assert listed("declined") == [intro] and listed("waiting_achievement") == [] and listed("agreed") == []
    assert client.http.get("/api/v1/introductions?consent=nope", headers=_auth(make_token(broker))).status_code == 422
