"""Export of the filtered list to .csv and .xlsx: the import format's columns, Chinese that Excel
reads, de-identified needs, the row cap, and a file that imports again without changing anything."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from tests.listings.search_factory import add_listings
from webapp.accounts.models import OrgKind
from webapp.core import spreadsheet
from webapp.listings import export as exporter
from webapp.listings.models import CoopMode, ListingStatus, Maturity


def read_csv(body: bytes) -> list[dict]:
    assert body.startswith(b"\xef\xbb\xbf"), "no UTF-8 byte-order mark: Excel would show mojibake"
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes) -> list[dict]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    return [dict(zip(header, ("" if v is None else v for v in row), strict=True)) for row in rows[1:]]


@pytest.fixture
def signed_in(client, make_user):
    client.login(make_user("enterprise").email)
    return client


def achievement_fixture(query) -> list[int]:
    from tests.listings.pages import field_id

    return add_listings(
        query,
        [
            {
                "title": "锂离子电池组液冷热管理",
                "summary": "适用于储能电站和电动汽车。",
                "keywords": ["锂电池", "热管理"],
                "field_id": field_id(query, "动力电池与储能"),
                "maturity": Maturity.PILOT,
                "trl": 6,
                "patents": ["ZL201720001285.X"],
                "coop_mask": CoopMode.LICENSE.bit | CoopMode.EQUITY.bit,
                "price_min": 500_000,
                "price_max": 1_000_000,
                "institution_name": "天津大学",
                "team": "张教授团队",
                "scenarios": "储能电站",
                "external_id": "x-1",
                "minutes": 2,
            },
            {"title": '=HYPERLINK("http://evil")', "summary": "以等号开头的标题。", "minutes": 1},
            {"title": "草稿", "summary": "不导出。", "status": ListingStatus.DRAFT},
        ],
    )


def test_csv_export_has_the_import_columns_and_readable_values(signed_in, query):
    achievement_fixture(query)

    response = signed_in.get("/achievements/export.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert list(rows[0]) == list(exporter.ACHIEVEMENT_COLUMNS)
    assert [r["title"] for r in rows] == ["锂离子电池组液冷热管理", '\'=HYPERLINK("http://evil")']
    first = rows[0]
    assert first == {
        "external_id": "x-1",
        "title": "锂离子电池组液冷热管理",
        "summary": "适用于储能电站和电动汽车。",
        "keywords": "锂电池、热管理",
        "field": "新能源与节能-动力电池与储能",
        "maturity": "中试",
        "trl": "6",
        "patents": "ZL201720001285.X",
        "transfer_modes": "许可、作价入股",
        "price": "50-100",
        "institution": "天津大学",
        "team": "张教授团队",
        "scenarios": "储能电站",
        "posted_on": "2026-03-01",
    }
    assert rows[1]["price"] == "面议"


def test_xlsx_export_holds_the_same_rows_with_text_kept_as_text(signed_in, query):
    achievement_fixture(query)

    rows = read_xlsx(signed_in.get("/achievements/export.xlsx").data)
    csv_rows = read_csv(signed_in.get("/achievements/export.csv").data)

    assert [r["title"] for r in rows] == [
        "锂离子电池组液冷热管理",
        '=HYPERLINK("http://evil")',
    ]  # a string, not a formula
    assert rows[0]["price"] == "50-100" and rows[0]["trl"] == 6
    assert {k: str(v) for k, v in rows[0].items()} == csv_rows[0]


def test_the_export_follows_the_filters_and_sort_of_the_page(signed_in, query):
    add_listings(
        query,
        [
            {"title": "电池一", "summary": "电池", "price_min": 10_000, "price_max": 10_000, "minutes": 1},
            {"title": "电池二", "summary": "电池", "price_min": 90_000, "price_max": 90_000, "minutes": 2},
            {"title": "芯片", "summary": "芯片", "minutes": 3},
        ],
    )

    rows = read_csv(signed_in.get("/achievements/export.csv?q=电池&sort=price_desc&after=ignored&page=3").data)

    assert [r["title"] for r in rows] == ["电池二", "电池一"]


def test_exports_stop_at_the_cap(signed_in, query, monkeypatch):
    add_listings(query, [{"title": f"条目{i}", "minutes": i} for i in range(5)])
    monkeypatch.setattr(exporter, "EXPORT_CAP", 3)

    response = signed_in.get("/achievements/export.csv")

    assert [r["title"] for r in read_csv(response.data)] == ["条目4", "条目3", "条目2"]
    assert response.headers["X-Export-Rows"] == "3"


def test_the_list_page_says_when_an_export_would_be_cut(client, make_user, query, monkeypatch):
    add_listings(query, [{"title": f"条目{i}", "minutes": i} for i in range(4)])
    monkeypatch.setattr("webapp.listings.views.exporter.EXPORT_CAP", 3)
    client.http.set_cookie("lang", "en")
    client.login(make_user("researcher").email)

    html = client.get("/achievements/").get_data(as_text=True)

    assert 'id="export-cap-note"' in html and "first 3 rows" in html
    assert 'href="/achievements/export.xlsx"' in html
    assert 'id="export-cap-note"' not in client.get("/achievements/?money_min=1").get_data(as_text=True)


def test_need_exports_are_de_identified_like_the_page(client, make_user, make_org, query):
    hidden = make_org(OrgKind.ENTERPRISE, name="天津隐名科技有限公司")
    shown = make_org(OrgKind.ENTERPRISE, name="天津显名科技有限公司")
    add_listings(
        query,
        [
            {
                "title": "隐名需求",
                "description": "说明。",
                "organisation_id": hidden.id,
                "contact_name": "王五",
                "contact_phone": "13800000000",
                "budget_min": 300_000,
                "budget_max": 300_000,
                "minutes": 1,
            },
            {
                "title": "显名需求",
                "description": "说明。",
                "organisation_id": shown.id,
                "show_identity": True,
                "minutes": 2,
            },
        ],
        kind="n",
    )

    client.login(make_user("enterprise").email)
    body = client.get("/needs/export.csv").data
    rows = read_csv(body)
    assert list(rows[0]) == list(exporter.NEED_COLUMNS)
    assert {r["title"]: r["organisation"] for r in rows} == {"显名需求": "天津显名科技有限公司", "隐名需求": ""}
    assert "天津隐名科技有限公司".encode() not in body and b"13800000000" not in body
    assert rows[1]["budget"] == "30"
    xlsx = read_xlsx(client.get("/needs/export.xlsx").data)
    assert {r["title"]: r["organisation"] for r in xlsx} == {"显名需求": "天津显名科技有限公司", "隐名需求": ""}

    client.logout()
    client.login(make_user("broker").email)  # brokers see who asks, in the page and in the file
    rows = read_csv(client.get("/needs/export.csv").data)
    assert {r["title"]: r["organisation"] for r in rows}["隐名需求"] == "天津隐名科技有限公司"


def test_the_public_must_sign_in_to_export(client):
    response = client.get("/achievements/export.xlsx")

    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- round trip through the importer -------------------------------------------------------------


def import_file(app, kind: str, path):
    return app.test_cli_runner().invoke(args=["import", kind, str(path)])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_exported_file_imports_again_unchanged(fmt, app, client, make_user, query, tmp_path):
    source = tmp_path / "source.jsonl"
    source.write_text(
        "".join(
            json.dumps(row, ensure_ascii=False) + "\n"
            for row in [
                {
                    "external_id": "rt-1",
                    "title": "锂离子电池组热管理系统",
                    "summary": "液冷热管理，适用于储能电站。",
                    "keywords": "锂电池、热管理",
                    "field": "新能源与节能-动力电池与储能",
                    "maturity": "通过中试",
                    "trl": 6,
                    "patents": "ZL201720001285.X",
                    "transfer_modes": "许可转让,技术入股",
                    "price": "50-100",
                    "institution": "天津大学",
                    "team": "张教授团队",
                    "scenarios": "储能电站",
                    "posted_on": "2026-03-01",
                },
                {
                    "external_id": "rt-2",
                    "title": "图像识别平台",
                    "summary": "工业视觉检测。",
                    "price": "面议",
                    "posted_on": "2026-02-01",
                },
            ]
        ),
        encoding="utf-8",
    )
    assert import_file(app, "achievements", source).exit_code == 0
    client.login(make_user("researcher").email)

    body = client.get(f"/achievements/export.{fmt}").data
    exported = tmp_path / f"export.{fmt}"
    exported.write_bytes(body)
    result = import_file(app, "achievements", exported)

    assert result.exit_code == 0, result.output
    assert "共 2 行：新导入 0，更新 0，未变 2，跳过 0。" in result.stdout
    again = read_csv(client.get("/achievements/export.csv").data)
    assert [r["external_id"] for r in again] == ["rt-1", "rt-2"]
    assert again[0]["transfer_modes"] == "许可、作价入股" and again[0]["maturity"] == "中试"


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-cmd|x", "'-cmd|x"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-40℃低温电池", "-40℃低温电池"),
        ("锂电池", "锂电池"),
        ("", ""),
    ],
)
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(value, written):
    rows = read_csv(spreadsheet.to_csv(["title"], [{"title": value}]))

    assert rows[0]["title"] == written
