"""Bad input gets a specific message with its line number, and never costs a valid row or earlier data."""

from __future__ import annotations

import json

import sqlalchemy as sa

from tests.imports.conftest import achievement, write_csv, write_jsonl, write_xlsx
from webapp.achievements.models import Achievement


def titles(query) -> dict[str, str]:
    return dict(query(lambda s: s.execute(sa.select(Achievement.external_id, Achievement.title)).all()))


def skip_lines(stdout: str) -> dict[int, str]:
    """{line: reason} from the summary's "第 N 行：reason" lines."""
    out = {}
    for text in stdout.splitlines():
        text = text.strip()
        if text.startswith("第 ") and " 行：" in text:
            number, reason = text[2:].split(" 行：", 1)
            out[int(number)] = reason
    return out


def test_each_invalid_row_is_skipped_with_its_line_and_reason_and_the_rest_imported(run_import, tmp_path, query):
    rows = [
        achievement(1),
        achievement(2, title=""),  # line 2
        achievement(3, title="   \u3000 "),  # whitespace only (with a full-width space)
        achievement(4, summary="长" * 100_000),  # a 100 KB description
        achievement(5, patents="ZL201720001285.9"),  # wrong check digit
        achievement(6, price="-5"),
        achievement(7, price="9999999999"),  # absurd: more than 100亿元
        achievement(8, trl=12),
        achievement(9, maturity="快要好了"),
        achievement(10),
    ]

    result = run_import("achievements", write_jsonl(tmp_path / "bad.jsonl", rows))

    assert result.exit_code == 0, result.output
    assert "共 10 行：新导入 2，更新 0，未变 0，跳过 8。" in result.stdout
    skips = skip_lines(result.stdout)
    assert skips[2] == "title: 请填写标题。"
    assert skips[3] == "title: 请填写标题。"
    assert skips[4].startswith("summary: 内容有 100000 个字符，超过上限 20000")
    assert skips[5].startswith("patents: ") and "ZL201720001285.9" in skips[5]
    assert skips[6] == "price: 金额不能为负数。"
    assert "100 亿元" in skips[7]
    assert skips[8].startswith("trl: ")
    assert skips[9].startswith("maturity: ") and "快要好了" in skips[9]
    assert set(titles(query)) == {"t-a-1", "t-a-10"}


def test_html_and_script_are_stored_as_text_and_shown_escaped(run_import, tmp_path, query, client):
    script = '<script>alert("x")</script><b>电池</b>'
    run_import(
        "achievements", write_csv(tmp_path / "xss.csv", [achievement(1, title=script, summary=script + "的简介")])
    )

    stored = query(lambda s: s.execute(sa.select(Achievement.id, Achievement.title)).one())
    assert stored.title == script
    page = client.get(f"/achievements/{stored.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and '<script>alert("x")' not in page


def test_unknown_columns_are_listed_as_ignored(run_import, tmp_path):
    result = run_import("achievements", write_csv(tmp_path / "a.csv", [achievement(1, 联系人="王老师", remark="无")]))
    assert "新导入 1" in result.stdout
    ignored = next(line for line in result.stdout.splitlines() if "联系人" in line)
    assert "remark" in ignored


def test_a_file_without_a_required_column_says_so(run_import, tmp_path, query):
    rows = [{"external_id": "t-a-1", "name": "某成果", "summary": "简介"}]
    result = run_import("achievements", write_csv(tmp_path / "a.csv", rows))
    assert "“title”" in result.stdout and "--map" in result.stdout
    assert skip_lines(result.stdout) == {2: "title: 请填写标题。"}
    assert titles(query) == {}


def test_duplicate_external_ids_keep_the_first_row(run_import, tmp_path, query):
    rows = [achievement(1), achievement(2), achievement(1, title="重复的一行"), achievement(1, title="又一行")]

    result = run_import("achievements", write_csv(tmp_path / "dup.csv", rows))

    skips = skip_lines(result.stdout)
    assert skips == {4: "external_id “t-a-1” 重复，首次出现在第 2 行", 5: "external_id “t-a-1” 重复，首次出现在第 2 行"}
    assert titles(query)["t-a-1"] == "锂离子电池组热管理系统1"


def test_a_gbk_csv_is_detected_and_read(run_import, tmp_path, query):
    path = write_csv(tmp_path / "gbk.csv", [achievement(1, title="纳米银导电浆料"), achievement(2)], encoding="gbk")
    path.read_bytes().decode("gbk")  # really GBK, not UTF-8
    result = run_import("achievements", path)

    assert result.exit_code == 0, result.output
    assert "新导入 2" in result.stdout and "GBK" in result.stdout
    assert titles(query)["t-a-1"] == "纳米银导电浆料"


def test_a_damaged_utf8_file_is_refused_with_its_line(run_import, tmp_path, query):
    good = write_csv(tmp_path / "a.csv", [achievement(1), achievement(2)]).read_bytes()
    cut = good.index("锂离子电池组热管理系统2".encode()) + 1  # a multi-byte character cut in half
    path = tmp_path / "damaged.csv"
    path.write_bytes(good[:cut] + good[cut + 1 :])

    result = run_import("achievements", path)

    assert result.exit_code != 0
    assert "UTF-8" in result.output and "第 3 行" in result.output
    assert titles(query) == {}


def test_a_broken_xlsx_imports_nothing_and_says_why(run_import, tmp_path, query):
    run_import("achievements", write_csv(tmp_path / "earlier.csv", [achievement(1)]))
    good = write_xlsx(tmp_path / "good.xlsx", [achievement(2), achievement(3)]).read_bytes()
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good[: len(good) // 2])  # a download cut short
    not_excel = tmp_path / "notes.xlsx"
    not_excel.write_text("这不是 Excel 文件", encoding="utf-8")

    for path in (broken, not_excel):
        result = run_import("achievements", path)
        assert result.exit_code != 0
        assert ".xlsx" in result.output and "没有导入任何内容" in result.output

    assert set(titles(query)) == {"t-a-1"}  # earlier data untouched


def test_a_bad_json_line_is_one_skip(run_import, tmp_path, query):
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps(achievement(1), ensure_ascii=False),
        "{not json",
        "",
        "[1, 2]",
        json.dumps(achievement(2), ensure_ascii=False),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = run_import("achievements", path)

    skips = skip_lines(result.stdout)
    assert set(skips) == {2, 4} and "JSON" in skips[2] and "JSON" in skips[4]
    assert set(titles(query)) == {"t-a-1", "t-a-2"}


def test_old_excel_and_other_files_are_refused(run_import, tmp_path):
    (tmp_path / "list.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "list.docx").write_bytes(b"PK\x03\x04")

    old_excel = run_import("achievements", tmp_path / "list.xls")
    other = run_import("achievements", tmp_path / "list.docx")

    assert (
        old_excel.exit_code != 0
        and ".xlsx" in old_excel.output
        and "(.xls)" in old_excel.output.replace("（", "(").replace("）", ")")
    )
    assert other.exit_code != 0 and "list.docx" in other.output


def test_a_nul_character_in_a_cell_skips_the_row_with_its_field_named_in_words(run_import, tmp_path, query):
    rows = [achievement(1), achievement(2, summary="锂电池\x00隔膜"), achievement(3, title="固态\x00电池")]

    result = run_import("achievements", write_jsonl(tmp_path / "nul.jsonl", rows))

    assert result.exit_code == 0, result.output
    skips = skip_lines(result.stdout)
    assert skips[2] == "summary: 含有空字符（控制符），无法保存。请删除后重试。"
    assert skips[3].startswith("title: 含有空字符")
    assert "database" not in result.stdout and "0x00" not in result.stdout
    assert set(titles(query)) == {"t-a-1"}
