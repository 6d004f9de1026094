"""Challenges (揭榜挂帅) through the API, as the pages allow: the public board in the page's order
with a de-identified enterprise kept unnamed, the enterprise's own challenge drafted from its need,
edited, submitted and withdrawn, and an application saved, submitted and withdrawn by its applicant
within the window; the refusals (403, 404, 409, 422) and the audit trail."""

from __future__ import annotations

import dataclasses
import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from tests.challenges import factory
from webapp.challenges.models import Challenge
from webapp.core.audit import AuditEvent
from webapp.extensions import db
from webapp.listings.models import ListingStatus

UID = uuid.uuid4().hex[:6]
SECRET_NAME = f"隐名接口精工装备有限公司{UID}"
SECRET_PERSON = f"隐名接口联系人{UID}"
SECRET_PHONE = "139" + str(uuid.uuid4().int)[:8]
SECRETS = (SECRET_NAME, SECRET_PERSON, SECRET_PHONE)


def _auth(token: str | None, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers} if token else headers


def _people(query):
    def make(session):
        people = factory.make_people()
        session.commit()
        return people

    return query(make)


def _plant_secret(query, people) -> None:
    """The posting enterprise's name, person and phone: what a de-identified challenge must hide."""

    def plant(session):
        owner = session.get(type(people.owner), people.owner.id)
        owner.organisation.name, owner.name, owner.phone = SECRET_NAME, SECRET_PERSON, SECRET_PHONE
        session.commit()

    query(plant)


def _make(query, people, build):
    """build(people) in one session, its people merged into it; committed."""

    def run(session):
        here = dataclasses.replace(
            people, **{f.name: session.merge(getattr(people, f.name)) for f in dataclasses.fields(people)}
        )
        made = build(here)
        session.commit()
        return made

    return query(run)


def _actions(query, model_prefix: str, object_id: int) -> list[str]:
    return query(
        lambda s: list(
            s.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_id == object_id, AuditEvent.action.like(f"{model_prefix}.%"))
                .order_by(AuditEvent.id)
            )
        )
    )


def _no_secret(response) -> None:
    text = response.get_data(as_text=True)
    assert not [secret for secret in SECRETS if secret in text], text[:500]


def _board_ids(client, token=None, **params) -> list[int]:
    """Every challenge the board lists, page by page (two at a time) through next_cursor."""
    ids, cursor = [], None
    while True:
        query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.http.get("/api/v1/challenges", query_string=query, headers=_auth(token))
        assert response.status_code == 200, response.get_data(as_text=True)
        _no_secret(response)
        body = response.get_json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_the_board_lists_public_challenges_in_the_pages_order_and_keeps_a_hidden_enterprise_unnamed(
    client, query, make_user, make_token, challenge_clock
):
    people = _people(query)
    _plant_secret(query, people)
    notice, _apps = _make(query, people, lambda people: factory.in_notice(people, title="公示中的榜单"))
    challenge_clock.set_time(challenge_clock.T0)

    def publish(days: int, poster=people, **overrides):
        challenge_clock.advance(timedelta(hours=1))
        closes = challenge_clock.now() + timedelta(days=days)
        return _make(query, poster, lambda people: factory.published(people, closes_at=closes, **overrides))

    # Another enterprise chose to be named on its challenge.
    rival_posts = dataclasses.replace(people, owner=people.rival)
    later, sooner, named = publish(20), publish(5), publish(9, rival_posts, show_identity=True)
    draft = _make(query, people, lambda people: factory.draft(people))
    ours = {draft.id, later.id, sooner.id, named.id, notice.id}

    # The page's order, and the API's, page after page; the draft on neither.
    page = client.http.get("/challenges/").get_data(as_text=True)
    on_page = [int(i) for i in re.findall(r'data-challenge="(\d+)"', page) if int(i) in ours]
    listed = [i for i in _board_ids(client) if i in ours]
    assert listed == on_page == [sooner.id, named.id, later.id, notice.id]
    assert [i for i in _board_ids(client, sort="newest") if i in ours] == [named.id, sooner.id, later.id, notice.id]
    assert [i for i in _board_ids(client, status="notice") if i in ours] == [notice.id]

    # A stranger and the public read the de-identified challenge without the enterprise's name.
    rival = make_token(people.rival)
    for token in (None, rival, make_token(make_user("researcher"))):
        response = client.http.get(f"/api/v1/challenges/{notice.id}", headers=_auth(token))
        body = response.get_json()
        assert response.status_code == 200 and body["identity_shown"] is False
        assert body["organisation"] is None and body["publisher"].startswith("某企业")
        assert [w["lead_unit"] for w in body["proposed"]] == [factory.TJU]
        assert body["need_id"] is None and body["bounty"]["yuan"] == 2_000_000
        _no_secret(response)
        assert client.http.get(f"/api/v1/challenges/{draft.id}", headers=_auth(token)).status_code == 404
    # The enterprise that chose to be named is named; its own enterprise and brokers know it anyway.
    rival_name = query(lambda s: s.get(type(people.rival), people.rival.id).organisation.name)
    assert client.http.get(f"/api/v1/challenges/{named.id}").get_json()["organisation"] == rival_name
    for user in (people.owner, make_user("broker")):
        body = client.http.get(f"/api/v1/challenges/{sooner.id}", headers=_auth(make_token(user))).get_json()
        assert body["identity_shown"] is True and body["organisation"] == SECRET_NAME
    own_draft = client.http.get(f"/api/v1/challenges/{draft.id}", headers=_auth(make_token(people.owner)))
    assert own_draft.status_code == 200 and own_draft.get_json()["can_edit"] is True


NEW_TERMS = {
    "title": "电驱壳体压铸气孔缺陷联合攻关",
    "problem": "压铸件气孔导致良率低，需要工艺与模具联合攻关。",
    "indicators": "良率≥95%",
    "bounty": "250",
    "eligibility": ["university", "institute", "consortium"],
    "opens_at": "2026-03-03T09:00:00",
    "closes_at": "2026-04-03T17:00:00+08:00",
    "notice_days": 5,
    "winners_max": 2,
    "criteria": [{"name": "技术方案", "weight": 60}, {"name": "团队能力", "weight": 40}],
    "milestones": [
        {"title": "方案验证", "share": 33, "due_on": "2026-05-01"},
        {"title": "量产验收", "share": 67, "due_on": "2026-09-01"},
    ],
}


def test_an_enterprise_drafts_edits_submits_and_withdraws_a_challenge_from_its_need(
    client, query, make_token, challenge_clock
):
    people = _people(query)
    need = _make(query, people, lambda people: factory.make_need(people.owner))
    token = make_token(people.owner, "read write")
    created = client.http.post("/api/v1/challenges", json={"need": need.id}, headers=_auth(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    url = f"/api/v1/challenges/{body['id']}"
    assert created.headers["Location"].endswith(url)
    assert body["status"] == "draft" and body["need_id"] == need.id and body["bounty"]["yuan"] == 3_000_000
    assert [c["weight"] for c in body["criteria"]] == [40, 30, 15, 15]
    # One challenge at a time per need.
    again = client.http.post("/api/v1/challenges", json={"need": need.id}, headers=_auth(token))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"

    changed = client.http.put(url, json=NEW_TERMS, headers=_auth(token))
    assert changed.status_code == 200, changed.get_data(as_text=True)
    body = changed.get_json()
    assert body["bounty"]["yuan"] == 2_500_000 and body["winners_max"] == 2
    assert [m["amount"]["yuan"] for m in body["milestones"]] == [825_000, 1_675_000]
    assert body["opens_at"] == "2026-03-03T01:00:00+00:00"  # 09:00 in Beijing
    assert body["eligibility"] == ["university", "institute", "consortium"]

    submitted = client.http.post(f"{url}/submit", headers=_auth(token))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert client.http.post(f"{url}/submit", headers=_auth(token)).status_code == 409
    assert client.http.put(url, json=NEW_TERMS, headers=_auth(token)).status_code == 409
    mine = client.http.get("/api/v1/challenges/mine", headers=_auth(token)).get_json()
    assert [item["id"] for item in mine["items"]] == [body["id"]]

    withdrawn = client.http.post(f"{url}/withdraw", json={"reason": "预算调整"}, headers=_auth(token))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["withdrawal_reason"] == "预算调整"
    assert _actions(query, "challenge", body["id"]) == [
        "challenge.create",
        "challenge.update",
        "challenge.submit",
        "challenge.withdraw",
    ]


def test_wrong_terms_come_back_per_field_with_the_forms_messages(client, query, make_token, challenge_clock):
    people = _people(query)
    challenge = _make(query, people, lambda people: factory.draft(people))
    token = make_token(people.owner, "read write")
    bad = NEW_TERMS | {
        "title": " ",
        "bounty": "一百万",
        "criteria": [{"name": "技术方案", "weight": 60}, {"name": "团队", "weight": 30}],
        "field": 2_000_000_000,
    }
    for language, words in (("zh-CN", "100"), ("en", "add up to 100")):
        response = client.http.put(
            f"/api/v1/challenges/{challenge.id}", json=bad, headers=_auth(token, **{"Accept-Language": language})
        )
        errors = response.get_json()["errors"]["json"]
        assert response.status_code == 422 and set(errors) == {"title", "bounty", "criteria"}
        assert words in errors["criteria"][0]
    unknown_field = client.http.put(
        f"/api/v1/challenges/{challenge.id}", json=NEW_TERMS | {"field": 2_000_000_000}, headers=_auth(token)
    )
    assert unknown_field.status_code == 422 and set(unknown_field.get_json()["errors"]["json"]) == {"field"}
    past = client.http.put(
        f"/api/v1/challenges/{challenge.id}",
        json=NEW_TERMS | {"opens_at": "2026-02-20T09:00:00", "closes_at": "2026-03-01T09:00:00"},
        headers=_auth(token, **{"Accept-Language": "en"}),
    )
    assert past.status_code == 422 and "future" in past.get_json()["errors"]["json"]["closes_at"][0]
    assert query(lambda s: s.get(Challenge, challenge.id).title) == factory.terms().title


def test_only_the_enterprise_posts_from_its_need_and_changes_its_challenge(
    client, query, make_user, make_token, challenge_clock
):
    people = _people(query)
    need = _make(query, people, lambda people: factory.make_need(people.owner))
    query(lambda s: (setattr(s.get(type(need), need.id), "status", ListingStatus.DRAFT), s.commit()))
    own_published = _make(query, people, lambda people: factory.make_need(people.owner))
    rival = make_token(people.rival, "read write")
    # Only the enterprise's own published needs: not another's, not a draft, not an unknown one.
    owner = make_token(people.owner, "read write")
    for token, need_id in ((rival, own_published.id), (rival, need.id), (owner, need.id), (owner, 2**31 - 1)):
        refused = client.http.post(
            "/api/v1/challenges", json={"need": need_id}, headers=_auth(token, **{"Accept-Language": "en"})
        )
        assert refused.status_code == 422 and "published needs" in refused.get_json()["errors"]["json"]["need"][0]
    for role in ("researcher", "admin", "broker"):
        token = make_token(make_user(role), "read write")
        assert (
            client.http.post("/api/v1/challenges", json={"need": own_published.id}, headers=_auth(token)).status_code
            == 403
        )
    assert client.http.post("/api/v1/challenges", json={"need": own_published.id}).status_code == 401

    draft = _make(query, people, lambda people: factory.draft(people))
    published = _make(query, people, lambda people: factory.published(people))
    # The rival does not learn the draft exists, and may not touch the published one.
    assert client.http.put(f"/api/v1/challenges/{draft.id}", json=NEW_TERMS, headers=_auth(rival)).status_code == 404
    assert client.http.post(f"/api/v1/challenges/{draft.id}/submit", headers=_auth(rival)).status_code == 404
    assert (
        client.http.put(f"/api/v1/challenges/{published.id}", json=NEW_TERMS, headers=_auth(rival)).status_code == 403
    )
    assert client.http.post(f"/api/v1/challenges/{published.id}/withdraw", headers=_auth(rival)).status_code == 403
    read_only = make_token(people.owner, "read")
    assert client.http.post(f"/api/v1/challenges/{draft.id}/submit", headers=_auth(read_only)).status_code == 403
    assert query(lambda s: s.get(Challenge, draft.id).status.value) == "draft"
    # Nobody has applied yet: the enterprise may still withdraw its published challenge.
    assert client.http.post(f"/api/v1/challenges/{published.id}/withdraw", headers=_auth(owner)).status_code == 200


APPLICATION = {
    "lead_unit": factory.TJU,
    "lead_kind": "university",
    "members": [{"name": factory.INSTITUTE, "kind": "institute"}],
    "team": "负责人及5名骨干",
    "plan": "真空压铸+模温精确控制的技术路线",
    "budget": "180",
    "schedule": "12个月分三阶段",
    "commitment_signed": True,
}


def test_an_applicant_saves_submits_and_withdraws_an_application(client, query, make_token, challenge_clock):
    people = _people(query)
    _plant_secret(query, people)
    challenge = _make(query, people, lambda people: factory.published(people))
    token = make_token(people.tju, "read write")
    key = _auth(token, **{"Idempotency-Key": str(uuid.uuid4())})
    created = client.http.post(
        f"/api/v1/challenges/{challenge.id}/applications", json=APPLICATION | {"plan": None}, headers=key
    )
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    # Sent again with its Idempotency-Key, the same answer; no second draft.
    replayed = client.http.post(
        f"/api/v1/challenges/{challenge.id}/applications", json=APPLICATION | {"plan": None}, headers=key
    )
    assert replayed.headers["Idempotent-Replayed"] == "true" and replayed.get_json()["id"] == body["id"]
    url = f"/api/v1/applications/{body['id']}"
    assert created.headers["Location"].endswith(url)
    assert body["status"] == "draft" and body["budget"]["yuan"] == 1_800_000 and body["can_edit"] is True
    _no_secret(created)
    # A draft is the applicant's alone: not the enterprise's, not another applicant's.
    for other in (people.owner, people.nku):
        assert client.http.get(url, headers=_auth(make_token(other))).status_code == 404
    assert client.http.get(url).status_code == 401
    # Incomplete: the plan is missing.
    incomplete = client.http.post(f"{url}/submit", headers=_auth(token))
    assert incomplete.status_code == 422 and "plan" in incomplete.get_json()["errors"]["json"]

    assert client.http.put(url, json=APPLICATION, headers=_auth(token)).status_code == 200
    submitted = client.http.post(f"{url}/submit", headers=_auth(token))
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert client.http.put(url, json=APPLICATION, headers=_auth(token)).status_code == 409
    # Lodged, the enterprise reads it; another applicant still does not.
    assert client.http.get(url, headers=_auth(make_token(people.owner))).status_code == 200
    assert client.http.get(url, headers=_auth(make_token(people.nku))).status_code == 404
    mine = client.http.get("/api/v1/applications/mine", headers=_auth(token)).get_json()
    assert [item["id"] for item in mine["items"]] == [body["id"]]
    detail = client.http.get(f"/api/v1/challenges/{challenge.id}", headers=_auth(token)).get_json()
    assert detail["my_application"] == body["id"] and detail["can_apply"] is False

    withdrawn = client.http.post(f"{url}/withdraw", headers=_auth(token))
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert client.http.post(f"{url}/withdraw", headers=_auth(token)).status_code == 409
    assert _actions(query, "challenge_application", body["id"]) == [
        "challenge_application.create",
        "challenge_application.update",
        "challenge_application.submit",
        "challenge_application.withdraw",
    ]


def test_after_the_deadline_nothing_is_saved_submitted_or_withdrawn(client, query, make_token, challenge_clock):
    people = _people(query)
    challenge = _make(query, people, lambda people: factory.published(people))
    draft = _make(query, people, lambda people: factory.apply(people.nku, db.session.merge(challenge), submit=False))
    lodged = _make(query, people, lambda people: factory.apply(people.institute, db.session.merge(challenge)))
    challenge_clock.set_time(challenge.closes_at + timedelta(minutes=1))
    late = client.http.post(
        f"/api/v1/challenges/{challenge.id}/applications",
        json=APPLICATION,
        headers=_auth(make_token(people.tju, "read write")),
    )
    assert late.status_code == 409 and late.mimetype == "application/problem+json"
    nku = make_token(people.nku, "read write")
    assert client.http.post(f"/api/v1/applications/{draft.id}/submit", headers=_auth(nku)).status_code == 409
    assert client.http.put(f"/api/v1/applications/{draft.id}", json=APPLICATION, headers=_auth(nku)).status_code == 409
    institute = make_token(people.institute, "read write")
    assert client.http.post(f"/api/v1/applications/{lodged.id}/withdraw", headers=_auth(institute)).status_code == 409
    assert query(lambda s: s.get(type(lodged), lodged.id).status.value) == "submitted"


def test_roles_that_may_not_apply_are_refused(client, query, make_user, make_token, challenge_clock):
    people = _people(query)
    challenge = _make(query, people, lambda people: factory.published(people))
    url = f"/api/v1/challenges/{challenge.id}/applications"
    for user in (people.owner, people.admin, people.expert, make_user("broker")):
        response = client.http.post(url, json=APPLICATION, headers=_auth(make_token(user, "read write")))
        assert response.status_code == 403, user.role
    assert client.http.post(url, json=APPLICATION).status_code == 401
    assert client.http.post(url, json=APPLICATION, headers=_auth(make_token(people.tju))).status_code == 403
    # Another applicant cannot change, submit or withdraw someone's application: it is not there.
    draft = _make(query, people, lambda people: factory.apply(people.tju, db.session.merge(challenge), submit=False))
    nku = make_token(people.nku, "read write")
    for path in (f"/api/v1/applications/{draft.id}/submit", f"/api/v1/applications/{draft.id}/withdraw"):
        assert client.http.post(path, headers=_auth(nku)).status_code == 404
    assert client.http.put(f"/api/v1/applications/{draft.id}", json=APPLICATION, headers=_auth(nku)).status_code == 404
    bad = client.http.post(
        url, json=APPLICATION | {"budget": "很多", "lead_unit": " "}, headers=_auth(nku, **{"Accept-Language": "en"})
    )
    assert bad.status_code == 422 and "budget" in bad.get_json()["errors"]["json"]


def test_the_board_filters_by_field_with_its_sub_fields_and_an_edited_cursor_starts_again(
    client, query, challenge_clock
):
    from webapp.taxonomy.models import TechField

    def fields(session):
        top = TechField(code=f"T{UID}", name="接口测试制造")
        session.add(top)
        session.flush()
        child = TechField(code=f"C{UID}", name="接口测试压铸", parent_id=top.id)
        other = TechField(code=f"O{UID}", name="接口测试生物")
        session.add_all([child, other])
        session.commit()
        return top.id, child.id, other.id

    top, child, other = query(fields)
    people = _people(query)
    in_child = _make(query, people, lambda people: factory.published(people, field_id=child))
    in_top = _make(query, people, lambda people: factory.published(people, field_id=top))
    _make(query, people, lambda people: factory.published(people, field_id=other))
    assert sorted(_board_ids(client, field=top)) == sorted([in_child.id, in_top.id])
    assert _board_ids(client, field=child) == [in_child.id]

    first = client.http.get("/api/v1/challenges", query_string={"field": top, "limit": 1}).get_json()
    for cursor in ("bm90LWEtY3Vyc29y", first["next_cursor"][:-3] + "AAA", "W10"):
        again = client.http.get("/api/v1/challenges", query_string={"field": top, "limit": 1, "cursor": cursor})
        assert again.status_code == 200 and again.get_json()["items"] == first["items"]
