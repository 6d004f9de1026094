"""Uploading a list through the API, as on the upload page: who may upload what, the same checks of
the file with the page's messages, the job in the background, and its summary for its uploader only."""

from __future__ import annotations

import io
import uuid

import pytest
import sqlalchemy as sa

from tests.imports.conftest import achievement, need, write_csv
from webapp.accounts.models import OrgKind
from webapp.achievements.models import Achievement
from webapp.core.audit import AuditEvent
from webapp.imports.models import ImportJob
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need


def _auth(token: str, **headers) -> dict:
    return {"Authorization": f"Bearer {token}", **headers}


def _upload(client, token: str, path, headers=None, **fields):
    data = {"kind": "achievements", **fields, "file": (io.BytesIO(path.read_bytes()), path.name)}
    return client.http.post(
        "/api/v1/imports",
        data=data,
        content_type="multipart/form-data",
        headers=_auth(token, **(headers or {})),
        buffered=True,  # the response is closed, as a server closes it: then the import runs (in-process)
    )


def _count(query, model) -> int:
    return query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(model)))


@pytest.fixture
def office(make_user, make_org, make_token):
    """A university's technology transfer office: a researcher of the university, with a write token."""
    university = make_org(OrgKind.UNIVERSITY, name="津南示范大学")
    user = make_user("researcher", organisation_id=university.id)
    user.token = make_token(user, "read write")
    user.university = university
    return user


def test_a_universitys_list_is_imported_and_its_summary_shown(client, office, query, tmp_path):
    rows = [
        achievement(1, institution=""),
        achievement(2, title=" "),
        achievement(3, price="-1"),
        achievement(4, title="一种秸秆还田机的旋耕刀具", summary="刀片耐磨，适用于玉米秸秆还田。"),
    ]
    path = write_csv(tmp_path / "成果.csv", rows)

    response = _upload(client, office.token, path)

    assert response.status_code == 202, response.get_data(as_text=True)
    job = response.get_json()
    assert job["filename"] == "成果.csv" and job["kind"] == "achievements"
    assert job["target_status"] == "submitted"  # a researcher's rows wait for review, as on the page
    location = response.headers["Location"]
    assert location.endswith(f"/api/v1/imports/{job['id']}")

    status = client.http.get(location, headers=_auth(office.token)).get_json()
    assert status["status"] == "done" and status["finished"] and status["percent"] == 100
    assert status["processed"] == status["total"] == 4
    summary = status["summary"]
    assert (summary["rows"], summary["imported"], summary["updated"], summary["unchanged"]) == (4, 2, 0, 0)
    assert summary["skipped"] == [
        {"line": 3, "reason": "title: 请填写标题。"},
        {"line": 4, "reason": "price: 金额不能为负数。"},
    ]
    assert summary["error"] is None and "4 行" in summary["text"]

    imported = query(
        lambda s: s.execute(
            sa.select(Achievement.owner_id, Achievement.organisation_id, Achievement.status).order_by(Achievement.id)
        ).all()
    )
    assert imported == [(office.id, office.university.id, ListingStatus.SUBMITTED)] * 2
    audit = query(lambda s: s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "import.upload")).one())
    assert audit.actor_id == office.id and audit.object_id == job["id"]

    # The same file again changes nothing: every row is recognised by its external_id.
    again = client.http.get(_upload(client, office.token, path).headers["Location"], headers=_auth(office.token))
    assert again.get_json()["summary"]["unchanged"] == 2 and _count(query, Achievement) == 2


def test_an_admin_saves_the_new_listings_as_drafts(client, make_user, make_token, query, tmp_path):
    token = make_token(make_user("admin"), "read write")
    path = write_csv(tmp_path / "needs.csv", [need(1), need(2)])

    response = _upload(client, token, path, kind="needs", status="draft")

    assert response.status_code == 202 and response.get_json()["target_status"] == "draft"
    assert query(lambda s: s.scalars(sa.select(Need.status)).all()) == [ListingStatus.DRAFT] * 2


def test_a_file_of_the_wrong_type_is_refused_with_the_pages_message(client, office, query, tmp_path):
    (tmp_path / "成果.pdf").write_bytes(b"%PDF-1.4")
    response = _upload(client, office.token, tmp_path / "成果.pdf")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert "不是 .jsonl、.csv 或 .xlsx 文件" in problem["detail"]
    assert problem["errors"]["files"]["file"] == [problem["detail"]]

    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "无法按 Excel 工作簿（.xlsx）读取该文件" in _upload(client, office.token, broken).get_json()["detail"]

    bad_map = _upload(client, office.token, write_csv(tmp_path / "a.csv", [achievement(1)]), mapping="name")
    assert (
        bad_map.status_code == 422 and "不是“源列=目标列”的形式" in bad_map.get_json()["errors"]["files"]["mapping"][0]
    )

    no_file = client.http.post(
        "/api/v1/imports",
        data={"kind": "achievements"},
        content_type="multipart/form-data",
        headers=_auth(office.token),
    )
    assert no_file.status_code == 422 and no_file.get_json()["errors"]["files"]["file"] == ["请选择文件。"]
    assert _count(query, ImportJob) == 0


def test_a_file_over_the_limits_is_refused(app, client, office, query, tmp_path):
    rows = tmp_path / "rows.csv"
    rows.write_bytes(b"title,summary\n" + b",\n" * 30)
    app.config["IMPORT_MAX_ROWS"], app.config["MAX_CONTENT_LENGTH"] = 10, 2000
    try:
        too_many = _upload(client, office.token, rows)
        assert too_many.status_code == 422 and "一个文件最多 10 行" in too_many.get_json()["detail"]
        large = tmp_path / "large.csv"
        large.write_bytes(b"title,summary\n" + "标题,简介\n".encode() * 500)
        too_large = _upload(client, office.token, large)
    finally:
        app.config["IMPORT_MAX_ROWS"], app.config["MAX_CONTENT_LENGTH"] = 100_000, 20 * 1024 * 1024
    assert too_large.status_code == 413 and too_large.mimetype == "application/problem+json"
    assert _count(query, ImportJob) == 0


def test_who_may_upload(client, make_user, make_org, make_token, query, tmp_path):
    path = write_csv(tmp_path / "a.csv", [achievement(1)])
    for user in (
        make_user("enterprise"),
        make_user("broker"),
        make_user("expert"),
        make_user("researcher"),  # of no university or institute
        make_user("researcher", organisation_id=make_org(OrgKind.ENTERPRISE).id),
    ):
        assert _upload(client, make_token(user, "read write"), path).status_code == 403, user.role
    institute = make_user("researcher", organisation_id=make_org(OrgKind.INSTITUTE).id)
    needs = _upload(client, make_token(institute, "read write"), write_csv(tmp_path / "n.csv", [need(1)]), kind="needs")
    assert needs.status_code == 422  # needs are the admins' to import: not a choice, as on the page
    assert needs.get_json()["errors"]["files"]["kind"] == ["您只能导入：achievements。"]
    assert _upload(client, make_token(institute, "read"), path).status_code == 403  # a read token
    anonymous = client.http.post("/api/v1/imports", data={"kind": "achievements"}, content_type="multipart/form-data")
    assert anonymous.status_code == 401
    assert _count(query, ImportJob) == 0


def test_only_the_uploader_and_admins_see_the_job(client, office, make_user, make_token, query, tmp_path):
    location = _upload(client, office.token, write_csv(tmp_path / "a.csv", [achievement(1)])).headers["Location"]
    colleague = make_user("researcher", organisation_id=office.university.id)

    hidden = client.http.get(location, headers=_auth(make_token(colleague)))
    assert (
        hidden.status_code == 404
        and hidden.get_json()["detail"]
        == client.http.get("/api/v1/imports/2147483647", headers=_auth(make_token(colleague))).get_json()["detail"]
    )
    assert client.http.get(location, headers=_auth(make_token(make_user("enterprise")))).status_code == 404
    assert client.http.get(location).status_code == 401
    assert client.http.get(location, headers=_auth(make_token(make_user("admin")))).status_code == 200
    assert client.http.get("/api/v1/imports/99999999999", headers=_auth(office.token)).status_code == 404


def test_each_uploader_lists_their_own_imports_and_admins_list_all(
    client, office, make_user, make_org, make_token, query, tmp_path
):
    first = _upload(client, office.token, write_csv(tmp_path / "a.csv", [achievement(1)])).get_json()["id"]
    second = _upload(client, office.token, write_csv(tmp_path / "b.csv", [achievement(2)])).get_json()["id"]
    other = make_user("researcher", organisation_id=make_org(OrgKind.INSTITUTE, name="另一研究所").id)
    theirs = _upload(client, make_token(other, "read write"), write_csv(tmp_path / "c.csv", [achievement(3)]))
    theirs = theirs.get_json()["id"]

    page = client.http.get("/api/v1/imports?limit=1", headers=_auth(office.token)).get_json()
    assert [job["id"] for job in page["items"]] == [second]  # newest first
    rest = client.http.get(f"/api/v1/imports?cursor={page['next_cursor']}", headers=_auth(office.token)).get_json()
    assert [job["id"] for job in rest["items"]] == [first] and rest["next_cursor"] is None
    assert rest["items"][0]["filename"] == "a.csv" and rest["items"][0]["summary"]["imported"] == 1

    everyone = client.http.get("/api/v1/imports", headers=_auth(make_token(make_user("admin")))).get_json()
    assert [job["id"] for job in everyone["items"]] == [theirs, second, first]
    assert client.http.get("/api/v1/imports", headers=_auth(make_token(make_user("enterprise")))).get_json() == {
        "items": [],
        "next_cursor": None,
    }
    assert client.http.get("/api/v1/imports").status_code == 401


def test_a_retried_upload_with_its_idempotency_key_makes_one_job(client, office, query, tmp_path):
    path = write_csv(tmp_path / "a.csv", [achievement(1)])
    key = {"Idempotency-Key": str(uuid.uuid4())}

    first = _upload(client, office.token, path, headers=key)
    again = _upload(client, office.token, path, headers=key)

    assert first.status_code == again.status_code == 202 and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert _count(query, ImportJob) == 1
    other = _upload(client, office.token, write_csv(tmp_path / "b.csv", [achievement(2)]), headers=key)
    assert other.status_code == 422 and _count(query, ImportJob) == 1


def test_a_hidden_enterprise_never_appears_in_an_import_summary(client, office, make_org, make_user, query, tmp_path):
    """An achievement row naming a de-identified enterprise's need by its external_id is refused without
    naming whose it is."""
    secret = make_org(OrgKind.ENTERPRISE, name="津南保密科技有限公司")
    poster = make_user("enterprise", organisation_id=secret.id)
    query(
        lambda s: (
            s.add(
                Achievement(
                    title="企业自有成果",
                    summary="简介",
                    external_id="t-a-9",
                    owner_id=poster.id,
                    organisation_id=secret.id,
                )
            ),
            s.commit(),
        )
    )
    location = _upload(client, office.token, write_csv(tmp_path / "a.csv", [achievement(9)])).headers["Location"]
    body = client.http.get(location, headers=_auth(office.token)).get_data(as_text=True)
    assert "t-a-9" in body and secret.name not in body and poster.email not in body
