"""The listings as the public pages show them: de-identified needs, no confidential part, paging."""

import json

from tests.listings.search_factory import make_listing
from webapp.accounts.models import OrgKind

SECRET_ORG = "秘密甲乙丙化工有限公司"
SECRET_CONTACT = "联系人丁戊己"
SECRET_PHONE = "13912345678"
SECRET_TEXT = "绝密工艺参数XQZ-7781"


def _hidden_need(query, make_org, make_user):
    org = make_org(OrgKind.ENTERPRISE, name=SECRET_ORG, address="天津市津南区咸水沽镇某路1号")
    owner = make_user("enterprise", organisation_id=org.id)

    def add(session):
        need = make_listing(
            session,
            "n",
            title="需要一种废水处理工艺",
            organisation_id=org.id,
            owner_id=owner.id,
            organisation_name=SECRET_ORG,
            contact_name=SECRET_CONTACT,
            contact_phone=SECRET_PHONE,
            show_identity=False,
        )
        session.commit()
        return need.id

    return query(add), owner


def test_a_de_identified_need_never_shows_who_posted_it(client, query, make_org, make_user, make_token):
    need_id, owner = _hidden_need(query, make_org, make_user)
    other = make_user("enterprise", organisation_id=make_org(OrgKind.ENTERPRISE).id)
    other_token = make_token(other)
    for headers in ({}, {"Authorization": f"Bearer {other_token}"}):
        for url in (f"/api/v1/needs/{need_id}", "/api/v1/needs", "/api/v1/needs?q=废水处理"):
            response = client.http.get(url, headers=headers)
            assert response.status_code == 200, url
            text = json.dumps(response.get_json(), ensure_ascii=False)
            assert "废水处理" in text
            assert SECRET_ORG not in text and SECRET_CONTACT not in text and SECRET_PHONE not in text
            assert "某企业（津南区）" in text
        # Searching by the hidden organisation's name does not find it either.
        found = client.http.get(f"/api/v1/needs?org={SECRET_ORG}", headers=headers).get_json()
        assert found["items"] == []

    mine = client.http.get(f"/api/v1/needs/{need_id}", headers={"Authorization": f"Bearer {make_token(owner)}"})
    body = mine.get_json()
    assert body["identity_shown"] and body["contact_phone"] == SECRET_PHONE and body["organisation"] == SECRET_ORG


def test_an_achievements_confidential_part_never_appears(client, query, make_user, make_token):
    owner = make_user("researcher")
    achievement_id = query(
        lambda s: (
            (make_listing(s, "a", title="高效催化剂", confidential=SECRET_TEXT, owner_id=owner.id), s.commit())[0].id
        )
    )
    stranger = make_token(make_user("enterprise"))
    for headers in ({}, {"Authorization": f"Bearer {stranger}"}):
        for url in (f"/api/v1/achievements/{achievement_id}", "/api/v1/achievements", "/api/v1/achievements?q=催化剂"):
            text = client.http.get(url, headers=headers).get_data(as_text=True)
            assert "催化剂" in text and SECRET_TEXT not in text and "XQZ" not in text
    assert client.http.get(f"/api/v1/achievements/{achievement_id}").get_json()["has_confidential_part"] is True
    # Its owner reads back what they wrote, as on the page.
    own = client.http.get(
        f"/api/v1/achievements/{achievement_id}", headers={"Authorization": f"Bearer {make_token(owner)}"}
    )
    assert own.get_json()["confidential"] == SECRET_TEXT


def test_a_draft_is_a_404_problem_for_anyone_else(client, query, make_user, make_token):
    from webapp.listings.models import ListingStatus

    owner = make_user("enterprise")
    draft = query(lambda s: (make_listing(s, "n", status=ListingStatus.DRAFT, owner_id=owner.id), s.commit())[0].id)
    for headers in ({}, {"Authorization": f"Bearer {make_token(make_user('enterprise'))}"}):
        response = client.http.get(f"/api/v1/needs/{draft}", headers=headers)
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.http.get("/api/v1/needs?limit=100").get_json()["items"] == []


def test_a_cursor_walks_25_listings_in_pages_of_10_without_repeats(client, query):
    query(lambda s: ([make_listing(s, "n", title=f"需求{i}", minutes=i) for i in range(25)], s.commit()))
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/v1/needs?limit=10" + (f"&cursor={cursor}" if cursor else "")
        body = client.http.get(url).get_json()
        pages += 1
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 25 and len(set(seen)) == 25
    titles = [client.http.get(f"/api/v1/needs/{i}").get_json()["title"] for i in seen[:2]]
    assert titles == ["需求24", "需求23"]  # newest first, as the library page


def test_search_results_page_by_cursor_too(client, query):
    query(lambda s: ([make_listing(s, "a", title=f"锂电池回收方法{i}", minutes=i) for i in range(12)], s.commit()))
    first = client.http.get("/api/v1/achievements?q=锂电池&limit=10").get_json()
    second = client.http.get(f"/api/v1/achievements?q=锂电池&limit=10&cursor={first['next_cursor']}").get_json()
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == 12 and second["next_cursor"] is None


def test_the_taxonomy_is_the_field_tree(client):
    body = client.http.get("/api/v1/taxonomy", headers={"Accept-Language": "en"}).get_json()
    assert body["fields"] and all({"id", "code", "name", "children"} <= set(f) for f in body["fields"])
