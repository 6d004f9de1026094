"""Personal access tokens: made and revoked on the account page, checked by `authenticate`."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests import clock
from webapp.accounts import tokens
from webapp.accounts.models import ApiToken, User
from webapp.core.audit import AuditEvent
from webapp.extensions import db

TOKEN = re.compile(r'id="new-token-value" type="text" value="(jb_[A-Za-z0-9_-]{43})"')
MOMENT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Beijing


def _create(client, name="统计系统", scopes="read write", days=90):
    return client.post("/account/tokens", {"name": name, "scopes": scopes, "days": days})


def test_a_new_token_is_shown_once_and_only_its_hash_is_stored(client, make_user, query):
    user = make_user("enterprise")
    client.login(user.email)

    response = _create(client)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    plaintext = TOKEN.search(page).group(1)
    assert "令牌不会再次显示" in page

    again = client.get("/account/tokens").get_data(as_text=True)
    assert plaintext not in again
    assert f"{plaintext[:9]}…" in again and "统计系统" in again and "读写" in again
    with client.http.session_transaction() as session:
        assert plaintext not in repr(dict(session))

    rows = query(lambda s: [tuple(row) for row in s.execute(sa.text("SELECT * FROM api_tokens"))])
    assert len(rows) == 1 and all(plaintext not in str(value) for value in rows[0])
    token = query(lambda s: s.scalar(sa.select(ApiToken)))
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert token.user_id == user.id and token.scopes == "read write"
    events = query(lambda s: s.scalars(sa.select(AuditEvent).where(AuditEvent.object_type == "api_tokens")).all())
    assert [e.action for e in events] == ["api_token.create"]
    assert all(plaintext not in repr((e.before, e.after)) for e in events)


def test_a_token_authenticates_its_user_and_marks_its_use_at_most_once_a_minute(app_ctx, make_user, freeze_clock):
    freeze_clock(MOMENT)
    user = db.session.get(User, make_user("researcher").id)
    token, plaintext = tokens.create_token(user, "采集脚本", "read", 30)

    assert tokens.authenticate(f"Bearer {plaintext}") == (user, token)
    assert token.last_used_at is None
    assert tokens.record_use(token) is True and token.last_used_at == MOMENT
    clock.advance(timedelta(seconds=30))
    assert tokens.authenticate(f"bearer  {plaintext} ") == (user, token)
    assert tokens.record_use(token) is False and token.last_used_at == MOMENT
    later = clock.advance(timedelta(seconds=31))
    assert tokens.record_use(token) is True and token.last_used_at == later

    for header in (None, "", plaintext, f"Basic {plaintext}", f"Bearer {plaintext}x", "Bearer jb_unknown"):
        assert tokens.authenticate(header) is None


def test_revoked_expired_and_deactivated_users_tokens_do_not_authenticate(app_ctx, make_user, freeze_clock):
    freeze_clock(MOMENT)
    owner = db.session.get(User, make_user("researcher").id)
    revoked, revoked_text = tokens.create_token(owner, "已撤销", "read")
    expiring, expiring_text = tokens.create_token(owner, "30天", "read", 30)
    assert tokens.revoke_token(owner, revoked) is True
    assert tokens.authenticate(f"Bearer {revoked_text}") is None

    clock.set_time(MOMENT + timedelta(days=30) - timedelta(seconds=1))
    assert tokens.authenticate(f"Bearer {expiring_text}") is not None
    clock.set_time(MOMENT + timedelta(days=30))
    assert tokens.authenticate(f"Bearer {expiring_text}") is None

    other = db.session.get(User, make_user("enterprise").id)
    _token, text = tokens.create_token(other, "停用账户", "read write", 365)
    other.active = False
    assert tokens.authenticate(f"Bearer {text}") is None
    # The lists say why: each token's status is what authentication decides.
    statuses = {t.name: t.status(clock.now()) for t in tokens.tokens_of(owner) + tokens.tokens_of(other)}
    assert statuses == {"已撤销": "revoked", "30天": "expired", "停用账户": "deactivated"}


def test_another_user_cannot_revoke_a_token_but_an_admin_can(client, make_client, make_user, query):
    owner, intruder, admin = make_user("researcher"), make_user("enterprise"), make_user("admin")
    owner_client = make_client()
    owner_client.login(owner.email)
    plaintext = TOKEN.search(_create(owner_client).get_data(as_text=True)).group(1)
    token_id = query(lambda s: s.scalar(sa.select(ApiToken.id)))

    client.login(intruder.email)
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 403
    assert query(lambda s: s.get(ApiToken, token_id).revoked_at) is None
    assert query(lambda s: tokens.authenticate(f"Bearer {plaintext}")) is not None

    client.logout()
    client.login(admin.email)
    listing = client.get("/admin/tokens?q=" + owner.email).get_data(as_text=True)
    assert "统计系统" in listing and owner.email in listing
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/tokens")
    assert "已撤销，不能再访问 API" in client.get("/admin/tokens").get_data(as_text=True)
    row = query(lambda s: s.get(ApiToken, token_id))
    assert row.revoked_at is not None and row.revoked_by_id == admin.id
    assert query(lambda s: tokens.authenticate(f"Bearer {plaintext}")) is None

    client.post(f"/account/tokens/{token_id}/revoke")
    assert "此前已被撤销" in client.get("/admin/tokens").get_data(as_text=True)
    revocations = query(lambda s: s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api_token.revoke")).all())
    assert [(e.actor_id, e.object_id) for e in revocations] == [(admin.id, token_id)]


def test_the_owner_revokes_from_the_account_page(client, make_user, query):
    owner = make_user("broker")
    client.login(owner.email)
    _create(client)
    token_id = query(lambda s: s.scalar(sa.select(ApiToken.id)))
    response = client.post(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/tokens")
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "已撤销" in page and f"/account/tokens/{token_id}/revoke" not in page


def test_the_twenty_first_live_token_is_refused(client, make_user, query):
    user = make_user("researcher")

    def twenty(session):
        for n in range(20):
            tokens.create_token(session.get(User, user.id), f"令牌{n}", "read")
        session.commit()

    query(twenty)
    client.login(user.email)
    response = _create(client, name="第二十一个")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and not TOKEN.search(page)
    assert "您已有 20 个有效令牌" in page
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ApiToken))) == 20

    first = query(lambda s: s.scalar(sa.select(ApiToken.id).order_by(ApiToken.id)))
    client.post(f"/account/tokens/{first}/revoke")
    assert TOKEN.search(_create(client, name="第二十一个").get_data(as_text=True))


def test_the_token_pages_in_chinese_and_in_english(client, make_user, freeze_clock):
    freeze_clock(MOMENT)
    admin = make_user("admin")
    client.login(admin.email)
    _create(client, name="看板", scopes="read", days=365)

    chinese = client.get("/account/tokens").get_data(as_text=True)
    for text in ("API 令牌", "只读", "2026年3月2日", "2027年3月2日", "从未", "有效", "创建令牌"):
        assert text in chinese, text
    assert "API 令牌" in client.get("/account").get_data(as_text=True)
    admin_zh = client.get("/admin/tokens").get_data(as_text=True)
    assert "看板" in admin_zh and "2027年3月2日" in admin_zh and admin.email in admin_zh

    client.get("/lang/en?next=/")
    english = client.get("/account/tokens").get_data(as_text=True)
    for text in ("API tokens", "Read", "2026-03-02", "2027-03-02", "Never", "Active", "Create token"):
        assert text in english, text
    assert "令牌" not in english.replace("看板", "")
    admin_en = client.get("/admin/tokens").get_data(as_text=True)
    assert "Expires" in admin_en and "2027-03-02" in admin_en

    clock.set_time(MOMENT + timedelta(days=366))
    client.login(admin.email)
    assert "Expired" in client.get("/account/tokens").get_data(as_text=True)
