"""Admins edit the technical-field taxonomy: the tree with priority marks and listing counts,
creating and editing fields, the duplicate-name rule (enforced by the database) and the delete rule."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.listings.pages import add_achievement, add_need, read_form
from webapp.core.audit import AuditEvent
from webapp.listings.models import ListingStatus as S
from webapp.taxonomy.models import TechField


@pytest.fixture
def admin(client, make_user):
    client.http.set_cookie("lang", "en")
    user = make_user("admin")
    client.login(user.email)
    return user


def field(query, name: str, parent: str | None = None) -> TechField | None:
    def find(session):
        q = sa.select(TechField).where(TechField.name == name)
        if parent is not None:
            q = q.where(TechField.parent_id == session.scalar(sa.select(TechField.id).where(TechField.name == parent)))
        return session.scalar(q)

    return query(find)


def audit_actions(query, field_id: int) -> list[str]:
    return query(
        lambda s: list(
            s.scalars(
                sa.select(AuditEvent.action)
                .where(AuditEvent.object_type == "tech_fields", AuditEvent.object_id == field_id)
                .order_by(AuditEvent.id)
            )
        )
    )


def test_the_tree_shows_top_level_fields_their_children_priorities_and_counts(client, admin, make_user, query):
    researcher, enterprise = make_user("researcher"), make_user("enterprise")
    ai = field(query, "人工智能")
    add_achievement(query, researcher, S.PUBLISHED, field_id=ai.id)
    add_achievement(query, researcher, S.DRAFT, field_id=ai.id)
    add_need(query, enterprise, S.PUBLISHED, field_id=ai.id)
    html = client.get("/admin/fields/").get_data(as_text=True)
    rows = html.split('id="field-tree"')[1]
    top, child = rows.index(">电子信息<"), rows.index(">人工智能<")
    assert top < child < rows.index(">生物与新医药<")
    ai_row = rows.split(f'id="field-{ai.id}"')[1].split("</tr>")[0]
    assert "Priority" in ai_row and '<td class="text-end">3</td>' in ai_row
    soft_row = rows.split(f'id="field-{field(query, "计算机软件").id}"')[1].split("</tr>")[0]
    assert "Priority" not in soft_row and '<td class="text-end">0</td>' in soft_row


def test_an_admin_adds_a_sub_field_with_aliases_that_imports_then_recognise(client, admin, query):
    parent = field(query, "电子信息")
    response = client.post(
        "/admin/fields/new",
        {
            "name": " 光电子器件 ",
            "parent_id": str(parent.id),
            "aliases": "光电器件，激光器, 光通信 模块、光电器件",
            "priority": "y",
            "position": "20",
        },
    )
    assert response.status_code == 302
    created = field(query, "光电子器件", "电子信息")
    assert created.aliases == ["光电器件", "激光器", "光通信 模块"]
    assert created.priority and created.position == 20
    assert created.code.startswith(parent.code) and created.code != parent.code
    assert audit_actions(query, created.id) == ["field.create"]
    assert "光电子器件" in client.get(response.headers["Location"]).get_data(as_text=True)

    from webapp.taxonomy.services import FieldResolver

    assert query(lambda s: FieldResolver().resolve("电子信息-激光器").id) == created.id


def test_a_name_already_used_under_the_same_parent_is_a_form_error(client, admin, query):
    before = query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(TechField)))
    parent = field(query, "电子信息")
    page = client.post("/admin/fields/new", {"name": "人工智能", "parent_id": str(parent.id), "position": "0"})
    assert page.status_code == 200
    form = read_form(page.get_data(as_text=True))
    assert "already a field named “人工智能” under 电子信息" in " ".join(form.errors["name"])
    assert form.values["name"] == "人工智能"
    # Top-level names are unique too, although a NULL parent never collides in the constraint.
    page = client.post("/admin/fields/new", {"name": "新材料", "parent_id": "0", "position": "0"})
    assert "already a field named “新材料”" in " ".join(read_form(page.get_data(as_text=True)).errors["name"])
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(TechField))) == before
    # The same name under another parent is fine.
    other_parent = field(query, "新材料")
    assert client.post("/admin/fields/new", {"name": "人工智能", "parent_id": str(other_parent.id)}).status_code == 302


def test_editing_renames_moves_and_is_audited(client, admin, query):
    target = field(query, "会展科技")
    new_parent = field(query, "电子信息")
    response = client.post(
        f"/admin/fields/{target.id}",
        {
            "name": "会展与数字文旅",
            "parent_id": str(new_parent.id),
            "aliases": "会展, 文旅",
            "position": "3",
        },
    )
    assert response.status_code == 302
    edited = query(lambda s: s.get(TechField, target.id))
    assert (edited.name, edited.parent_id, edited.aliases, edited.priority) == (
        "会展与数字文旅",
        new_parent.id,
        ["会展", "文旅"],
        False,
    )
    assert audit_actions(query, target.id) == ["field.update"]
    page = client.get(f"/admin/fields/{target.id}").get_data(as_text=True)
    assert read_form(page).values["aliases"] == "会展, 文旅"


def test_two_levels_only(client, admin, query):
    top, child = field(query, "新材料"), field(query, "人工智能")
    page = client.post(f"/admin/fields/{top.id}", {"name": "新材料", "parent_id": str(field(query, "电子信息").id)})
    assert "sub-fields" in " ".join(read_form(page.get_data(as_text=True)).errors["parent_id"])
    page = client.post("/admin/fields/new", {"name": "大模型", "parent_id": str(child.id)})
    assert page.status_code == 200  # a child is not offered as a parent
    assert field(query, "大模型") is None


def test_a_field_in_use_or_with_sub_fields_is_not_deleted(client, admin, make_user, query):
    used = field(query, "人工智能")
    add_achievement(query, make_user("researcher"), S.DRAFT, field_id=used.id)
    response = client.post(f"/admin/fields/{used.id}/delete")
    assert "is the field of 1 listing" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert field(query, "人工智能") is not None

    parent = field(query, "电子信息")
    response = client.post(f"/admin/fields/{parent.id}/delete")
    assert "has 9 sub-fields" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert field(query, "电子信息") is not None


def test_an_unused_leaf_field_is_deleted_and_audited(client, admin, query):
    unused = field(query, "区块链与量子信息")
    response = client.post(f"/admin/fields/{unused.id}/delete")
    assert response.headers["Location"].endswith("/admin/fields/")
    assert field(query, "区块链与量子信息") is None
    assert audit_actions(query, unused.id) == ["field.delete"]


def test_only_admins_edit_fields(app_ctx, make_user):
    from webapp.accounts.models import User
    from webapp.core.permissions import PermissionDenied
    from webapp.extensions import db
    from webapp.taxonomy import services

    broker = db.session.get(User, make_user("broker").id)
    target = db.session.scalar(sa.select(TechField).where(TechField.name == "人工智能"))
    with pytest.raises(PermissionDenied):
        services.save_field(broker, None, name="大模型", parent=target.parent, aliases="", priority=False, position=0)
    with pytest.raises(PermissionDenied):
        services.delete_field(broker, target)


def test_a_field_shows_its_english_name_on_english_pages_and_its_own_in_chinese(client, admin, query):
    parent = field(query, "电子信息")
    response = client.post(
        "/admin/fields/new",
        {"name": "光电子器件", "name_en": " Optoelectronic  devices ", "parent_id": str(parent.id), "position": "5"},
    )
    assert response.status_code == 302
    created = field(query, "光电子器件", "电子信息")
    assert created.name_en == "Optoelectronic devices"
    english = client.get("/achievements/").get_data(as_text=True)
    assert "— Optoelectronic devices" in english and "Electronic information" in english  # the filter's choices
    client.http.set_cookie("lang", "zh_CN")
    chinese = client.get("/achievements/").get_data(as_text=True)
    assert "— 光电子器件" in chinese and "Optoelectronic devices" not in chinese
