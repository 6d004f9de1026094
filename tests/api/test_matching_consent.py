"""The two owners' answers to an introduction through the API, as on its page: who may answer, what
each side sees of the other before and after both agreed, declines and the list's filter."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.test_matching import _all_pages, _auth, _conforms, _text
from tests.matching.consent_helpers import hidden_enterprise_introduction, imported_need_introduction
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


IMPORTED_ORG = "接口导入保密铸件有限公司"
IMPORTED_CONTACT = "王经理"
IMPORTED_PHONE = "13700002222"
CALLED = "2026-12-03 电话联系王经理，同意对接"


def test_the_broker_records_the_answer_of_an_enterprise_without_an_account(client, query, make_user, make_token):
    researcher, broker, intro = imported_need_introduction(
        query,
        make_user,
        org=IMPORTED_ORG,
        contact=IMPORTED_CONTACT,
        phone=IMPORTED_PHONE,
        researcher={"name": "冯研究员", "phone": RESEARCHER_PHONE},
    )
    as_researcher = _auth(make_token(researcher, "read write"))
    as_broker = _auth(make_token(broker, "read write"))
    url = f"/api/v1/introductions/{intro}"
    assert client.http.post(f"{url}/consent", json={"answer": "accepted"}, headers=as_researcher).status_code == 200
    seen = client.http.get(url, headers=as_researcher)
    for secret in (IMPORTED_ORG, IMPORTED_CONTACT, IMPORTED_PHONE):
        assert secret not in _text(seen)

    # Without `side` a broker answers nobody's side; the owned side is never answered for.
    assert client.http.post(f"{url}/consent", json={"answer": "accepted"}, headers=as_broker).status_code == 403
    owned = {"answer": "accepted", "side": "achievement", "message": CALLED}
    assert client.http.post(f"{url}/consent", json=owned, headers=as_broker).status_code == 403
    other = _auth(make_token(make_user("broker"), "read write"))
    on_behalf = {"answer": "accepted", "side": "need", "message": CALLED}
    # Another broker does not see the introduction at all (404, as the API hides what one may not read).
    assert client.http.post(f"{url}/consent", json=on_behalf, headers=other).status_code == 404
    assert client.http.post(f"{url}/consent", json=on_behalf, headers=as_researcher).status_code == 403
    for missing in ({"answer": "accepted", "side": "need"}, {"answer": "accepted", "side": "need", "message": " "}):
        assert client.http.post(f"{url}/consent", json=missing, headers=as_broker).status_code == 422
    assert client.http.post(f"{url}/consent", json={**on_behalf, "side": "x"}, headers=as_broker).status_code == 422
    assert query(lambda s: s.get(Introduction, intro).need_answer) is None

    done = client.http.post(f"{url}/consent", json=on_behalf, headers=as_broker)
    assert done.status_code == 200, done.get_data(as_text=True)
    _conforms(client, done, "IntroductionOut")
    body = done.get_json()
    assert body["agreed"] is True and body["need_answer"]["recorded_by"] == broker.name
    assert body["need_answer"]["message"] == CALLED and body["achievement_answer"]["recorded_by"] is None
    now = client.http.get(url, headers=as_researcher).get_json()
    assert now["need"]["contact_name"] == IMPORTED_CONTACT and now["need"]["contact_phone"] == IMPORTED_PHONE
    assert now["need_answer"]["message"] == CALLED
    assert client.http.get(f"/api/v1/rooms/{intro}", headers=as_researcher).status_code == 200
    assert client.http.post(f"{url}/consent", json=on_behalf, headers=as_broker).status_code == 409
    events = query(
        lambda s: [
            (e.actor_id, (e.after or {}).get("on_behalf"))
            for e in s.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == "match.consent.accept").order_by(AuditEvent.id)
            )
        ]
    )
    assert events == [(researcher.id, None), (broker.id, True)]


def test_a_decline_recorded_on_behalf_closes_it_as_no_deal(client, query, make_user, make_token):
    researcher, _broker, intro = imported_need_introduction(
        query, make_user, org=IMPORTED_ORG, contact=IMPORTED_CONTACT, phone=IMPORTED_PHONE, researcher={}
    )
    admin = _auth(make_token(make_user("admin"), "read write"))
    url = f"/api/v1/introductions/{intro}/consent"
    note = "上门拜访：已有合作单位"
    no_reason = {"answer": "declined", "side": "need", "message": note}
    assert client.http.post(url, json=no_reason, headers=admin).status_code == 422
    declined = client.http.post(url, json={**no_reason, "reason": "existing"}, headers=admin)
    assert declined.status_code == 200, declined.get_data(as_text=True)
    assert declined.get_json()["outcome"] == "no_deal" and declined.get_json()["decline_reason"] == "existing"
    seen = client.http.get(f"/api/v1/introductions/{intro}", headers=_auth(make_token(researcher, "read write")))
    assert note not in _text(seen) and IMPORTED_ORG not in _text(seen) and IMPORTED_PHONE not in _text(seen)


def test_an_introduction_names_the_sides_its_caller_may_answer(client, query, make_org, make_user, make_token):
    researcher, broker, intro = imported_need_introduction(
        query, make_user, org=IMPORTED_ORG, contact=IMPORTED_CONTACT, phone=IMPORTED_PHONE, researcher={}
    )
    url = f"/api/v1/introductions/{intro}"
    as_researcher = _auth(make_token(researcher, "read write"))
    as_broker = _auth(make_token(broker, "read write"))
    as_admin = _auth(make_token(make_user("admin"), "read write"))

    def sides(headers) -> list[str]:
        response = client.http.get(url, headers=headers)
        _conforms(client, response, "IntroductionOut")
        return response.get_json()["may_answer_sides"]

    # The researcher answers their own side; the broker and admins the need imported without an owner.
    assert sides(as_researcher) == ["achievement"]
    assert sides(as_broker) == ["need"] and sides(as_admin) == ["need"]
    listed = client.http.get("/api/v1/introductions", headers=as_broker)
    _conforms(client, listed, "IntroductionPage")
    assert [(i["id"], i["may_answer_sides"]) for i in listed.get_json()["items"]] == [(intro, ["need"])]

    on_behalf = {"answer": "accepted", "side": "need", "message": CALLED}
    recorded = client.http.post(f"{url}/consent", json=on_behalf, headers=as_broker)
    assert recorded.status_code == 200 and recorded.get_json()["may_answer_sides"] == []
    assert sides(as_admin) == [] and sides(as_researcher) == ["achievement"]
    answered = client.http.post(f"{url}/consent", json={"answer": "accepted"}, headers=as_researcher)
    assert answered.status_code == 200 and answered.get_json()["may_answer_sides"] == []

    # On an introduction whose two sides have owners, only they answer: brokers and admins see none.
    enterprise, owner, other_broker, owned = _cast(query, make_org, make_user)
    url = f"/api/v1/introductions/{owned}"
    assert sides(_auth(make_token(enterprise, "read write"))) == ["need"]
    assert sides(_auth(make_token(owner, "read write"))) == ["achievement"]
    assert sides(_auth(make_token(other_broker, "read write"))) == [] and sides(as_admin) == []
