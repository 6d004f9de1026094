"""Creating and changing listings through the API, as their owners may on the pages: the same
validation messages, the same lifecycle, the audit trail, and Idempotency-Key."""

import uuid

import sqlalchemy as sa

from webapp.achievements.models import Achievement
from webapp.core.audit import AuditEvent
from webapp.listings.models import ListingStatus

ACHIEVEMENT = {
    "title": "一种高效固态电解质及其制备方法",
    "summary": "离子电导率达到 10⁻³ S/cm，可用于全固态锂电池。",
    "keywords": ["固态电解质", "锂电池"],
    "maturity": "pilot",
    "price": "50-100",
    "coop_modes": ["transfer", "license"],
    "patents": ["ZL201720001285.X"],
}


def _auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _count(query, title: str) -> int:
    return query(
        lambda s: s.scalar(sa.select(sa.func.count()).select_from(Achievement).where(Achievement.title == title))
    )


def test_the_same_post_with_one_idempotency_key_makes_one_listing(client, query, make_user, make_token):
    token = make_token(make_user("researcher"), "read write")
    headers = _auth(token, **{"Idempotency-Key": str(uuid.uuid4())})
    first = client.http.post("/api/v1/achievements", json=ACHIEVEMENT, headers=headers)
    assert first.status_code == 201, first.get_data(as_text=True)
    again = client.http.post("/api/v1/achievements", json=dict(reversed(ACHIEVEMENT.items())), headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json() and again.headers["Location"] == first.headers["Location"]
    assert _count(query, ACHIEVEMENT["title"]) == 1

    # The key belongs to that request: sent with another body it is refused, nothing is made.
    other = client.http.post("/api/v1/achievements", json=ACHIEVEMENT | {"title": "另一项成果"}, headers=headers)
    assert other.status_code == 422 and "Idempotency-Key" in other.get_json()["detail"]
    assert _count(query, "另一项成果") == 0
    # Without a key, or with a new one, each POST is a new listing.
    client.http.post("/api/v1/achievements", json=ACHIEVEMENT, headers=_auth(token))
    assert _count(query, ACHIEVEMENT["title"]) == 2


def test_a_researcher_creates_edits_submits_and_withdraws_an_achievement(client, query, make_user, make_token):
    owner = make_user("researcher")
    token = make_token(owner, "read write")
    created = client.http.post("/api/v1/achievements", json=ACHIEVEMENT, headers=_auth(token)).get_json()
    assert created["status"] == "draft" and created["price"]["text"] == "50–100 万元"
    assert created["patents"] == ["ZL201720001285.X"]
    url = f"/api/v1/achievements/{created['id']}"
    assert client.http.get(url).status_code == 404  # a draft is nobody else's business

    changed = client.http.put(
        url, json=ACHIEVEMENT | {"title": "改进的固态电解质", "submit": True}, headers=_auth(token)
    )
    assert changed.status_code == 200 and changed.get_json()["status"] == "submitted"
    assert changed.get_json()["title"] == "改进的固态电解质"
    again = client.http.post(f"{url}/submit", headers=_auth(token))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    withdrawn = client.http.post(f"{url}/withdraw", headers=_auth(token))
    assert withdrawn.get_json()["status"] == "offline"

    mine = client.http.get("/api/v1/achievements/mine", headers=_auth(token)).get_json()
    assert [item["id"] for item in mine["items"]] == [created["id"]]
    actions = query(
        lambda s: list(
            s.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_id == created["id"], AuditEvent.action.like("achievement.%"))
                .order_by(AuditEvent.id)
            )
        )
    )
    assert actions == ["achievement.create", "achievement.update", "achievement.submit", "achievement.withdraw"]


def test_invalid_fields_come_back_with_the_forms_messages(client, make_user, make_token):
    token = make_token(make_user("researcher"), "read write")
    bad = ACHIEVEMENT | {"title": "  ", "price": "一百万", "patents": ["ZL12"]}
    for language, words in (("zh-CN", "标题"), ("en", "title")):
        response = client.http.post(
            "/api/v1/achievements", json=bad, headers=_auth(token, **{"Accept-Language": language})
        )
        body = response.get_json()
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
        assert set(body["errors"]["json"]) == {"title", "price", "patents"}
        assert words in body["errors"]["json"]["title"][0].lower()


def test_roles_scopes_and_owners_are_checked(client, query, make_user, make_token):
    researcher = make_user("researcher")
    created = client.http.post(
        "/api/v1/achievements", json=ACHIEVEMENT, headers=_auth(make_token(researcher, "read write"))
    ).get_json()
    url = f"/api/v1/achievements/{created['id']}"
    # A read-only token cannot change anything, even its owner's.
    read_only = client.http.put(url, json=ACHIEVEMENT, headers=_auth(make_token(researcher, "read")))
    assert read_only.status_code == 403
    # An enterprise does not list achievements; without a token nobody writes.
    enterprise = make_token(make_user("enterprise"), "read write")
    assert client.http.post("/api/v1/achievements", json=ACHIEVEMENT, headers=_auth(enterprise)).status_code == 403
    assert client.http.post("/api/v1/achievements", json=ACHIEVEMENT).status_code == 401
    # Another researcher does not learn that the draft exists.
    stranger = make_token(make_user("researcher"), "read write")
    assert client.http.put(url, json=ACHIEVEMENT, headers=_auth(stranger)).status_code == 404
    assert client.http.post(f"{url}/withdraw", headers=_auth(stranger)).status_code == 404
    assert query(lambda s: s.get(Achievement, created["id"]).status) is ListingStatus.DRAFT


def test_an_admin_corrects_a_draft_but_only_its_owner_submits_it(client, query, make_user, make_token):
    researcher = make_user("researcher")
    created = client.http.post(
        "/api/v1/achievements", json=ACHIEVEMENT, headers=_auth(make_token(researcher, "read write"))
    ).get_json()
    url = f"/api/v1/achievements/{created['id']}"
    admin = _auth(make_token(make_user("admin"), "read write"), **{"Accept-Language": "en"})
    refused = client.http.put(url, json=ACHIEVEMENT | {"title": "管理员改的标题", "submit": True}, headers=admin)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["json"]["submit"] == ["Only the listing's owner submits it for review."]
    assert query(lambda s: s.get(Achievement, created["id"]).title) == ACHIEVEMENT["title"]  # nothing saved
    corrected = client.http.put(url, json=ACHIEVEMENT | {"title": "管理员改的标题"}, headers=admin)
    assert corrected.status_code == 200 and corrected.get_json()["title"] == "管理员改的标题"
    assert query(lambda s: s.get(Achievement, created["id"]).status) is ListingStatus.DRAFT


def test_an_enterprise_posts_a_de_identified_need(client, make_user, make_token, make_org):
    from webapp.accounts.models import OrgKind

    org = make_org(OrgKind.ENTERPRISE, name="津南某精密机械有限公司", address="天津市津南区八里台镇")
    token = make_token(make_user("enterprise", organisation_id=org.id), "read write")
    need = {
        "title": "精密轴承磨削振纹问题",
        "description": "磨削后表面出现振纹，需要工艺改进方案。",
        "budget": "30",
        "deadline": "2099-12-31",
        "contact_name": "王工",
        "contact_phone": "13800001111",
        "submit": True,
    }
    created = client.http.post("/api/v1/needs", json=need, headers=_auth(token))
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body["status"] == "submitted" and body["contact_phone"] == "13800001111"
    assert body["budget"]["min"] == body["budget"]["max"] == 300_000
    past = client.http.post("/api/v1/needs", json=need | {"deadline": "2000-01-01"}, headers=_auth(token))
    assert past.status_code == 422 and "deadline" in past.get_json()["errors"]["json"]
