import re

import sqlalchemy as sa

from tests.conftest import read_mail
from webapp.accounts.models import Organisation, OrgKind, Role, Tier, User
from webapp.core.audit import AuditEvent


def test_admin_invites_a_broker_who_sets_a_password_from_the_mail(
    client, make_client, make_user, make_org, mailbox, query
):
    admin = make_user("admin")
    agency = make_org(OrgKind.AGENCY, name="测试技术转移中心")
    client.login(admin.email)

    response = client.post(
        "/admin/users/new",
        {
            "email": "Broker.New@agency.example.cn",
            "name": "新经理人",
            "role": "broker",
            "organisation_id": agency.id,
            "send_invitation": "y",
        },
    )
    assert response.status_code == 302

    broker = query(lambda s: s.scalar(sa.select(User).where(User.email == "broker.new@agency.example.cn")))
    assert broker.role is Role.BROKER and broker.organisation_id == agency.id
    message, body = read_mail(next(mailbox.glob("*.eml")))
    assert message["To"] == "broker.new@agency.example.cn"
    link = re.search(r"(/password/reset/\S+)", body).group(1)
    invited = make_client()
    assert invited.post(link, {"password": "broker-pass-1", "confirm": "broker-pass-1"}).status_code == 302
    assert invited.login(broker.email, "broker-pass-1").status_code == 302

    event = query(
        lambda s: s.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "account.create", AuditEvent.object_id == broker.id)
        )
    )
    assert event.actor_id == admin.id
    assert event.after["role"] == "broker"


def test_admin_cannot_demote_or_deactivate_themself(client, make_user, query):
    admin = make_user("admin")
    client.login(admin.email)
    response = client.post(f"/admin/users/{admin.id}", {"role": "researcher", "organisation_id": 0, "active": "y"})
    assert response.status_code == 200
    assert query(lambda s: s.get(User, admin.id)).role is Role.ADMIN


def test_role_change_is_audited_with_before_and_after(client, make_user, query):
    admin = make_user("admin")
    user = make_user("researcher")
    client.login(admin.email)
    client.post(f"/admin/users/{user.id}", {"role": "expert", "organisation_id": 0, "active": "y"})
    event = query(
        lambda s: s.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "account.admin_update", AuditEvent.object_id == user.id)
        )
    )
    assert event.before["role"] == "researcher" and event.after["role"] == "expert"
    assert event.actor_id == admin.id and event.created_at.tzinfo is not None


def test_organisation_with_tiers_and_validated_code(client, make_user, query):
    admin = make_user("admin")
    client.login(admin.email)
    bad = client.post(
        "/admin/organisations/new", {"kind": "enterprise", "name": "津南测试瞪羚企业", "uscc": "91120112MA05QD8R10"}
    )
    assert bad.status_code == 200
    assert query(lambda s: s.scalar(sa.select(Organisation).where(Organisation.name == "津南测试瞪羚企业"))) is None

    good = client.post(
        "/admin/organisations/new",
        {
            "kind": "enterprise",
            "name": "津南测试瞪羚企业",
            "uscc": "91120112MA05QD8R16",
            "tiers": ["high_tech", "dengling"],
        },
    )
    assert good.status_code == 302
    org = query(lambda s: s.scalar(sa.select(Organisation).where(Organisation.name == "津南测试瞪羚企业")))
    assert org.tiers == [Tier.HIGH_TECH, Tier.DENGLING]

    client.post(
        f"/admin/organisations/{org.id}",
        {"kind": "enterprise", "name": "津南测试瞪羚企业", "uscc": org.uscc, "tiers": ["lingjun"]},
    )
    assert query(lambda s: s.get(Organisation, org.id).tiers) == [Tier.LINGJUN]
    listing = client.get("/admin/organisations?kind=enterprise").get_data(as_text=True)
    assert "津南测试瞪羚企业" in listing


def test_enterprise_needs_a_code_and_names_are_unique(client, make_user, make_org):
    admin = make_user("admin")
    taken = make_org(OrgKind.ENTERPRISE, name="已存在有限公司")
    client.login(admin.email)
    assert client.post("/admin/organisations/new", {"kind": "enterprise", "name": "无代码公司"}).status_code == 200
    assert client.post("/admin/organisations/new", {"kind": "institute", "name": taken.name}).status_code == 200


def test_audit_log_lists_and_filters_events(client, make_user):
    admin = make_user("admin")
    client.login(admin.email)
    page = client.get("/admin/audit?action=account.login").get_data(as_text=True)
    assert "account.login" in page and admin.name in page
    assert "account.create" not in client.get("/admin/audit?action=account.login").get_data(as_text=True)


def test_the_audit_log_reads_as_words_with_each_changed_field(client, make_user, query):
    from webapp.core import audit

    admin = make_user("admin")

    def record(session):
        audit.record(
            "field.update",
            None,
            actor=session.get(type(admin), admin.id),
            before={"name": "新材料", "aliases": ["材料"]},
            after={"name": "新材料技术", "aliases": ["材料", "新型材料"]},
        )
        session.commit()

    query(record)
    client.http.set_cookie("lang", "en")
    client.login(admin.email)
    page = client.get("/admin/audit?action=field.update").get_data(as_text=True)
    assert "<strong>name</strong>: 新材料 → 新材料技术" in page
    assert "<strong>aliases</strong>: 材料 → 材料, 新型材料" in page
    assert "{&#34;" not in page and '{"name"' not in page  # no raw JSON
