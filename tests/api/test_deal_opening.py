"""Opening deals through the API as the deal pages let brokers and admins: from an introduction the
broker made (once), directly with the form's checks of the two sides; and a de-identified
enterprise's name, contact person and phone never reach a caller without the right."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from tests.api.deals_factory import WAN, introduction
from tests.api.deals_factory import auth as _auth
from webapp.accounts.models import User
from webapp.core.audit import AuditEvent
from webapp.deals.models import Deal


def test_a_broker_opens_a_deal_from_their_introduction_once(app, client, query, cast):
    from webapp.matching.models import Introduction, IntroductionOutcome

    intro_id = introduction(app, cast)
    body = {"introduction": intro_id, "contract_type": "transfer", "contract_value": "80"}
    # Only brokers and admins open deals.
    for name in ("researcher", "enterprise"):
        assert client.http.post("/api/v1/deals", json=body, headers=_auth(cast.token[name])).status_code == 403
    # Another broker's introduction is not theirs to know of.
    foreign = client.http.post("/api/v1/deals", json=body, headers=_auth(cast.token["other_broker"]))
    assert foreign.status_code == 422 and list(foreign.get_json()["errors"]["json"]) == ["introduction"]
    bad = client.http.post("/api/v1/deals", json=body | {"contract_value": "八十"}, headers=_auth(cast.token["broker"]))
    assert bad.status_code == 422 and list(bad.get_json()["errors"]["json"]) == ["contract_value"]

    created = client.http.post("/api/v1/deals", json=body, headers=_auth(cast.token["broker"]))
    assert created.status_code == 201, created.get_data(as_text=True)
    deal = created.get_json()
    assert created.headers["Location"].endswith(f"/api/v1/deals/{deal['id']}")
    assert (deal["state"], deal["introduction_id"], deal["title"]) == (
        "negotiating",
        intro_id,
        f"锂电池液冷热管理{cast.uid}",
    )
    assert deal["contract_value"]["yuan"] == 80 * WAN and deal["broker"]["id"] == cast.broker.id
    assert deal["agency"] == {"id": cast.agency.id, "name": cast.agency.name}
    assert (
        deal["need_party"]["name"] == cast.enterprise_org.name
        and deal["provider_party"]["name"] == cast.university.name
    )
    assert query(lambda s: s.get(Introduction, intro_id).outcome) is IntroductionOutcome.DEAL
    assert [e["action"] for e in deal["history"]] == ["deal.create"]
    # The parties now see it; a second deal from the same introduction is a conflict.
    assert client.http.get(f"/api/v1/deals/{deal['id']}", headers=_auth(cast.token["enterprise"])).status_code == 200
    again = client.http.post(
        "/api/v1/deals", json=body, headers=_auth(cast.token["broker"], **{"Accept-Language": "en"})
    )
    assert again.status_code == 409 and again.get_json()["detail"] == "This introduction already has its deal."


def test_a_direct_deal_checks_its_sides_as_the_form_does(client, query, cast):
    headers = _auth(cast.token["broker"], **{"Accept-Language": "en"})
    body = {
        "title": f"储能电池液冷技术开发{cast.uid}",
        "need_organisation": cast.enterprise_org.id,
        "need_contact": cast.stranger.email,  # not of the enterprise chosen
        "provider_organisation": cast.enterprise_org.id + 10_000,
        "contract_type": "development",
        "contract_value": "12.123456",
    }
    refused = client.http.post("/api/v1/deals", json=body, headers=headers)
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]["json"]
    assert set(errors) == {"need_contact", "provider_organisation", "contract_value"}
    assert "is not a member of the organisation chosen for this side" in errors["need_contact"][0]
    fixed = body | {
        "need_contact": cast.enterprise.email,
        "provider_organisation": cast.university.id,
        "provider_contact": cast.researcher.email.upper(),
        "contract_value": "12.5",
    }
    created = client.http.post("/api/v1/deals", json=fixed, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    deal_id = created.get_json()["id"]
    stored = query(lambda s: s.get(Deal, deal_id))
    assert (stored.contract_value, stored.need_user_id, stored.provider_user_id, stored.created_by_id) == (
        125_000,
        cast.enterprise.id,
        cast.researcher.id,
        cast.broker.id,
    )
    actions = query(
        lambda s: s.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.object_id == deal_id, AuditEvent.object_type == "deals")
        ).all()
    )
    assert actions == ["deal.create"]
    # A broker is credited themselves: naming another broker is an admin's choice.
    other = client.http.post("/api/v1/deals", json=fixed | {"broker": cast.other_broker.id}, headers=headers)
    assert other.status_code == 403
    by_admin = client.http.post(
        "/api/v1/deals", json=fixed | {"broker": cast.other_broker.id}, headers=_auth(cast.token["admin"])
    )
    assert by_admin.status_code == 201 and by_admin.get_json()["broker"]["id"] == cast.other_broker.id


def test_a_de_identified_enterprise_never_reaches_a_caller_without_the_right(app, client, query, cast, make_user):
    """The enterprise posts its need de-identified; its name, contact person and phone reach only
    those named on the deal (who know it from the introduction), never anyone else through any
    operation, nor its contact person and phone through the deal at all."""
    secret_person, secret_phone = f"隐名联系人{cast.uid}", "139" + str(uuid.uuid4().int)[:8]

    def hide(session):
        session.get(User, cast.enterprise.id).name = secret_person
        session.get(User, cast.enterprise.id).phone = secret_phone
        session.commit()

    query(hide)
    intro_id = introduction(app, cast, {"contact_name": secret_person, "contact_phone": secret_phone})
    broker = _auth(cast.token["broker"])
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
            for path in (url, f"{url}/payments", "/api/v1/deals", f"/api/v1/deals?q={cast.uid}")
        ]
        texts.append(
            client.http.post(
                f"{url}/payments", json={"received_on": "2025-04-02", "amount": "1"}, headers=headers
            ).get_data(as_text=True)
        )
        return "\n".join(texts)

    for name in ("other_broker", "university_colleague", "stranger"):
        seen = responses(_auth(cast.token[name]))
        assert cast.enterprise_org.name not in seen and secret_person not in seen and secret_phone not in seen, name
    anonymous = responses({})
    assert cast.enterprise_org.name not in anonymous and secret_phone not in anonymous
    # Those named on the deal see the sides' names, as on its page, but never the contact's phone.
    for name in ("researcher", "broker"):
        seen = responses(_auth(cast.token[name]))
        assert cast.enterprise_org.name in seen and secret_person not in seen and secret_phone not in seen, name
