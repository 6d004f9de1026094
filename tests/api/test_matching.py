"""The matching through the API, as its pages allow: the broker's queue and decisions, introductions
and a listing's own suggestions — the same roles, the same services and audit events, and a need
de-identified exactly where the pages de-identify it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema_rs
import sqlalchemy as sa

from tests.listings.search_factory import make_listing
from tests.matching.consent_helpers import introduce
from tests.matching.test_views import add_pair
from webapp.accounts.models import OrgKind
from webapp.core.audit import AuditEvent
from webapp.core.db import utcnow
from webapp.listings.models import ListingStatus
from webapp.matching.models import (
    Introduction,
    IntroductionOutcome,
    RejectReason,
    Suggestion,
    SuggestionStatus,
)
from webapp.notifications.models import Notification

SECRET_ORG = "秘密甲乙丙化工有限公司"
SECRET_CONTACT = "联系人丁戊己"
SECRET_PHONE = "13912345678"


def _auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _text(response) -> str:
    return json.dumps(response.get_json(), ensure_ascii=False)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.get_json()["items"]]


def _conforms(client, response, schema: str) -> None:
    """The answer is what the OpenAPI document says of it (schemathesis, with an enterprise's token,
    reaches few of the broker's answers)."""
    components = client.http.get("/api/v1/openapi.json").get_json()["components"]
    validator = jsonschema_rs.Draft202012Validator({"$ref": f"#/components/schemas/{schema}", "components": components})
    errors = [str(error) for error in validator.iter_errors(response.get_json())]
    assert not errors, errors[:3]


def _all_pages(client, url: str, token: str) -> list[int]:
    """Every id of a cursor-paged list, following next_cursor to the end."""
    ids, cursor = [], None
    for _ in range(50):
        joiner = "&" if "?" in url else "?"
        page = client.http.get(url + (f"{joiner}cursor={cursor}" if cursor else ""), headers=_auth(token))
        ids += _ids(page)
        cursor = page.get_json()["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("the cursor never ended")


def _status(query, sid: int) -> SuggestionStatus:
    return query(lambda s: s.get(Suggestion, sid).status)


# -- who may use the queue --------------------------------------------------------------------


def test_the_queue_and_its_decisions_are_for_brokers_and_admins(client, query, make_user, make_token):
    sid = add_pair(query, score=70)
    assert client.http.get("/api/v1/suggestions").status_code == 401
    assert client.http.get(f"/api/v1/suggestions/{sid}").status_code == 401
    for role in ("enterprise", "researcher", "expert"):
        token = make_token(make_user(role), "read write")
        for url in ("/api/v1/suggestions", f"/api/v1/suggestions/{sid}"):
            response = client.http.get(url, headers=_auth(token))
            assert response.status_code == 403 and response.mimetype == "application/problem+json", (role, url)
        for step, body in (("accept", {}), ("reject", {"reason": "field"})):
            assert (
                client.http.post(f"/api/v1/suggestions/{sid}/{step}", json=body, headers=_auth(token)).status_code
                == 403
            )
    assert _status(query, sid) is SuggestionStatus.NEW

    for role in ("broker", "admin"):
        token = make_token(make_user(role))
        assert sid in _ids(client.http.get("/api/v1/suggestions", headers=_auth(token)))
        one = client.http.get(f"/api/v1/suggestions/{sid}", headers=_auth(token)).get_json()
        assert one["id"] == sid and one["status"] == "new" and one["decision"] is None
    broker = make_token(make_user("broker"))
    assert client.http.get("/api/v1/suggestions/999999", headers=_auth(broker)).status_code == 404
    # A read token may read the queue but decides nothing.
    assert client.http.post(f"/api/v1/suggestions/{sid}/accept", json={}, headers=_auth(broker)).status_code == 403


def test_queue_items_carry_the_score_explained_and_both_listings(client, query, make_user, make_token):
    from webapp.matching.scoring import DEFAULT_WEIGHTS

    (_, high), _medium, _low = DEFAULT_WEIGHTS.bands
    sid = add_pair(
        query,
        score=high + 5,
        need={"title": "需求甲", "description": "需要锂电池热管理技术。"},
        achievement={"title": "成果甲", "institution_name": "天津大学", "confidential": "绝密工艺参数"},
        need_field="新能源汽车",
        achievement_field="新能源汽车",
        parts={"keywords": 30.0, "field": 5.0, "maturity": -10.0},
    )
    token = make_token(make_user("broker"))
    response = client.http.get("/api/v1/suggestions", headers=_auth(token, **{"Accept-Language": "en"}))
    item = next(i for i in response.get_json()["items"] if i["id"] == sid)
    assert item["band"] == "high" and item["band_label"] == "High" and "three in ten" in item["band_meaning"]
    assert item["status"] == "new" and item["terms"] == ["锂电池", "热管理"]
    assert item["created_at"] and item["computed_at"]
    reasons = {r["part"]: r for r in item["reasons"]}
    assert reasons["keywords"]["signed"] == "+30" and reasons["maturity"]["signed"] == "\u221210"
    assert reasons["field"]["text"].startswith("Same technical field")
    assert item["need"]["title"] == "需求甲" and item["need"]["description"] == "需要锂电池热管理技术。"
    assert item["achievement"]["title"] == "成果甲" and item["achievement"]["institution"] == "天津大学"
    assert "绝密工艺参数" not in _text(response)  # an achievement's confidential part is on no matching page


def test_queue_filters_and_pages_by_cursor_in_either_order(client, query, make_user, make_token):
    token = make_token(make_user("admin"))
    scores = [55, 60, 60, 65, 70, 80, 90]
    ids = [add_pair(query, score=score, age=timedelta(hours=len(scores) - i)) for i, score in enumerate(scores)]
    low = add_pair(query, score=1)  # below every band: never in the queue
    decided = add_pair(query, score=95, status=SuggestionStatus.REJECTED)
    offline = add_pair(query, score=75, need={"status": ListingStatus.OFFLINE})

    best_first = _all_pages(client, "/api/v1/suggestions?limit=2", token)
    assert best_first == [ids[6], ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]  # equal scores: newest id first
    assert not {low, decided, offline} & set(best_first)
    newest_first = _all_pages(client, "/api/v1/suggestions?sort=newest&limit=3", token)
    assert newest_first == list(reversed(ids))
    assert _ids(client.http.get("/api/v1/suggestions?min_score=70", headers=_auth(token))) == ids[6:3:-1]
    assert set(_ids(client.http.get("/api/v1/suggestions?age=1", headers=_auth(token)))) == set(ids)
    bad = client.http.get("/api/v1/suggestions?cursor=bm90LWEtY3Vyc29y", headers=_auth(token))
    assert bad.status_code == 422 and "cursor" in bad.get_json()["errors"]["query"]
    bad = client.http.get("/api/v1/suggestions?band=excellent", headers=_auth(token))
    assert bad.status_code == 422 and "band" in bad.get_json()["errors"]["query"]


def test_since_reads_the_suggestions_first_made_on_or_after_a_beijing_day(
    client, query, make_user, make_token, freeze_clock
):
    token = make_token(make_user("broker"))
    freeze_clock(datetime(2026, 3, 1, 15, 59, tzinfo=UTC))  # 23:59 on 1 March in Beijing
    late_on_the_first = add_pair(query, score=60)
    freeze_clock(datetime(2026, 3, 1, 16, 0, tzinfo=UTC))  # midnight: 2 March in Beijing, still 1 March in UTC
    midnight = add_pair(query, score=61)
    freeze_clock(datetime(2026, 3, 8, 2, 0, tzinfo=UTC))
    week_later = add_pair(query, score=62)

    def since(day: str) -> set[int]:
        return set(_ids(client.http.get(f"/api/v1/suggestions?since={day}", headers=_auth(token))))

    assert since("2026-03-01") == {late_on_the_first, midnight, week_later}
    assert since("2026-03-02") == {midnight, week_later}
    assert since("2026-03-03") == {week_later}
    assert since("2026-03-09") == set()

    # Computed again later, a pair is not new: `since` reads when it was first suggested.
    def recompute(session):
        session.get(Suggestion, late_on_the_first).computed_at = utcnow()
        session.commit()

    query(recompute)
    assert late_on_the_first not in since("2026-03-02")


# -- decisions --------------------------------------------------------------------------------


def _accept_event(query, sid: int) -> AuditEvent:
    return query(
        lambda s: s.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.action == "match.accept",
                AuditEvent.object_type == "match_suggestions",
                AuditEvent.object_id == sid,
            )
        )
    )


def test_accept_opens_the_same_introduction_with_the_same_audit_event_as_the_page(client, query, make_user, make_token):
    enterprise, researcher = make_user("enterprise"), make_user("researcher", phone="13700000000")
    broker = make_user("broker")
    owners = {"need": {"owner_id": enterprise.id}, "achievement": {"owner_id": researcher.id}}
    by_api, by_page = add_pair(query, score=70, **owners), add_pair(query, score=71, **owners)

    response = client.http.post(
        f"/api/v1/suggestions/{by_api}/accept",
        json={"note": "  双方可先就液冷方案交流 "},
        headers=_auth(make_token(broker, "read write")),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/introductions/{body['id']}")
    assert body["outcome"] == "negotiating" and body["note"] == "双方可先就液冷方案交流"
    assert body["suggestion_id"] == by_api and body["may_set_outcome"] is True
    assert body["achievement"]["contact_phone"] == "13700000000"  # the introduction's page shows it

    client.login(broker.email)
    assert client.post(f"/broker/suggestions/{by_page}/accept", {"note": "双方可先就液冷方案交流"}).status_code == 302

    intros = {
        sid: query(lambda s, sid=sid: s.scalar(sa.select(Introduction).where(Introduction.suggestion_id == sid)))
        for sid in (by_api, by_page)
    }
    assert intros[by_api].id == body["id"]
    for intro in intros.values():
        assert intro.broker_id == broker.id and intro.note == "双方可先就液冷方案交流"
        assert intro.outcome is IntroductionOutcome.NEGOTIATING
    for sid in (by_api, by_page):
        s = query(lambda session, sid=sid: session.get(Suggestion, sid))
        assert s.status is SuggestionStatus.ACCEPTED and s.decided_by_id == broker.id
    api_event, page_event = _accept_event(query, by_api), _accept_event(query, by_page)
    assert api_event.actor_id == page_event.actor_id == broker.id
    assert api_event.before == page_event.before == {"status": "new"}
    assert api_event.after.keys() == page_event.after.keys()
    for sid, event in ((by_api, api_event), (by_page, page_event)):
        pair = query(lambda session, sid=sid: session.get(Suggestion, sid))
        assert event.after == {
            "status": "accepted",
            "introduction": intros[sid].id,
            "score": pair.score,
            "need": pair.need_id,
            "achievement": pair.achievement_id,
            "note": "双方可先就液冷方案交流",
        }
    # Both owners are told, once per suggestion, as from the page.
    told = query(
        lambda s: list(s.scalars(sa.select(Notification.user_id).where(Notification.kind == "match.introduced")))
    )
    assert sorted(told) == sorted([enterprise.id, researcher.id] * 2)


def test_a_decided_suggestion_is_a_conflict(client, query, make_user, make_token):
    token = make_token(make_user("broker"), "read write")
    sid = add_pair(query)
    assert (
        client.http.post(
            f"/api/v1/suggestions/{sid}/reject", json={"reason": "budget"}, headers=_auth(token)
        ).status_code
        == 200
    )
    for step, body in (("accept", {"note": "再试一次"}), ("reject", {"reason": "field"})):
        response = client.http.post(f"/api/v1/suggestions/{sid}/{step}", json=body, headers=_auth(token))
        assert response.status_code == 409 and response.mimetype == "application/problem+json"
        assert "已处理" in response.get_json()["detail"]
    s = query(lambda session: session.get(Suggestion, sid))
    assert s.status is SuggestionStatus.REJECTED and s.reason is RejectReason.BUDGET
    assert query(lambda session: session.scalar(sa.select(sa.func.count()).select_from(Introduction))) == 0

    accepted = add_pair(query)
    assert client.http.post(f"/api/v1/suggestions/{accepted}/accept", headers=_auth(token)).status_code == 201
    again = client.http.post(f"/api/v1/suggestions/{accepted}/reject", json={"reason": "field"}, headers=_auth(token))
    assert again.status_code == 409 and _status(query, accepted) is SuggestionStatus.ACCEPTED
    # A listing gone offline since: nothing to introduce any more.
    gone = add_pair(query, achievement={"status": ListingStatus.OFFLINE})
    assert client.http.post(f"/api/v1/suggestions/{gone}/accept", headers=_auth(token)).status_code == 409
    assert _status(query, gone) is SuggestionStatus.NEW


def test_a_rejection_needs_its_reason_as_on_the_page(client, query, make_user, make_token):
    token = make_token(make_user("broker"), "read write")
    sid = add_pair(query)
    url = f"/api/v1/suggestions/{sid}/reject"
    for body in ({}, {"reason": None}, {"note": "不合适"}):
        response = client.http.post(url, json=body, headers=_auth(token))
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert response.get_json()["errors"]["json"]["reason"] == ["请选择原因。"]  # the page's message
    english = client.http.post(url, json={}, headers=_auth(token, **{"Accept-Language": "en"}))
    assert english.get_json()["errors"]["json"]["reason"] == ["Choose a reason."]
    assert client.http.post(url, json={"reason": "boring"}, headers=_auth(token)).status_code == 422
    other = client.http.post(url, json={"reason": "other", "note": "  "}, headers=_auth(token))
    assert other.status_code == 422 and other.get_json()["errors"]["json"]["note"] == ["原因为“其他”时请写明理由。"]
    assert _status(query, sid) is SuggestionStatus.NEW

    done = client.http.post(url, json={"reason": "other", "note": "企业已搬迁"}, headers=_auth(token))
    assert done.status_code == 200, done.get_data(as_text=True)
    decision = done.get_json()["decision"]
    assert decision["reason"] == "other" and decision["note"] == "企业已搬迁" and decision["decided_by"]
    event = query(
        lambda s: s.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "match.reject", AuditEvent.object_id == sid)
        )
    )
    assert event.after["reason"] == "other" and event.after["note"] == "企业已搬迁"


# -- a de-identified need ----------------------------------------------------------------------


def test_a_de_identified_need_reaches_the_broker_only_where_the_page_shows_it(
    client, query, make_org, make_user, make_token
):
    org = make_org(OrgKind.ENTERPRISE, name=SECRET_ORG, address="天津市津南区咸水沽镇某路1号")
    owner = make_user("enterprise", organisation_id=org.id)
    researcher = make_user("researcher")
    hidden = {
        "owner_id": owner.id,
        "organisation_id": org.id,
        "organisation_name": SECRET_ORG,
        "contact_name": SECRET_CONTACT,
        "contact_phone": SECRET_PHONE,
        "show_identity": False,
    }
    sid = add_pair(query, score=70, need=hidden, achievement={"owner_id": researcher.id})
    other = add_pair(query, score=69, need=hidden | {"title": "另一条需求"})
    s = query(lambda session: session.get(Suggestion, sid))
    broker = make_user("broker")
    token = make_token(broker, "read write")
    client.login(broker.email)

    def page(url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    def shown_as_on_the_page(response, page_url: str) -> str:
        """The API's answer holds no secret that the page does not show this broker."""
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        text, html = _text(response), page(page_url)
        for secret in (SECRET_ORG, SECRET_CONTACT, SECRET_PHONE):
            assert secret not in text or secret in html, (secret, page_url)
        return text

    response = client.http.get("/api/v1/suggestions", headers=_auth(token))
    _conforms(client, response, "SuggestionPage")
    queue = shown_as_on_the_page(response, "/broker/suggestions")
    assert SECRET_ORG not in queue and SECRET_PHONE not in queue and "某企业（津南区）" in queue
    one = shown_as_on_the_page(
        client.http.get(f"/api/v1/suggestions/{sid}", headers=_auth(token)), f"/broker/suggestions/{sid}"
    )
    assert SECRET_ORG in one and SECRET_PHONE not in one and SECRET_CONTACT not in one  # as the page
    listing = shown_as_on_the_page(
        client.http.get(f"/api/v1/achievements/{s.achievement_id}/suggestions", headers=_auth(token)),
        f"/achievements/{s.achievement_id}",
    )
    assert SECRET_ORG not in listing and "某企业（津南区）" in listing
    rejected = client.http.post(f"/api/v1/suggestions/{other}/reject", json={"reason": "field"}, headers=_auth(token))
    _conforms(client, rejected, "SuggestionOut")
    assert SECRET_PHONE not in shown_as_on_the_page(rejected, f"/broker/suggestions/{other}")

    # Once introduced, the introduction's page tells both sides how to reach each other.
    accepted = client.http.post(f"/api/v1/suggestions/{sid}/accept", json={}, headers=_auth(token))
    intro = accepted.get_json()["id"]
    _conforms(client, accepted, "IntroductionOut")
    assert SECRET_PHONE in shown_as_on_the_page(accepted, f"/broker/introductions/{intro}")
    response = client.http.get("/api/v1/introductions", headers=_auth(token))
    _conforms(client, response, "IntroductionPage")
    listed = shown_as_on_the_page(response, "/broker/introductions")
    assert SECRET_PHONE not in listed  # the list shows who, not how to reach them
    assert SECRET_PHONE in _text(client.http.get(f"/api/v1/introductions/{intro}", headers=_auth(token)))

    # The achievement's owner sees the need de-identified on the achievement's page, as before.
    owner_view = client.http.get(
        f"/api/v1/achievements/{s.achievement_id}/suggestions", headers=_auth(make_token(researcher))
    )
    _conforms(client, owner_view, "AchievementSuggestions")
    assert SECRET_ORG not in _text(owner_view) and SECRET_PHONE not in _text(owner_view)
    assert owner_view.get_json()["items"][0]["introduction_id"] == intro


# -- introductions -----------------------------------------------------------------------------


def test_introductions_are_listed_for_their_broker_their_parties_and_admins(client, query, make_user, make_token):
    broker, colleague = make_user("broker"), make_user("broker")
    enterprise, stranger = make_user("enterprise"), make_user("enterprise")
    mine_open = introduce(query, add_pair(query, need={"owner_id": enterprise.id}), broker.id)
    mine_closed = introduce(query, add_pair(query), broker.id, closed=True)
    mine_later = introduce(query, add_pair(query), broker.id)
    theirs = introduce(query, add_pair(query), colleague.id)

    def listed(user, url="/api/v1/introductions?limit=1") -> list[int]:
        return _all_pages(client, url, make_token(user))

    assert listed(broker) == [mine_later, mine_open, mine_closed]  # open ones first, newest first
    assert listed(broker, "/api/v1/introductions?outcome=no_deal") == [mine_closed]
    assert listed(colleague) == [theirs]
    assert listed(enterprise) == [mine_open]
    assert listed(stranger) == []
    assert listed(make_user("admin")) == [theirs, mine_later, mine_open, mine_closed]
    assert client.http.get("/api/v1/introductions").status_code == 401

    assert client.http.get(f"/api/v1/introductions/{theirs}", headers=_auth(make_token(broker))).status_code == 404
    assert client.http.get(f"/api/v1/introductions/{mine_open}", headers=_auth(make_token(stranger))).status_code == 404
    party = client.http.get(f"/api/v1/introductions/{mine_open}", headers=_auth(make_token(enterprise))).get_json()
    assert party["note"] == "请尽快联系" and party["may_set_outcome"] is False


def test_the_outcome_is_recorded_by_the_introductions_broker(client, query, make_user, make_token):
    broker, enterprise = make_user("broker"), make_user("enterprise")
    intro = introduce(query, add_pair(query, need={"owner_id": enterprise.id}), broker.id, agreed=True)
    url = f"/api/v1/introductions/{intro}/outcome"
    assert (
        client.http.post(url, json={"outcome": "deal"}, headers=_auth(make_token(enterprise, "read write"))).status_code
        == 403
    )
    assert (
        client.http.post(
            url, json={"outcome": "deal"}, headers=_auth(make_token(make_user("broker"), "read write"))
        ).status_code
        == 404
    )
    token = make_token(broker, "read write")
    for body in ({}, {"outcome": "negotiating"}):
        assert client.http.post(url, json=body, headers=_auth(token)).status_code == 422

    done = client.http.post(url, json={"outcome": "deal", "note": "已签技术许可合同"}, headers=_auth(token))
    assert done.status_code == 200, done.get_data(as_text=True)
    body = done.get_json()
    assert body["outcome"] == "deal" and body["outcome_note"] == "已签技术许可合同" and body["closed_at"]
    again = client.http.post(url, json={"outcome": "no_deal"}, headers=_auth(token))
    assert again.status_code == 409
    assert query(lambda s: s.get(Introduction, intro).outcome) is IntroductionOutcome.DEAL
    actions = query(
        lambda s: list(
            s.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.object_id == intro, AuditEvent.object_type == "introductions"
                )
            )
        )
    )
    assert actions == ["match.outcome"]


# -- on a listing's own page --------------------------------------------------------------------


def test_a_listing_shows_its_suggestions_to_whom_its_page_shows_them(client, query, make_user, make_token):
    enterprise, researcher = make_user("enterprise"), make_user("researcher")
    sid = add_pair(
        query,
        score=77,
        need={"owner_id": enterprise.id, "title": "电池包热失控预警需求"},
        achievement={"owner_id": researcher.id, "title": "锂电池热失控预警算法", "institution_name": "天津大学"},
    )
    s = query(lambda session: session.get(Suggestion, sid))
    need_url = f"/api/v1/needs/{s.need_id}/suggestions"
    achievement_url = f"/api/v1/achievements/{s.achievement_id}/suggestions"

    response = client.http.get(need_url, headers=_auth(make_token(enterprise)))
    _conforms(client, response, "NeedSuggestions")
    on_need = response.get_json()["items"]
    assert [i["id"] for i in on_need] == [sid]
    assert on_need[0]["achievement"]["title"] == "锂电池热失控预警算法"
    assert on_need[0]["achievement"]["institution"] == "天津大学" and on_need[0]["status"] == "new"
    assert on_need[0]["terms"] == ["锂电池", "热管理"] and on_need[0]["score"] == 77
    created = query(lambda session: session.get(Suggestion, sid).created_at)
    assert datetime.fromisoformat(on_need[0]["created_at"]) == created  # a week's new matches are read by it
    on_achievement = client.http.get(achievement_url, headers=_auth(make_token(researcher))).get_json()["items"]
    assert on_achievement[0]["need"]["title"] == "电池包热失控预警需求"
    for role in ("broker", "admin"):
        token = make_token(make_user(role))
        assert _ids(client.http.get(need_url, headers=_auth(token))) == [sid]
        assert _ids(client.http.get(achievement_url, headers=_auth(token))) == [sid]

    # Anyone else sees the public listing, but none of its suggestions.
    for headers in ({}, _auth(make_token(make_user("enterprise"))), _auth(make_token(researcher))):
        assert _ids(client.http.get(need_url, headers=headers)) == []
    assert _ids(client.http.get(achievement_url, headers=_auth(make_token(enterprise)))) == []

    # A listing the caller may not see is not found; its owner still reads its suggestions.
    def draft(session):
        listing = make_listing(session, "a", status=ListingStatus.DRAFT, owner_id=researcher.id, title="草稿成果")
        session.commit()
        return listing.id

    draft_id = query(draft)
    assert (
        client.http.get(
            f"/api/v1/achievements/{draft_id}/suggestions", headers=_auth(make_token(enterprise))
        ).status_code
        == 404
    )
    assert client.http.get(f"/api/v1/achievements/{draft_id}/suggestions").status_code == 404
    assert (
        client.http.get(
            f"/api/v1/achievements/{draft_id}/suggestions", headers=_auth(make_token(researcher))
        ).status_code
        == 200
    )
    assert client.http.get("/api/v1/needs/999999/suggestions").status_code == 404


# -- the document ------------------------------------------------------------------------------


def test_the_document_lists_the_codes_with_their_meaning(client):
    from webapp.matching.explain import BAND_LABELS

    schemas = client.http.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    codes = {
        ("RejectIn", "reason"): [r.value for r in RejectReason],
        ("Decision", "reason"): [r.value for r in RejectReason],
        ("IntroductionOut", "outcome"): [o.value for o in IntroductionOutcome],
        ("OutcomeIn", "outcome"): ["deal", "no_deal"],
        ("SuggestionOut", "band"): list(BAND_LABELS),
        ("SuggestionOut", "status"): [s.value for s in SuggestionStatus],
    }
    for (schema, name), values in codes.items():
        prop = schemas[schema]["properties"][name]
        assert prop["enum"][: len(values)] == values, (schema, name)
        assert all(value in prop["description"] for value in values), (schema, name)
    assert schemas["RejectIn"]["required"] == ["reason"] and schemas["OutcomeIn"]["required"] == ["outcome"]
