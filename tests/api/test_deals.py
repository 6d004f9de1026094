"""The deal ledger through the API, as the deal pages show and change it: who sees a deal (those
named on it; anyone else gets 404), who may change it (its broker and admins; the parties get 403),
the steps a deal's state allows (409 otherwise), the forms' messages per field (422), the totals,
the turnover and the audit events; and a de-identified enterprise's name and phone never reach a
caller without the right."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from webapp.accounts.models import OrgKind, User
from webapp.core.audit import AuditEvent
from webapp.deals import opening, services, turnover
from webapp.deals.models import ContractType, Deal, LedgerRevision, Payment
from webapp.extensions import db

WAN = 10_000


def _auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


@pytest.fixture
def w(make_user, make_org, make_token):
    """An agency's broker, the two sides' contacts and people who are named on no deal, each with a
    read-and-write token."""
    uid = uuid.uuid4().hex[:6]
    agency = make_org(OrgKind.AGENCY, name=f"滨海技术转移中心{uid}")
    enterprise_org = make_org(OrgKind.ENTERPRISE, name=f"津南储能科技有限公司{uid}", address="天津市津南区")
    university = make_org(OrgKind.UNIVERSITY, name=f"天津大学{uid}")
    people = SimpleNamespace(
        uid=uid,
        agency=agency,
        enterprise_org=enterprise_org,
        university=university,
        broker=make_user("broker", organisation_id=agency.id, name=f"张经纪{uid}"),
        agency_colleague=make_user("broker", organisation_id=agency.id),
        other_broker=make_user("broker"),
        admin=make_user("admin"),
        enterprise=make_user("enterprise", organisation_id=enterprise_org.id),
        researcher=make_user("researcher", organisation_id=university.id),
        university_colleague=make_user("researcher", organisation_id=university.id),
        stranger=make_user("enterprise"),
    )
    people.token = {
        name: make_token(getattr(people, name), "read write")
        for name in (
            "broker",
            "agency_colleague",
            "other_broker",
            "admin",
            "enterprise",
            "researcher",
            "university_colleague",
            "stranger",
        )
    }
    return people


def open_deal(app, w, *, value=100 * WAN, signed_on: date | None = None, title: str | None = None) -> int:
    """A deal opened directly by the broker between the enterprise and the university."""
    with app.app_context(), force_locale("en"):
        broker = db.session.get(User, w.broker.id)
        deal = opening.create_direct(
            broker,
            title=title or f"储能电池液冷技术开发{w.uid}",
            parties=opening.Parties(
                need_party=w.enterprise_org.name,
                need_org_id=w.enterprise_org.id,
                need_user_id=w.enterprise.id,
                provider_party=w.university.name,
                provider_org_id=w.university.id,
                provider_user_id=w.researcher.id,
            ),
            contract_type=ContractType.DEVELOPMENT,
            contract_value=value,
        )
        if signed_on is not None:
            services.sign(broker, deal, signed_on)
        db.session.commit()
        return deal.id


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_those_named_on_a_deal_see_it_anyone_else_gets_404(app, client, w):
    deal_id = open_deal(app, w)
    url = f"/api/v1/deals/{deal_id}"
    for name in ("broker", "agency_colleague", "admin", "enterprise", "researcher"):
        response = client.http.get(url, headers=_auth(w.token[name]))
        assert response.status_code == 200, name
        body = response.get_json()
        assert body["need_party"] == {"name": w.enterprise_org.name, "organisation_id": w.enterprise_org.id}
        assert body["contract_value"] == {"yuan": 100 * WAN, "text": "100 万元"}
        assert body["can_manage"] is (name in ("broker", "admin"))
        assert deal_id in _ids(client.http.get("/api/v1/deals", headers=_auth(w.token[name])))
    # Members of a party's organisation who are not named on it, and other brokers: nothing.
    for name in ("other_broker", "university_colleague", "stranger"):
        assert client.http.get(url, headers=_auth(w.token[name])).status_code == 404, name
        assert client.http.get(f"{url}/payments", headers=_auth(w.token[name])).status_code == 404
        assert deal_id not in _ids(client.http.get("/api/v1/deals", headers=_auth(w.token[name])))
    english = client.http.get(url, headers=_auth(w.token["researcher"], **{"Accept-Language": "en"})).get_json()
    assert english["contract_value"]["text"] == "¥1M" and english["state_label"] == "Negotiating"
    assert client.http.get(url).status_code == 401
    assert client.http.get("/api/v1/deals").status_code == 401
    assert client.http.get("/api/v1/deals/4294967296", headers=_auth(w.token["admin"])).status_code == 404


def test_the_list_is_newest_first_with_the_pages_filters_and_a_cursor(app, client, w):
    first = open_deal(app, w, title=f"液冷板开发{w.uid}")
    second = open_deal(app, w, title=f"电池回收许可{w.uid}", signed_on=date(2025, 3, 1))
    headers = _auth(w.token["broker"])
    assert _ids(client.http.get("/api/v1/deals", query_string={"q": w.uid}, headers=headers)) == [second, first]
    signed = client.http.get("/api/v1/deals", query_string={"q": w.uid, "state": "signed"}, headers=headers)
    assert _ids(signed) == [second]
    period = {"q": w.uid, "signed_from": "2025-03-01", "signed_to": "2025-03-31"}
    assert _ids(client.http.get("/api/v1/deals", query_string=period, headers=headers)) == [second]
    page = client.http.get("/api/v1/deals", query_string={"q": w.uid, "limit": 1}, headers=headers).get_json()
    assert [item["id"] for item in page["items"]] == [second] and page["next_cursor"]
    rest = client.http.get(
        "/api/v1/deals", query_string={"q": w.uid, "limit": 1, "cursor": page["next_cursor"]}, headers=headers
    ).get_json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next_cursor"] is None
    too_many = client.http.get("/api/v1/deals", query_string={"limit": 101}, headers=headers)
    assert too_many.status_code == 422


def test_a_broker_takes_a_deal_to_paying_and_the_ledger_follows(app, client, query, w, freeze_clock):
    today = freeze_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # already 2 March in Beijing
    assert today == date(2026, 3, 2)
    deal_id = open_deal(app, w, value=125_000)
    url, headers = f"/api/v1/deals/{deal_id}", _auth(w.token["broker"], **{"Accept-Language": "zh-CN"})
    signed = client.http.post(f"{url}/sign", json={"signed_on": "2026-03-01"}, headers=headers)
    assert signed.status_code == 200 and signed.get_json()["state"] == "signed"
    schedule = {"instalments": [{"due_on": "2026-03-01", "amount": "5"}, {"due_on": "2026-06-01", "amount": "7.5"}]}
    assert client.http.put(f"{url}/schedule", json=schedule, headers=headers).status_code == 200

    received_before = query(lambda s: turnover.turnover(today, today).received)
    revision_before = query(lambda s: s.get(LedgerRevision, 1).number)
    paid = client.http.post(
        f"{url}/payments",
        json={"received_on": today.isoformat(), "amount": "5", "evidence": "银行回单 0001"},
        headers=headers,
    )
    assert paid.status_code == 201, paid.get_data(as_text=True)
    assert paid.headers["Location"].endswith(f"{url}/payments")
    body = paid.get_json()
    assert (body["state"], body["state_label"]) == ("paying", "到账中")
    assert body["received"] == {"yuan": 50_000, "text": "5 万元"}
    assert body["remaining"] == {"yuan": 75_000, "text": "7.5 万元"}
    assert body["percent_received"] == 40
    assert [line["status"] for line in body["schedule"]] == ["paid", "due"]
    assert [(p["received_on"], p["amount"]["yuan"], p["evidence"]) for p in body["payments"]] == [
        (today.isoformat(), 50_000, "银行回单 0001")
    ]
    assert [event["action"] for event in body["history"]] == [
        "deal.create",
        "deal.sign",
        "deal.schedule",
        "deal.payment",
    ]
    assert body["history"][-1]["detail"] == "5 万元" and body["history"][-1]["actor"] == w.broker.name

    # The ledger: the money received, the turnover of the day and the dashboard's version.
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 50_000
    assert query(lambda s: turnover.turnover(today, today).received) == received_before + 50_000
    assert query(lambda s: s.get(LedgerRevision, 1).number) == revision_before + 1
    events = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.after).where(AuditEvent.action == "deal.payment", AuditEvent.object_id == deal_id)
        ).all()
    )
    assert [(e["amount"], e["received_total"], e["state"]) for e in events] == [(50_000, 50_000, "paying")]
    actor = query(
        lambda s: s.scalar(
            sa.select(AuditEvent.actor_id).where(AuditEvent.action == "deal.payment", AuditEvent.object_id == deal_id)
        )
    )
    assert actor == w.broker.id

    # A party reads the same totals and the payments list.
    listed = client.http.get(f"{url}/payments", headers=_auth(w.token["researcher"])).get_json()
    assert [p["amount"]["yuan"] for p in listed["items"]] == [50_000]
    assert listed["received"]["yuan"] == 50_000 and listed["next_cursor"] is None


def test_parties_and_read_tokens_cannot_record_payments(app, client, query, w, make_token):
    deal_id = open_deal(app, w, signed_on=date(2025, 3, 1))
    payment = {"received_on": "2025-04-02", "amount": "1"}
    for name in ("researcher", "enterprise"):
        response = client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(w.token[name]))
        assert response.status_code == 403, name
        assert (
            client.http.post(
                f"/api/v1/deals/{deal_id}/sign", json={"signed_on": "2025-03-01"}, headers=_auth(w.token[name])
            ).status_code
            == 403
        )
    # The broker's agency colleague sees the deal but does not keep it.
    colleague = client.http.post(
        f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(w.token["agency_colleague"])
    )
    assert colleague.status_code == 403
    stranger = client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(w.token["stranger"]))
    assert stranger.status_code == 404
    read_only = make_token(w.broker, "read")
    assert (
        client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(read_only)).status_code == 403
    )
    assert client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment).status_code == 401
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.deal_id == deal_id))) == 0


def test_invalid_dates_and_amounts_come_back_with_the_pages_messages(app, client, query, w, freeze_clock):
    tomorrow = freeze_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) + timedelta(days=1)  # 3 March in Beijing
    deal_id = open_deal(app, w, value=10 * WAN, signed_on=date(2026, 2, 1))
    url, headers = f"/api/v1/deals/{deal_id}/payments", _auth(w.token["broker"])

    def refused(payment, field, language="en"):
        response = client.http.post(url, json=payment, headers={**headers, "Accept-Language": language})
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        errors = response.get_json()["errors"]["json"]
        assert list(errors) == [field], errors
        return errors[field][0]

    assert refused({"received_on": tomorrow.isoformat(), "amount": "1"}, "received_on") == (
        "The date received cannot be in the future."
    )
    assert (
        refused({"received_on": tomorrow.isoformat(), "amount": "1"}, "received_on", "zh-CN")
        == "到账日期不能晚于今天。"
    )
    assert "before the contract was signed" in refused({"received_on": "2026-01-31", "amount": "1"}, "received_on")
    assert "at most four decimal places" in refused({"received_on": "2026-03-02", "amount": "1.123456"}, "amount")
    assert refused({"received_on": "2026-03-02", "amount": "1-2"}, "amount") == "Give one amount, not a range."
    assert refused({"received_on": "2026-03-02", "amount": "0"}, "amount") == "The amount must be more than zero."
    over = refused({"received_on": "2026-03-02", "amount": "11"}, "amount")
    assert "is more than the" in over and "still to be received" in over
    assert client.http.post(url, json={"received_on": "2026-03-02", "amount": "1"}, headers=headers).status_code == 201
    future_sign = open_deal(app, w)
    response = client.http.post(
        f"/api/v1/deals/{future_sign}/sign", json={"signed_on": tomorrow.isoformat()}, headers=headers
    )
    assert response.status_code == 422 and "signed_on" in response.get_json()["errors"]["json"]
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 10_000
    assert query(lambda s: s.get(Deal, future_sign).signed_on) is None


def test_steps_the_deals_state_does_not_allow_are_conflicts(app, client, query, w):
    headers = _auth(w.token["broker"], **{"Accept-Language": "en"})
    negotiating = open_deal(app, w)
    payment = {"received_on": "2025-04-02", "amount": "1"}
    unsigned = client.http.post(f"/api/v1/deals/{negotiating}/payments", json=payment, headers=headers)
    assert unsigned.status_code == 409 and "signed contracts only" in unsigned.get_json()["detail"]
    assert (
        client.http.post(
            f"/api/v1/deals/{negotiating}/register",
            json={"registration_no": f"2025120{w.uid}", "registered_on": "2025-03-10"},
            headers=headers,
        ).status_code
        == 409
    )

    cancelled = open_deal(app, w, signed_on=date(2025, 3, 1))
    blank = client.http.post(f"/api/v1/deals/{cancelled}/cancel", json={"reason": "  "}, headers=headers)
    assert blank.status_code == 422 and "reason" in blank.get_json()["errors"]["json"]
    done = client.http.post(f"/api/v1/deals/{cancelled}/cancel", json={"reason": "双方协商解除"}, headers=headers)
    assert done.status_code == 200 and done.get_json()["state"] == "cancelled"
    late = client.http.post(f"/api/v1/deals/{cancelled}/payments", json=payment, headers=headers)
    assert late.status_code == 409 and late.get_json()["detail"] == "This deal was cancelled."
    assert (
        client.http.post(f"/api/v1/deals/{cancelled}/cancel", json={"reason": "再次"}, headers=headers).status_code
        == 409
    )

    paid = open_deal(app, w, value=WAN, signed_on=date(2025, 3, 1))
    assert client.http.post(f"/api/v1/deals/{paid}/payments", json=payment, headers=headers).status_code == 201
    again = client.http.post(f"/api/v1/deals/{paid}/payments", json=payment, headers=headers)
    assert again.status_code == 409 and again.get_json()["detail"] == "This deal is paid in full."
    assert (
        client.http.post(f"/api/v1/deals/{paid}/sign", json={"signed_on": "2025-03-01"}, headers=headers).status_code
        == 409
    )
    assert query(lambda s: (s.get(Deal, cancelled).received_total, s.get(Deal, paid).received_total)) == (0, WAN)


def _introduction(app, w, need_fields: dict | None = None) -> int:
    """An introduction the broker made between the enterprise's need and the researcher's achievement."""
    from tests.listings.search_factory import make_listing
    from webapp.matching import services as matching
    from webapp.matching.models import Suggestion

    with app.app_context():
        achievement = make_listing(
            db.session,
            "a",
            owner_id=w.researcher.id,
            title=f"锂电池液冷热管理{w.uid}",
            organisation_id=w.university.id,
        )
        need = make_listing(
            db.session,
            "n",
            owner_id=w.enterprise.id,
            organisation_id=w.enterprise_org.id,
            title=f"电池包温升控制{w.uid}",
            **(need_fields or {}),
        )
        suggestion = Suggestion(need_id=need.id, achievement_id=achievement.id, score=80, parts={}, terms=["液冷"])
        db.session.add(suggestion)
        db.session.flush()
        with force_locale("en"):
            intro = matching.accept(suggestion, db.session.get(User, w.broker.id), "双方已初步沟通")
        db.session.commit()
        return intro.id


def test_a_broker_opens_a_deal_from_their_introduction_once(app, client, query, w):
    from webapp.matching.models import Introduction, IntroductionOutcome

    intro_id = _introduction(app, w)
    body = {"introduction": intro_id, "contract_type": "transfer", "contract_value": "80"}
    # Only brokers and admins open deals.
    for name in ("researcher", "enterprise"):
        assert client.http.post("/api/v1/deals", json=body, headers=_auth(w.token[name])).status_code == 403
    # Another broker's introduction is not theirs to know of.
    foreign = client.http.post("/api/v1/deals", json=body, headers=_auth(w.token["other_broker"]))
    assert foreign.status_code == 422 and list(foreign.get_json()["errors"]["json"]) == ["introduction"]
    bad = client.http.post("/api/v1/deals", json=body | {"contract_value": "八十"}, headers=_auth(w.token["broker"]))
    assert bad.status_code == 422 and list(bad.get_json()["errors"]["json"]) == ["contract_value"]

    created = client.http.post("/api/v1/deals", json=body, headers=_auth(w.token["broker"]))
    assert created.status_code == 201, created.get_data(as_text=True)
    deal = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/deals/{deal['id']}")
    assert (deal["state"], deal["introduction_id"], deal["title"]) == (
        "negotiating",
        intro_id,
        f"锂电池液冷热管理{w.uid}",
    )
    assert deal["contract_value"]["yuan"] == 80 * WAN and deal["broker"]["id"] == w.broker.id
    assert deal["agency"] == {"id": w.agency.id, "name": w.agency.name}
    assert deal["need_party"]["name"] == w.enterprise_org.name and deal["provider_party"]["name"] == w.university.name
    assert query(lambda s: s.get(Introduction, intro_id).outcome) is IntroductionOutcome.DEAL
    assert [e["action"] for e in deal["history"]] == ["deal.create"]
    # The parties now see it; a second deal from the same introduction is a conflict.
    assert client.http.get(f"/api/v1/deals/{deal['id']}", headers=_auth(w.token["enterprise"])).status_code == 200
    again = client.http.post("/api/v1/deals", json=body, headers=_auth(w.token["broker"], **{"Accept-Language": "en"}))
    assert again.status_code == 409 and again.get_json()["detail"] == "This introduction already has its deal."


def test_a_direct_deal_checks_its_sides_as_the_form_does(client, query, w):
    headers = _auth(w.token["broker"], **{"Accept-Language": "en"})
    body = {
        "title": f"储能电池液冷技术开发{w.uid}",
        "need_organisation": w.enterprise_org.id,
        "need_contact": w.stranger.email,  # not of the enterprise chosen
        "provider_organisation": w.enterprise_org.id + 10_000,
        "contract_type": "development",
        "contract_value": "12.123456",
    }
    refused = client.http.post("/api/v1/deals", json=body, headers=headers)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]["json"]
    assert set(errors) == {"need_contact", "provider_organisation", "contract_value"}
    assert "is not a member of the organisation chosen for this side" in errors["need_contact"][0]
    fixed = body | {
        "need_contact": w.enterprise.email,
        "provider_organisation": w.university.id,
        "provider_contact": w.researcher.email.upper(),
        "contract_value": "12.5",
    }
    created = client.http.post("/api/v1/deals", json=fixed, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    deal_id = created.get_json()["id"]
    stored = query(lambda s: s.get(Deal, deal_id))
    assert (stored.contract_value, stored.need_user_id, stored.provider_user_id, stored.created_by_id) == (
        125_000,
        w.enterprise.id,
        w.researcher.id,
        w.broker.id,
    )
    actions = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == deal_id, AuditEvent.object_type == "deals")
        ).all()
    )
    assert actions == ["deal.create"]
    # A broker is credited themselves: naming another broker is an admin's choice.
    other = client.http.post("/api/v1/deals", json=fixed | {"broker": w.other_broker.id}, headers=headers)
    assert other.status_code == 403
    by_admin = client.http.post(
        "/api/v1/deals", json=fixed | {"broker": w.other_broker.id}, headers=_auth(w.token["admin"])
    )
    assert by_admin.status_code == 201 and by_admin.get_json()["broker"]["id"] == w.other_broker.id


def test_a_de_identified_enterprise_never_reaches_a_caller_without_the_right(app, client, query, w, make_user):
    """The enterprise posts its need de-identified; its name, contact person and phone reach only
    those named on the deal (who know it from the introduction), never anyone else through any
    operation, nor its contact person and phone through the deal at all."""
    secret_person, secret_phone = f"隐名联系人{w.uid}", "139" + str(uuid.uuid4().int)[:8]

    def hide(session):
        session.get(User, w.enterprise.id).name = secret_person
        session.get(User, w.enterprise.id).phone = secret_phone
        session.commit()

    query(hide)
    intro_id = _introduction(app, w, {"contact_name": secret_person, "contact_phone": secret_phone})
    broker = _auth(w.token["broker"])
    deal = client.http.post(
        "/api/v1/deals",
        json={"introduction": intro_id, "contract_type": "licence", "contract_value": "30"},
        headers=broker,
    ).get_json()
    url = f"/api/v1/deals/{deal['id']}"
    client.http.post(f"{url}/sign", json={"signed_on": "2025-03-01"}, headers=broker)
    client.http.post(f"{url}/payments", json={"received_on": "2025-04-01", "amount": "3"}, headers=broker)

    def responses(headers: dict) -> str:
        texts = [
            client.http.get(path, headers=headers).get_data(as_text=True)
            for path in (url, f"{url}/payments", "/api/v1/deals", f"/api/v1/deals?q={w.uid}")
        ]
        texts.append(
            client.http.post(
                f"{url}/payments", json={"received_on": "2025-04-02", "amount": "1"}, headers=headers
            ).get_data(as_text=True)
        )
        return "\n".join(texts)

    for name in ("other_broker", "university_colleague", "stranger"):
        seen = responses(_auth(w.token[name]))
        assert w.enterprise_org.name not in seen and secret_person not in seen and secret_phone not in seen, name
    anonymous = responses({})
    assert w.enterprise_org.name not in anonymous and secret_phone not in anonymous
    # Those named on the deal see the sides' names, as on its page, but never the contact's phone.
    for name in ("researcher", "broker"):
        seen = responses(_auth(w.token[name]))
        assert w.enterprise_org.name in seen and secret_person not in seen and secret_phone not in seen, name
