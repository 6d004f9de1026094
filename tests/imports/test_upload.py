"""The upload page: who may use it, the summary it shows, and a researcher's uploads."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from tests.imports.conftest import achievement, need, write_csv, write_xlsx
from webapp.accounts.models import OrgKind
from webapp.achievements.models import Achievement
from webapp.imports.models import ImportJob
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need


def upload(client, path, kind="achievements", **fields):
    data = {
        "kind": kind,
        "status": "published",
        "mapping": "",
        **fields,
        "file": (io.BytesIO(path.read_bytes()), path.name),
    }
    return client.post("/imports/", data, content_type="multipart/form-data")


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no #{element_id} in the page"
    return match.group(1).strip()


def test_admin_upload_shows_the_summary_with_every_skip(client, make_user, tmp_path, query):
    admin = make_user("admin")
    client.login(admin.email)
    rows = [achievement(1), achievement(2, title=" "), achievement(3, price="-1"), achievement(1, title="重复")]
    path = write_csv(tmp_path / "成果清单.csv", rows)

    response = upload(client, path)

    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "成果清单.csv" in html
    assert text_of(html, "count-imported") == "1" and text_of(html, "count-skipped") == "3"
    assert text_of(html, "count-updated") == "0" and text_of(html, "count-unchanged") == "0"
    skipped = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", html)
    assert skipped == [
        ("3", "title: 请填写标题。"),
        ("4", "price: 金额不能为负数。"),
        ("5", "external_id “t-a-1” 重复，首次出现在第 2 行"),
    ]
    assert 'id="import-progress"' not in html  # finished: no progress bar left
    status = client.get(response.headers["Location"] + "/status").get_json()
    assert status["finished"] and status["processed"] == status["total"] == 4
    assert (
        query(lambda s: s.scalar(sa.select(Achievement.status).where(Achievement.external_id == "t-a-1")))
        is ListingStatus.PUBLISHED
    )

    again = upload(client, path)
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert text_of(html, "count-imported") == "0" and text_of(html, "count-unchanged") == "1"


def test_admin_uploads_needs_as_drafts_with_a_mapping(client, make_user, tmp_path, query):
    admin = make_user("admin")
    client.login(admin.email)
    row = need(1)
    row["需求名称"] = row.pop("title")
    path = write_xlsx(tmp_path / "needs.xlsx", [row])

    response = upload(client, path, kind="needs", status="draft", mapping="需求名称=title")

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert text_of(html, "count-imported") == "1"
    stored = query(lambda s: s.execute(sa.select(Need.title, Need.status)).one())
    assert stored.title == "电池热失控预警技术需求1" and stored.status is ListingStatus.DRAFT


def test_a_bad_mapping_or_file_type_is_answered_in_the_form(client, make_user, tmp_path, query):
    client.login(make_user("admin").email)
    path = write_csv(tmp_path / "a.csv", [achievement(1)])

    bad_map = upload(client, path, mapping="name")
    assert bad_map.status_code == 200 and "不是“源列=目标列”的形式" in bad_map.get_data(as_text=True)

    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    bad_type = upload(client, tmp_path / "a.pdf")
    assert bad_type.status_code == 200 and "不是 .jsonl、.csv 或 .xlsx 文件" in bad_type.get_data(as_text=True)
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ImportJob))) == 0


def test_a_broken_workbook_is_refused_at_upload_with_its_reason_and_nothing_is_kept(client, make_user, tmp_path, query):
    client.login(make_user("admin").email)
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")

    response = upload(client, path)

    assert response.status_code == 200  # the form again, with the reason under the file field
    assert "无法按 Excel 工作簿（.xlsx）读取该文件" in response.get_data(as_text=True)
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ImportJob))) == 0
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Achievement))) == 0


def test_a_researchers_upload_becomes_their_institutions_and_waits_for_review(
    client, make_user, make_org, tmp_path, query
):
    university = make_org(OrgKind.UNIVERSITY)
    researcher = make_user("researcher", organisation_id=university.id)
    someone_else = make_user("researcher")
    query(
        lambda s: (
            s.add(Achievement(title="别人的成果", summary="简介", external_id="t-a-2", owner_id=someone_else.id)),
            s.commit(),
        )
    )
    client.login(researcher.email)
    form = client.get("/imports/").get_data(as_text=True)
    assert 'value="needs"' not in form and 'id="review-note"' in form

    data = {
        "kind": "achievements",
        "mapping": "",  # no status field: the form has none for researchers
        "file": (
            io.BytesIO(write_csv(tmp_path / "ours.csv", [achievement(1, institution=""), achievement(2)]).read_bytes()),
            "ours.csv",
        ),
    }
    response = client.post("/imports/", data, content_type="multipart/form-data")

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert text_of(html, "count-imported") == "1"
    assert "external_id “t-a-2” 属于您无权修改的条目。" in html
    assert "新导入的成果审核通过后发布。" in html
    ours = query(lambda s: s.scalars(sa.select(Achievement).where(Achievement.external_id == "t-a-1")).one())
    assert ours.owner_id == researcher.id and ours.organisation_id == university.id
    assert ours.status is ListingStatus.SUBMITTED and ours.published_at is None
    theirs = query(lambda s: s.scalar(sa.select(Achievement.title).where(Achievement.external_id == "t-a-2")))
    assert theirs == "别人的成果"


def test_researchers_cannot_upload_needs(client, make_user, make_org, tmp_path, query):
    institute = make_org(OrgKind.INSTITUTE)
    client.login(make_user("researcher", organisation_id=institute.id).email)
    response = upload(client, write_csv(tmp_path / "needs.csv", [need(1)]), kind="needs")
    assert response.status_code == 200  # the form again: "needs" is not a choice for them
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ImportJob))) == 0


def test_who_may_open_the_upload_page(client, make_user, make_org, tmp_path, query):
    path = write_csv(tmp_path / "a.csv", [achievement(1)])
    anonymous = client.get("/imports/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    for user in (
        make_user("enterprise"),
        make_user("researcher"),
        make_user("broker"),
        make_user("researcher", organisation_id=make_org(OrgKind.ENTERPRISE).id),
    ):
        client.login(user.email)
        assert client.get("/imports/").status_code == 403
        assert upload(client, path).status_code == 403
        client.logout()
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Achievement))) == 0


def test_an_import_job_is_only_shown_to_its_uploader_and_admins(client, make_user, make_org, tmp_path):
    researcher = make_user("researcher", organisation_id=make_org(OrgKind.UNIVERSITY).id)
    client.login(researcher.email)
    location = upload(client, write_csv(tmp_path / "a.csv", [achievement(1)])).headers["Location"]
    client.logout()

    client.login(make_user("researcher", organisation_id=researcher.organisation_id).email)
    assert client.get(location).status_code == 403
    assert client.get(location + "/status").status_code == 403
    client.logout()
    client.login(make_user("admin").email)
    assert client.get(location).status_code == 200


def test_an_uploaded_repost_is_flagged_as_a_possible_duplicate(client, make_user, tmp_path, query):
    from webapp.listings.models import DuplicateCandidate

    client.login(make_user("admin").email)
    original = achievement(
        1, title="一种秸秆还田机的旋耕刀具", summary="本实用新型公开了一种秸秆还田机的旋耕刀具，刀片耐磨。"
    )
    repost = dict(original, external_id="t-a-2")

    response = upload(client, write_csv(tmp_path / "reposts.csv", [original, repost]))

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert text_of(html, "count-imported") == "2"
    ids = dict(query(lambda s: s.execute(sa.select(Achievement.external_id, Achievement.id)).all()))
    pairs = query(lambda s: s.execute(sa.select(DuplicateCandidate.listing_id, DuplicateCandidate.other_id)).all())
    assert {frozenset(p) for p in pairs} == {frozenset((ids["t-a-1"], ids["t-a-2"]))}


def test_a_file_above_the_upload_limit_is_refused_before_anything_is_stored(app, client, make_user, tmp_path, query):
    client.login(make_user("admin").email)
    path = write_csv(tmp_path / "big.csv", [achievement(n) for n in range(1, 200)])
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    try:
        response = upload(client, path)
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old

    assert response.status_code == 413 and "上传文件过大" in response.get_data(as_text=True)
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ImportJob))) == 0
