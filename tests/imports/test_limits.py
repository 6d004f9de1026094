"""No upload can hold a worker for long: a file over the limits is refused at upload, with the limit
in the message, before a job exists — a 3 MB CSV of a million empty rows, a workbook of a few
hundred KB that unpacks to 86 MB, a workbook packed a thousand times; a row too large is skipped
with its size; and one person has at most two imports waiting or running at a time."""

from __future__ import annotations

import zipfile

import sqlalchemy as sa

from tests.imports.conftest import achievement, write_csv, write_jsonl, write_xlsx
from tests.imports.test_upload import upload
from webapp.core.db import utcnow
from webapp.imports.models import ImportJob, JobStatus


def _jobs(query) -> int:
    return query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ImportJob)))


def _inflated_workbook(path, base, unpacked_mb: int):
    """A real workbook whose first sheet is padded with `unpacked_mb` MB of empty rows, deflated."""
    padding = b'<row r="2"></row>' * (unpacked_mb * 2**20 // 17)
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", padding + b"</sheetData>")
            target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return path


def test_a_million_empty_rows_are_refused_at_upload(client, make_user, tmp_path, query):
    client.login(make_user("admin").email)
    path = tmp_path / "million.csv"
    path.write_bytes(b"title,summary\n" + b",\n" * 1_000_000)
    assert 1_500_000 < path.stat().st_size < 4_000_000

    page = upload(client, path).get_data(as_text=True)

    assert "文件有 1,000,001 行；一个文件最多 100,000 行" in page
    assert _jobs(query) == 0


def test_a_workbook_that_unpacks_to_86_mb_or_is_packed_too_tight_is_never_opened(client, make_user, tmp_path, query):
    client.login(make_user("admin").email)
    base = write_xlsx(tmp_path / "base.xlsx", [achievement(1)])
    bomb = _inflated_workbook(tmp_path / "bomb.xlsx", base, 86)
    assert bomb.stat().st_size < 400_000  # a few hundred KB on the wire

    page = upload(client, bomb).get_data(as_text=True)
    assert "工作簿解压后有 86 MB；最多 64 MB" in page

    tight = _inflated_workbook(tmp_path / "tight.xlsx", base, 20)
    page = upload(client, tight).get_data(as_text=True)
    assert "压缩比" in page and "最多 100" in page
    assert _jobs(query) == 0


def test_a_row_over_the_size_limit_is_skipped_with_its_size(app, run_import, tmp_path):
    huge = achievement(2, summary="长" * 400_000)  # 1.2 MB of UTF-8 in one row
    for path in (
        write_jsonl(tmp_path / "rows.jsonl", [achievement(1), huge, achievement(3)]),
        write_csv(tmp_path / "rows.csv", [achievement(1), huge, achievement(3)]),
    ):
        result = run_import("achievements", path)
        assert "跳过 1" in result.stdout
        assert "该行有 1172 KB；一行最多 1024 KB" in result.stdout


def test_one_person_has_at_most_two_imports_waiting_or_running(client, make_user, tmp_path, query, app):
    admin = make_user("admin")
    client.login(admin.email)
    path = write_csv(tmp_path / "a.csv", [achievement(1)])

    def waiting(session):
        for status in (JobStatus.QUEUED, JobStatus.RUNNING):
            session.add(
                ImportJob(
                    kind="achievements",
                    filename="等待中.csv",
                    target_status="published",
                    created_by_id=admin.id,
                    status=status,
                )
            )
        session.commit()

    query(waiting)
    page = upload(client, path).get_data(as_text=True)
    assert "已有 2 个导入在等待或进行中（同时最多 2 个）" in page
    assert _jobs(query) == 2

    query(lambda s: (s.execute(sa.update(ImportJob).values(status=JobStatus.DONE, finished_at=utcnow())), s.commit()))
    assert upload(client, path).status_code == 302  # one has finished: the file is taken
    assert _jobs(query) == 3
