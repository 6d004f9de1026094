"""/api/v1/me/…: a user's own notifications, how they hear of each category and what they follow,
through the pages' services: the same texts, the same choices honoured by notify(), the same
refusals and the same audit events; never anyone else's notifications, never a de-identified
enterprise's name."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.listings.search_factory import field_named, make_listing
from tests.subscriptions.helpers import mails, send
from webapp.accounts.models import OrgKind
from webapp.core.audit import AuditEvent
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.notifications.models import Notification, NotificationPreference
from webapp.subscriptions.models import Subscription

NOTES = "/api/v1/me/notifications"
SETTINGS = "/api/v1/me/notification-settings"
FOLLOWED = "/api/v1/me/subscriptions"


def _auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _actions(query, user) -> list[str]:
    return query(lambda s: list(s.scalars(sa.select(AuditEvent.action).where(AuditEvent.actor_id == user.id))))


def _unread(query, user) -> set[int]:
    return query(
        lambda s: set(
            s.scalars(sa.select(Notification.id).where(Notification.user_id == user.id, Notification.read_at.is_(None)))
        )
    )


@pytest.fixture
def reader(make_user, make_token):
    user = make_user("enterprise")
    user.token = make_token(user, "read write")
    return user


def test_a_user_reads_their_own_notifications_newest_first_and_never_anothers(
    client, make_user, make_token, reader, app
):
    other = make_user("researcher")
    password = send(app, reader, "account.password_changed", link="/account")
    won = send(app, reader, "challenge.won", link="/challenges/7", title="电驱壳体轻量化")
    signed = send(app, reader, "deal.signed", link="/deals/3", title="储能温控", day="2026-03-02")
    theirs = send(app, other, "challenge.won", link="/challenges/8", title=f"他人的榜单{uuid.uuid4().hex[:6]}")

    body = client.http.get(NOTES, headers=_auth(reader.token, **{"Accept-Language": "en"})).get_json()
    assert [n["id"] for n in body["items"]] == [signed, won, password]
    assert body["next_cursor"] is None and body["unread"] == 3
    first = body["items"][1]
    assert first["kind"] == "challenge.won" and first["category"] == "challenges"
    assert first["text"] == "Your application to “电驱壳体轻量化” won. Next, confirm the contract with the enterprise."
    assert first["link"] == "/challenges/7" and first["url"].endswith("/challenges/7")
    assert first["read"] is False and first["read_at"] is None and first["created_at"]
    assert theirs not in {n["id"] for n in body["items"]} and "他人的榜单" not in str(body)

    # In the request's language, as every answer of the API: Chinese by default.
    chinese = client.http.get(NOTES, headers=_auth(reader.token)).get_json()
    assert chinese["items"][1]["text"] == "您对榜单“电驱壳体轻量化”的申请已揭榜成功，请与发榜企业确认合同。"

    # Paged by cursor like the other lists.
    page = client.http.get(f"{NOTES}?limit=2", headers=_auth(reader.token)).get_json()
    assert [n["id"] for n in page["items"]] == [signed, won] and page["next_cursor"] == str(won)
    rest = client.http.get(f"{NOTES}?limit=2&cursor={won}", headers=_auth(reader.token)).get_json()
    assert [n["id"] for n in rest["items"]] == [password] and rest["next_cursor"] is None

    assert client.http.get(NOTES).status_code == 401
    # And the other user only theirs.
    mine = client.http.get(NOTES, headers=_auth(make_token(other))).get_json()
    assert [n["id"] for n in mine["items"]] == [theirs] and mine["unread"] == 1


def test_marking_read_by_ids_or_all_with_the_pages_audit_events(client, make_user, reader, app, query):
    other = make_user("researcher")
    first = send(app, reader, "challenge.won", link="/challenges/1", title="甲")
    second = send(app, reader, "challenge.won", link="/challenges/2", title="乙")
    third = send(app, reader, "challenge.won", link="/challenges/3", title="丙")
    theirs = send(app, other, "challenge.won", link="/challenges/4", title="丁")
    headers = _auth(reader.token, **{"Accept-Language": "en"})

    # Another's notification (or one that does not exist) is refused alike, and nothing is marked.
    for foreign in (theirs, 2**31 - 1):
        refused = client.http.post(f"{NOTES}/read", json={"ids": [first, foreign]}, headers=headers)
        assert refused.status_code == 422, refused.get_json()
        assert refused.get_json()["errors"]["json"]["ids"] == [f"You have no notification {foreign}."]
    assert _unread(query, reader) == {first, second, third} and _unread(query, other) == {theirs}

    done = client.http.post(f"{NOTES}/read", json={"ids": [first, first]}, headers=headers)
    assert done.status_code == 200 and done.get_json() == {"marked": 1, "unread": 2}
    again = client.http.post(f"{NOTES}/read", json={"ids": [first]}, headers=headers).get_json()
    assert again == {"marked": 0, "unread": 2}
    unread = client.http.get(f"{NOTES}?unread=true", headers=headers).get_json()
    assert [n["id"] for n in unread["items"]] == [third, second]
    read = client.http.get(NOTES, headers=headers).get_json()["items"][-1]
    assert read["id"] == first and read["read"] is True and read["read_at"]

    assert client.http.post(f"{NOTES}/read", json={"all": True}, headers=headers).get_json() == {
        "marked": 2,
        "unread": 0,
    }
    assert _unread(query, other) == {theirs}
    actions = _actions(query, reader)
    assert actions.count("notification.read") == 1 and actions.count("notification.read_all") == 1

    for neither in ({}, {"all": False}, {"ids": []}, {"ids": [second], "all": True}):
        assert client.http.post(f"{NOTES}/read", json=neither, headers=headers).status_code == 422
    assert client.http.post(f"{NOTES}/read", json={"all": True}).status_code == 401


def test_a_read_token_reads_but_does_not_mark(client, make_user, make_token, app):
    user = make_user("broker")
    send(app, user, "challenge.won", link="/challenges/1", title="甲")
    token = make_token(user, "read")
    assert client.http.get(NOTES, headers=_auth(token)).status_code == 200
    assert client.http.post(f"{NOTES}/read", json={"all": True}, headers=_auth(token)).status_code == 403


def test_settings_list_each_category_and_a_change_is_honoured_by_the_next_notification(
    client, reader, app, query, mailbox
):
    headers = _auth(reader.token, **{"Accept-Language": "en"})
    body = client.http.get(SETTINGS, headers=headers).get_json()
    categories = {c["code"]: c for c in body["categories"]}
    assert body["email_notifications"] is True
    assert categories["challenges"]["delivery"] == "instant" and categories["challenges"]["can_switch_off"] is True
    assert categories["challenges"]["label"] == "Challenges"
    account = categories["account"]
    assert account["label"] == "Account and security" and account["can_switch_off"] is False
    assert [c["delivery"] for c in account["choices"]] == ["app", "instant", "daily", "weekly"]
    assert categories["subscriptions"]["delivery"] == "daily"
    assert [c["delivery"] for c in categories["suggestions"]["choices"]] == ["weekly", "off"]
    chinese = client.http.get(SETTINGS, headers=_auth(reader.token)).get_json()
    assert {c["code"]: c["label"] for c in chinese["categories"]}["account"] == "账户与安全"

    # Switched off: the next challenge notice is neither in the app nor mailed.
    changed = client.http.put(SETTINGS, json={"categories": {"challenges": "off"}}, headers=headers)
    assert changed.status_code == 200
    assert {c["code"]: c["delivery"] for c in changed.get_json()["categories"]}["challenges"] == "off"
    assert send(app, reader, "challenge.won", link="/challenges/1", title="电驱壳体") is None
    assert not mails(mailbox, reader.email)
    assert client.http.get(NOTES, headers=headers).get_json()["items"] == []

    # At once by e-mail: the next one is in the app and in an e-mail file.
    client.http.put(SETTINGS, json={"categories": {"challenges": "instant", "deals": "weekly"}}, headers=headers)
    send(app, reader, "challenge.won", link="/challenges/2", title="储能温控")
    [(_message, mail_body)] = mails(mailbox, reader.email)
    assert "储能温控" in mail_body
    send(app, reader, "deal.signed", link="/deals/1", title="储能温控", day="2026-03-02")
    assert len(mails(mailbox, reader.email)) == 1  # the deal waits for the weekly digest
    [deal] = query(
        lambda s: list(
            s.scalars(
                sa.select(Notification).where(Notification.kind == "deal.signed", Notification.user_id == reader.id)
            )
        )
    )
    assert deal.digest.value == "weekly"

    events = query(
        lambda s: list(
            s.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.actor_id == reader.id, AuditEvent.action == "notification.preferences")
                .order_by(AuditEvent.id)
            )
        )
    )
    assert [(e.before, e.after) for e in events] == [
        ({"challenges": "instant"}, {"challenges": "off"}),
        ({"challenges": "off", "deals": "instant"}, {"challenges": "instant", "deals": "weekly"}),
    ]
    # The same again changes nothing and records nothing.
    client.http.put(SETTINGS, json={"categories": {"deals": "weekly"}}, headers=headers)
    assert _actions(query, reader).count("notification.preferences") == 2


@pytest.mark.parametrize(
    ("categories", "named", "message"),
    [
        ({"account": "off"}, "account", "“Account and security” cannot be switched off."),
        (
            {"suggestions": "daily"},
            "suggestions",
            "“Weekly suggestions for my listings” cannot be “daily”; choose one of: weekly, off.",
        ),
        ({"news": "app"}, "news", "There is no category “news”"),
        ({"deals": "sometimes"}, "deals", "There is no delivery “sometimes”"),
    ],
)
def test_an_invalid_setting_is_a_422_naming_it_and_nothing_is_saved(client, reader, query, categories, named, message):
    headers = _auth(reader.token, **{"Accept-Language": "en"})
    before = client.http.get(SETTINGS, headers=headers).get_json()
    # Alongside a valid change, which is not saved either.
    response = client.http.put(SETTINGS, json={"categories": {"rooms": "weekly", **categories}}, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]["categories"]
    assert set(errors) == {named} and errors[named][0].startswith(message)
    assert message in response.get_json()["detail"]
    assert client.http.get(SETTINGS, headers=headers).get_json() == before
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).where(NotificationPreference.user_id == reader.id))) == 0
    assert "notification.preferences" not in _actions(query, reader)


def test_several_invalid_settings_are_named_together_in_the_requests_language(client, reader):
    response = client.http.put(
        SETTINGS, json={"categories": {"account": "off", "deals": "never"}}, headers=_auth(reader.token)
    )
    assert response.status_code == 422
    errors = response.get_json()["errors"]["json"]["categories"]
    assert errors["account"] == ["“账户与安全”不能关闭。"]
    assert errors["deals"][0].startswith("没有“never”这种通知方式")
    assert client.http.put(SETTINGS, json={"categories": {}}, headers=_auth(reader.token)).status_code == 200
    assert client.http.put(SETTINGS, json={}, headers=_auth(reader.token)).status_code == 422
    assert client.http.put(SETTINGS, json={"categories": {"deals": "app"}}).status_code == 401


def test_following_by_the_pages_rules_and_audit(client, reader, query):
    headers = _auth(reader.token, **{"Accept-Language": "en"})
    assert client.http.get(FOLLOWED, headers=headers).get_json() == {"fields": [], "keywords": []}
    ai = query(lambda s: field_named(s, "人工智能"))
    chosen = {"field_ids": [ai.id, ai.id], "keywords": ["真空压铸，机器视觉", "机器视觉"]}
    response = client.http.put(FOLLOWED, json=chosen, headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert [(f["id"], f["code"]) for f in body["fields"]] == [(ai.id, ai.code)]
    assert body["keywords"] == ["真空压铸", "机器视觉"]  # read as the page reads its box
    assert client.http.get(FOLLOWED, headers=headers).get_json() == body
    assert _actions(query, reader).count("notification.subscriptions") == 1

    too_many = {"field_ids": [], "keywords": [f"关键词{i}" for i in range(21)]}
    for bad, where, text in (
        ({"field_ids": [ai.id, 2**31 - 1], "keywords": []}, "field_ids", f"there is no field {2**31 - 1}"),
        (too_many, "keywords", "Follow at most 20 keywords."),
        ({"field_ids": [], "keywords": ["超" * 41]}, "keywords", "Keywords are at most 40 characters"),
    ):
        refused = client.http.put(FOLLOWED, json=bad, headers=headers)
        assert refused.status_code == 422, refused.get_json()
        assert text in refused.get_json()["errors"]["json"][where][0]
    assert client.http.get(FOLLOWED, headers=headers).get_json() == body  # nothing changed
    assert client.http.put(FOLLOWED, json={"keywords": []}, headers=headers).status_code == 422  # both, whole
    nul = client.http.put(FOLLOWED, json={"field_ids": [], "keywords": ["真空\x00压铸"]}, headers=headers)
    assert nul.status_code == 422 and "keywords" in nul.get_json()["errors"]["json"]
    assert _actions(query, reader).count("notification.subscriptions") == 1

    client.http.put(FOLLOWED, json={"field_ids": [], "keywords": []}, headers=headers)
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).where(Subscription.user_id == reader.id))) == 0
    assert client.http.get(FOLLOWED).status_code == 401


@pytest.mark.parametrize("role", ["researcher", "enterprise", "broker", "expert", "admin"])
def test_every_account_may_follow_as_on_the_page(client, make_user, make_token, query, role):
    token = make_token(make_user(role), "read write")
    ai = query(lambda s: field_named(s, "人工智能").id)
    response = client.http.put(FOLLOWED, json={"field_ids": [ai], "keywords": []}, headers=_auth(token))
    assert response.status_code == 200 and [f["id"] for f in response.get_json()["fields"]] == [ai]


def test_a_follower_hears_of_a_need_in_their_field_without_its_hidden_enterprise(
    client, app, make_user, make_org, make_token, query, mailbox
):
    from webapp.accounts.models import User
    from webapp.listings import lifecycle
    from webapp.needs.models import Need

    uid = uuid.uuid4().hex[:6]
    secret = f"津南保密精工有限公司{uid}"
    enterprise = make_user("enterprise", organisation_id=make_org(OrgKind.ENTERPRISE, name=secret).id)
    admin, follower = make_user("admin"), make_user("researcher")
    token = make_token(follower, "read write")
    headers = _auth(token, **{"Accept-Language": "en"})
    ai = query(lambda s: field_named(s, "人工智能").id)
    assert client.http.put(FOLLOWED, json={"field_ids": [ai], "keywords": []}, headers=headers).status_code == 200
    client.http.put(SETTINGS, json={"categories": {"subscriptions": "instant"}}, headers=headers)

    def submitted(session):
        need = make_listing(
            session,
            "n",
            status=ListingStatus.SUBMITTED,
            owner_id=enterprise.id,
            title=f"压铸缺陷在线检测{uid}",
            field_id=ai,
            organisation_id=enterprise.organisation_id,
            organisation_name=secret,
            contact_name="保密联系人",
            contact_phone="13700007777",
            show_identity=False,
        )
        session.commit()
        return need.id

    need_id = query(submitted)
    with app.app_context():
        lifecycle.apply(db.session.get(Need, need_id), "approve", db.session.get(User, admin.id))
        db.session.commit()

    body = client.http.get(NOTES, headers=headers).get_json()
    [note] = body["items"]
    assert note["kind"] == "subscription.need" and note["category"] == "subscriptions"
    assert f"压铸缺陷在线检测{uid}" in note["text"] and note["link"] == f"/needs/{need_id}"
    for language in ("en", "zh-CN"):
        answer = client.http.get(NOTES, headers=_auth(token, **{"Accept-Language": language})).get_data(as_text=True)
        assert secret not in answer and "13700007777" not in answer and "保密联系人" not in answer
    [(_message, mail_body)] = mails(mailbox, follower.email)
    assert secret not in mail_body
