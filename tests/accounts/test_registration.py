import sqlalchemy as sa

from tests.conftest import PASSWORD
from webapp.accounts.models import Organisation, OrgKind, Role, User
from webapp.core.audit import AuditEvent
from webapp.notifications.models import Notification


def institution_id(query, name="天津大学") -> int:
    return query(lambda s: s.scalar(sa.select(Organisation.id).where(Organisation.name == name)))


def test_universities_exist_from_the_start(query):
    names = query(
        lambda s: s.scalars(sa.select(Organisation.name).where(Organisation.kind == OrgKind.UNIVERSITY)).all()
    )
    assert {"天津大学", "南开大学"} <= set(names)


def test_researcher_registers_with_a_university_and_is_logged_in(client, query):
    response = client.post(
        "/register",
        {
            "role": "researcher",
            "name": "刘博士",
            "email": "Liu@TJU.example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "institution_id": institution_id(query),
        },
    )
    assert response.status_code == 302
    page = client.get("/account").get_data(as_text=True)
    assert "刘博士" in page and "天津大学" in page

    user = query(lambda s: s.scalar(sa.select(User).where(User.email == "liu@tju.example.cn")))
    assert user.role is Role.RESEARCHER
    actions = query(lambda s: s.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all())
    assert "account.register" in actions
    assert (
        query(lambda s: s.scalar(sa.select(Notification.kind).where(Notification.user_id == user.id)))
        == "account.welcome"
    )


def test_enterprise_registers_its_organisation_with_a_valid_code(client, query):
    response = client.post(
        "/register",
        {
            "role": "enterprise",
            "name": "王经理",
            "email": "wang@qiye.example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "org_name": "天津测试精密机械有限公司",
            "uscc": "91120112ma05qd8r16",
        },
    )
    assert response.status_code == 302
    org = query(lambda s: s.scalar(sa.select(Organisation).where(Organisation.name == "天津测试精密机械有限公司")))
    assert org.kind is OrgKind.ENTERPRISE and org.uscc == "91120112MA05QD8R16"


def test_wrong_check_digit_is_explained_and_the_form_keeps_its_values(client, query):
    response = client.post(
        "/register",
        {
            "role": "enterprise",
            "name": "王经理",
            "email": "wang2@qiye.example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "org_name": "天津某某科技有限公司",
            "uscc": "91120112MA05QD8R17",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "校验" in page or "check digit" in page
    assert 'value="wang2@qiye.example.cn"' in page and "天津某某科技有限公司" in page
    assert query(lambda s: s.scalar(sa.select(User).where(User.email == "wang2@qiye.example.cn"))) is None


def test_an_enterprise_cannot_be_registered_twice(client, make_org, query):
    existing = make_org(OrgKind.ENTERPRISE)
    response = client.post(
        "/register",
        {
            "role": "enterprise",
            "name": "冒名者",
            "email": "fake@qiye.example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "org_name": "另一个名字有限公司",
            "uscc": existing.uscc,
        },
    )
    assert response.status_code == 200
    assert query(lambda s: s.scalar(sa.select(User).where(User.email == "fake@qiye.example.cn"))) is None


def test_duplicate_email_and_weak_password_get_specific_messages(client, make_user, query):
    user = make_user()
    response = client.post(
        "/register",
        {
            "role": "researcher",
            "name": "重复",
            "email": user.email.upper(),
            "password": PASSWORD,
            "confirm": PASSWORD,
            "institution_id": institution_id(query),
        },
    )
    assert response.status_code == 200
    assert "已" in response.get_data(as_text=True) or "already" in response.get_data(as_text=True)

    response = client.post(
        "/register",
        {
            "role": "researcher",
            "name": "弱密码",
            "email": "weak@example.cn",
            "password": "12345678",
            "confirm": "12345678",
            "institution_id": institution_id(query),
        },
    )
    assert response.status_code == 200
    assert query(lambda s: s.scalar(sa.select(User).where(User.email == "weak@example.cn"))) is None


def test_self_registration_cannot_create_privileged_roles(client, query):
    for role in ("admin", "broker", "expert"):
        response = client.post(
            "/register",
            {
                "role": role,
                "name": "黑客",
                "email": f"{role}@evil.example.cn",
                "password": PASSWORD,
                "confirm": PASSWORD,
                "institution_id": institution_id(query),
            },
        )
        assert response.status_code == 200
    assert (
        query(
            lambda s: s.scalar(sa.select(sa.func.count()).select_from(User).where(User.email.like("%@evil.example.cn")))
        )
        == 0
    )


def test_html_in_a_name_is_shown_as_text(client, query):
    client.post(
        "/register",
        {
            "role": "researcher",
            "name": "<script>alert(1)</script>",
            "email": "xss@example.cn",
            "password": PASSWORD,
            "confirm": PASSWORD,
            "institution_id": institution_id(query),
        },
    )
    page = client.get("/account").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
