"""The deal ledger through the API, as the deal pages show and change it: who sees a deal (those
named on it; anyone else gets 404), who may change it (its broker and admins; the parties get 403),
the steps a deal's state allows (409 otherwise), the forms' messages per field (422), the totals,
the turnover and the audit events; and a de-identified enterprise's name and phone never reach a
caller without the right."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from tests.api.deals_factory import WAN, open_deal
from tests.api.deals_factory import auth as _auth
from webapp.core.audit import AuditEvent
from webapp.deals import turnover
from webapp.deals.models import Deal, LedgerRevision, Payment


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def test_those_named_on_a_deal_see_it_anyone_else_gets_404(app, client, cast):
    deal_id = open_deal(app, cast)
    url = f"/api/v1/deals/{deal_id}"
    for name in ("broker", "agency_colleague", "admin", "enterprise", "researcher"):
        response = client.http.get(url, headers=_auth(cast.token[name]))
        assert response.status_code == 200, name
        body = response.get_json()
        assert body["need_party"] == {"name": cast.enterprise_org.name, "organisation_id": cast.enterprise_org.id}
        assert body["contract_value"] == {"yuan": 100 * WAN, "text": "100 万元"}
        assert body["can_manage"] is (name in ("broker", "admin"))
        assert deal_id in _ids(client.http.get("/api/v1/deals", headers=_auth(cast.token[name])))
    # Members of a party's organisation who are not named on it, and other brokers: nothing.
    for name in ("other_broker", "university_colleague", "stranger"):
        assert client.http.get(url, headers=_auth(cast.token[name])).status_code == 404, name
        assert client.http.get(f"{url}/payments", headers=_auth(cast.token[name])).status_code == 404
        assert deal_id not in _ids(client.http.get("/api/v1/deals", headers=_auth(cast.token[name])))
    english = client.http.get(url, headers=_auth(cast.token["researcher"], **{"Accept-Language": "en"})).get_json()
    assert english["contract_value"]["text"] == "¥1M" and english["state_label"] == "Negotiating"
    assert client.http.get(url).status_code == 401
    assert client.http.get("/api/v1/deals").status_code == 401
    assert client.http.get("/api/v1/deals/4294967296", headers=_auth(cast.token["admin"])).status_code == 404


def test_the_list_is_newest_first_with_the_pages_filters_and_a_cursor(app, client, cast):
    first = open_deal(app, cast, title=f"液冷板开发{cast.uid}")
    second = open_deal(app, cast, title=f"电池回收许可{cast.uid}", signed_on=date(2025, 3, 1))
    headers = _auth(cast.token["broker"])
    assert _ids(client.http.get("/api/v1/deals", query_string={"q": cast.uid}, headers=headers)) == [second, first]
    signed = client.http.get("/api/v1/deals", query_string={"q": cast.uid, "state": "signed"}, headers=headers)
    assert _ids(signed) == [second]
    period = {"q": cast.uid, "signed_from": "2025-03-01", "signed_to": "2025-03-31"}
    assert _ids(client.http.get("/api/v1/deals", query_string=period, headers=headers)) == [second]
    page = client.http.get("/api/v1/deals", query_string={"q": cast.uid, "limit": 1}, headers=headers).get_json()
    assert [item["id"] for item in page["items"]] == [second] and page["next_cursor"]
    rest = client.http.get(
        "/api/v1/deals", query_string={"q": cast.uid, "limit": 1, "cursor": page["next_cursor"]}, headers=headers
    ).get_json()
    assert [item["id"] for item in rest["items"]] == [first] and rest["next_cursor"] is None
    too_many = client.http.get("/api/v1/deals", query_string={"limit": 101}, headers=headers)
    assert too_many.status_code == 422


def test_a_broker_takes_a_deal_to_paying_and_the_ledger_follows(app, client, query, cast, freeze_clock):
    today = freeze_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # already 2 March in Beijing
    assert today == date(2026, 3, 2)
    deal_id = open_deal(app, cast, value=125_000)
    url, headers = f"/api/v1/deals/{deal_id}", _auth(cast.token["broker"], **{"Accept-Language": "zh-CN"})
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
    assert body["history"][-1]["detail"] == "5 万元" and body["history"][-1]["actor"] == cast.broker.name

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
    assert actor == cast.broker.id

    # A party reads the same totals and the payments list.
    listed = client.http.get(f"{url}/payments", headers=_auth(cast.token["researcher"])).get_json()
    assert [p["amount"]["yuan"] for p in listed["items"]] == [50_000]
    assert listed["received"]["yuan"] == 50_000 and listed["next_cursor"] is None


def test_parties_and_read_tokens_cannot_record_payments(app, client, query, cast, make_token):
    deal_id = open_deal(app, cast, signed_on=date(2025, 3, 1))
    payment = {"received_on": "2025-04-02", "amount": "1"}
    for name in ("researcher", "enterprise"):
        response = client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(cast.token[name]))
        assert response.status_code == 403, name
        assert (
            client.http.post(
                f"/api/v1/deals/{deal_id}/sign", json={"signed_on": "2025-03-01"}, headers=_auth(cast.token[name])
            ).status_code
            == 403
        )
    # The broker's agency colleague sees the deal but does not keep it.
    colleague = client.http.post(
        f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(cast.token["agency_colleague"])
    )
    assert colleague.status_code == 403
    stranger = client.http.post(
        f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(cast.token["stranger"])
    )
    assert stranger.status_code == 404
    read_only = make_token(cast.broker, "read")
    assert (
        client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment, headers=_auth(read_only)).status_code == 403
    )
    assert client.http.post(f"/api/v1/deals/{deal_id}/payments", json=payment).status_code == 401
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.deal_id == deal_id))) == 0


def test_invalid_dates_and_amounts_come_back_with_the_pages_messages(app, client, query, cast, freeze_clock):
    tomorrow = freeze_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) + timedelta(days=1)  # 3 March in Beijing
    deal_id = open_deal(app, cast, value=10 * WAN, signed_on=date(2026, 2, 1))
    url, headers = f"/api/v1/deals/{deal_id}/payments", _auth(cast.token["broker"])

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
    future_sign = open_deal(app, cast)
    response = client.http.post(
        f"/api/v1/deals/{future_sign}/sign", json={"signed_on": tomorrow.isoformat()}, headers=headers
    )
    assert response.status_code == 422 and "signed_on" in response.get_json()["errors"]["json"]
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 10_000
    assert query(lambda s: s.get(Deal, future_sign).signed_on) is None


def test_steps_the_deals_state_does_not_allow_are_conflicts(app, client, query, cast):
    headers = _auth(cast.token["broker"], **{"Accept-Language": "en"})
    negotiating = open_deal(app, cast)
    payment = {"received_on": "2025-04-02", "amount": "1"}
    unsigned = client.http.post(f"/api/v1/deals/{negotiating}/payments", json=payment, headers=headers)
    assert unsigned.status_code == 409 and "signed contracts only" in unsigned.get_json()["detail"]
    assert (
        client.http.post(
            f"/api/v1/deals/{negotiating}/register",
            json={"registration_no": f"2025120{cast.uid}", "registered_on": "2025-03-10"},
            headers=headers,
        ).status_code
        == 409
    )

    cancelled = open_deal(app, cast, signed_on=date(2025, 3, 1))
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

    paid = open_deal(app, cast, value=WAN, signed_on=date(2025, 3, 1))
    assert client.http.post(f"/api/v1/deals/{paid}/payments", json=payment, headers=headers).status_code == 201
    again = client.http.post(f"/api/v1/deals/{paid}/payments", json=payment, headers=headers)
    assert again.status_code == 409 and again.get_json()["detail"] == "This deal is paid in full."
    assert (
        client.http.post(f"/api/v1/deals/{paid}/sign", json={"signed_on": "2025-03-01"}, headers=headers).status_code
        == 409
    )
    assert query(lambda s: (s.get(Deal, cancelled).received_total, s.get(Deal, paid).received_total)) == (0, WAN)


def test_value_registration_field_and_a_retried_payment(app, client, query, cast):
    """The other steps of the page, each its own operation; a payment sent again with its
    Idempotency-Key is recorded once."""
    from webapp.taxonomy.models import TechField

    def add_field(session):
        field = TechField(code=f"D{cast.uid}", name=f"新能源储能{cast.uid}")
        session.add(field)
        session.commit()
        return field.id

    field_id = query(add_field)
    deal_id = open_deal(app, cast, value=10 * WAN, signed_on=date(2025, 3, 1))
    url, headers = f"/api/v1/deals/{deal_id}", _auth(cast.token["broker"], **{"Accept-Language": "en"})
    value = client.http.post(f"{url}/value", json={"contract_value": "12.5"}, headers=headers)
    assert value.status_code == 200 and value.get_json()["contract_value"]["yuan"] == 125_000
    early = client.http.post(
        f"{url}/register",
        json={"registration_no": f"2025120{cast.uid}", "registered_on": "2025-02-28"},
        headers=headers,
    )
    assert early.status_code == 422 and "registered_on" in early.get_json()["errors"]["json"]
    registered = client.http.post(
        f"{url}/register",
        json={"registration_no": f"2025120{cast.uid}", "registered_on": "2025-03-10"},
        headers=headers,
    )
    assert registered.status_code == 200 and registered.get_json()["state"] == "registered"
    assert registered.get_json()["registration_no"] == f"2025120{cast.uid}"
    field = client.http.put(f"{url}/field", json={"field": field_id}, headers=headers)
    assert field.status_code == 200 and field.get_json()["field"]["id"] == field_id

    key = {"Idempotency-Key": f"pay-{cast.uid}"}
    payment = {"received_on": "2025-04-02", "amount": "2.5"}
    first = client.http.post(f"{url}/payments", json=payment, headers=headers | key)
    again = client.http.post(f"{url}/payments", json=payment, headers=headers | key)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert query(lambda s: s.scalar(sa.select(sa.func.count(Payment.id)).where(Payment.deal_id == deal_id))) == 1
    assert query(lambda s: s.get(Deal, deal_id).received_total) == 25_000
    below = client.http.post(f"{url}/value", json={"contract_value": "2"}, headers=headers)
    assert below.status_code == 422 and "already received" in below.get_json()["errors"]["json"]["contract_value"][0]
    actions = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.object_type == "deals", AuditEvent.object_id == deal_id)
            .order_by(AuditEvent.id)
        ).all()
    )
    assert actions == ["deal.create", "deal.sign", "deal.value", "deal.register", "deal.field", "deal.payment"]
