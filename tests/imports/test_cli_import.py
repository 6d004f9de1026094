"""`flask import achievements|needs FILE`: formats, mapping, idempotence, updates, progress and summary."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests.imports.conftest import achievement, need, write_csv, write_jsonl, write_xlsx
from webapp.achievements.models import Achievement
from webapp.core.audit import AuditEvent
from webapp.listings.index import listing_text
from webapp.listings.models import CoopMode, ListingStatus, ListingTerm, Maturity
from webapp.listings.text import index_terms
from webapp.needs.models import Need


def achievements_by_id(query) -> dict[str, Achievement]:
    def load(session):
        rows = session.scalars(sa.select(Achievement).where(Achievement.external_id.like("t-a-%"))).unique().all()
        for row in rows:
            session.expunge(row)
        return {row.external_id: row for row in rows}

    return query(load)


def terms_of(query, kind: str, listing_id: int) -> dict[str, float]:
    return dict(
        query(
            lambda s: s.execute(
                sa.select(ListingTerm.term, ListingTerm.weight).where(
                    ListingTerm.kind == kind, ListingTerm.listing_id == listing_id
                )
            ).all()
        )
    )


def test_jsonl_import_stores_every_column_and_indexes_the_text(run_import, tmp_path, query):
    path = write_jsonl(tmp_path / "成果.jsonl", [achievement(1, keywords=["锂电池", "热管理"]), achievement(2)])

    result = run_import("achievements", path)

    assert result.exit_code == 0, result.output
    assert "共 2 行：新导入 2，更新 0，未变 0，跳过 0。" in result.stdout
    rows = achievements_by_id(query)
    first = rows["t-a-1"]
    assert first.title == "锂离子电池组热管理系统1"
    assert first.keywords == ["锂电池", "热管理"]
    assert first.maturity is Maturity.PILOT and first.trl == 6
    assert first.patents == ["ZL201720001285.X"]
    assert set(first.coop_modes) == {CoopMode.LICENSE, CoopMode.EQUITY}
    assert (first.price_min, first.price_max) == (500_000, 1_000_000)
    assert first.field.name == "动力电池与储能"
    assert first.institution_name == "天津大学" and first.team == "张教授团队" and first.scenarios == "储能电站"
    assert first.posted_on == date(2026, 3, 1)
    assert first.status is ListingStatus.PUBLISHED and first.owner_id is None
    assert first.published_at.date() in (date(2026, 2, 28), date(2026, 3, 1))  # midnight Beijing time, in UTC
    # The search index holds exactly what the forms' reindex() would write.
    expected = {t[:40]: w for t, w in index_terms(*listing_text(first)).items()}
    assert terms_of(query, "a", first.id) == expected
    assert "锂电池" in expected


def test_csv_and_xlsx_read_the_same_columns(run_import, tmp_path, query):
    write_csv(tmp_path / "a.csv", [achievement(1), achievement(2, price="面议")])
    write_xlsx(tmp_path / "b.xlsx", [achievement(3, posted_on=date(2026, 4, 2), price=80), achievement(4, trl=None)])

    csv_result = run_import("achievements", tmp_path / "a.csv")
    xlsx_result = run_import("achievements", tmp_path / "b.xlsx")

    assert csv_result.exit_code == 0 and xlsx_result.exit_code == 0, csv_result.output + xlsx_result.output
    assert "新导入 2" in csv_result.stdout and "新导入 2" in xlsx_result.stdout
    rows = achievements_by_id(query)
    assert rows["t-a-1"].price_min == 500_000 and rows["t-a-2"].price_min is None  # 面议
    assert rows["t-a-3"].posted_on == date(2026, 4, 2)  # an Excel date cell
    assert rows["t-a-3"].price_min == rows["t-a-3"].price_max == 800_000  # an Excel number, in 万元
    assert rows["t-a-4"].trl is None and rows["t-a-1"].trl == 6
    assert rows["t-a-1"].patents == ["ZL201720001285.X"]


def test_map_renames_source_columns_and_reports_the_others(run_import, tmp_path, query):
    source = {
        "id": "t-a-9",
        "name": "基于深度学习的焊缝缺陷检测",
        "description": "利用卷积神经网络识别焊缝缺陷。",
        "tech_field": "电子信息-人工智能",
        "cooperation_method": "完全转让许可转让",
        "post_time": "2020-03-20",
        "patent_info": "发明专利",
        "promotion_status": "正在技术推广",
    }
    path = write_jsonl(tmp_path / "51jishu.jsonl", [source])

    result = run_import(
        "achievements",
        path,
        "--map",
        "name=title,description=summary,tech_field=field,"
        "cooperation_method=transfer_modes,post_time=posted_on,id=external_id,promotion_status=",
    )

    assert result.exit_code == 0, result.output
    row = achievements_by_id(query)["t-a-9"]
    assert row.title == "基于深度学习的焊缝缺陷检测" and row.summary == "利用卷积神经网络识别焊缝缺陷。"
    assert row.field.name == "人工智能"
    assert set(row.coop_modes) == {CoopMode.TRANSFER, CoopMode.LICENSE}
    assert "patent_info" in result.stdout  # listed as ignored
    assert "promotion_status" not in result.stdout  # dropped on purpose with `promotion_status=`


def test_map_with_an_unknown_target_is_refused(run_import, tmp_path, query):
    path = write_jsonl(tmp_path / "a.jsonl", [achievement(1)])
    result = run_import("achievements", path, "--map", "name=headline")
    assert result.exit_code != 0
    assert "headline" in result.output
    assert achievements_by_id(query) == {}


def test_importing_the_same_file_again_changes_nothing(run_import, tmp_path, query):
    path = write_csv(tmp_path / "a.csv", [achievement(n) for n in range(1, 6)])
    assert run_import("achievements", path).exit_code == 0
    before = {k: (a.id, a.updated_at) for k, a in achievements_by_id(query).items()}
    term_count = query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ListingTerm)))

    again = run_import("achievements", path)

    assert "共 5 行：新导入 0，更新 0，未变 5，跳过 0。" in again.stdout
    assert {k: (a.id, a.updated_at) for k, a in achievements_by_id(query).items()} == before
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).select_from(ListingTerm))) == term_count


def test_changed_rows_are_updated_and_reindexed(run_import, tmp_path, query):
    run_import("achievements", write_csv(tmp_path / "v1.csv", [achievement(1), achievement(2)]))
    old = achievements_by_id(query)["t-a-2"]

    changed = achievement(2, summary="改为固态电解质界面修饰技术，提高循环寿命。", price="面议")
    result = run_import("achievements", write_csv(tmp_path / "v2.csv", [achievement(1), changed]))

    assert "新导入 0，更新 1，未变 1" in result.stdout
    new = achievements_by_id(query)["t-a-2"]
    assert new.id == old.id and new.summary.startswith("改为固态电解质") and new.price_min is None
    terms = terms_of(query, "a", new.id)
    assert "电解质" in terms and "冷热" not in terms  # the new text is searchable, the old is gone


def test_an_update_keeps_values_of_columns_the_file_does_not_have(run_import, tmp_path, query):
    run_import("achievements", write_csv(tmp_path / "full.csv", [achievement(1)]))
    slim = {"external_id": "t-a-1", "title": "锂离子电池组热管理系统（第二版）", "summary": achievement(1)["summary"]}

    result = run_import("achievements", write_csv(tmp_path / "slim.csv", [slim]))

    assert "更新 1" in result.stdout
    row = achievements_by_id(query)["t-a-1"]
    assert row.title == "锂离子电池组热管理系统（第二版）"  # as typed: full-width brackets stay
    assert row.trl == 6 and row.maturity is Maturity.PILOT and row.institution_name == "天津大学"


def test_progress_goes_to_stderr_and_the_summary_to_stdout(run_import, tmp_path):
    path = write_jsonl(tmp_path / "big.jsonl", [achievement(n) for n in range(1, 8)])

    result = run_import("achievements", path, "--batch-size", "3")

    assert result.exit_code == 0
    assert "big.jsonl" in result.stderr
    assert "3/7" in result.stderr and "7/7" in result.stderr and "100%" in result.stderr
    assert "新导入 7" in result.stdout and "3/7" not in result.stdout


def test_one_audit_event_per_batch_not_per_row(run_import, tmp_path, query):
    path = write_jsonl(tmp_path / "a.jsonl", [achievement(n) for n in range(1, 6)])

    run_import("achievements", path, "--batch-size", "2")

    events = query(
        lambda s: s.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "import.batch").order_by(AuditEvent.id)
        ).all()
    )
    assert len(events) == 3
    assert [e.after["imported"] for e in events] == [2, 2, 1]
    assert events[0].after["file"] == "a.jsonl" and events[0].after["via"] == "command line"


def test_status_draft_owner_and_dry_run(run_import, tmp_path, query, make_user):
    owner = make_user("researcher")
    path = write_jsonl(tmp_path / "a.jsonl", [achievement(1)])

    dry = run_import("achievements", path, "--dry-run")
    assert "新导入 1" in dry.stdout and achievements_by_id(query) == {}

    result = run_import("achievements", path, "--status", "draft", "--owner", owner.email)
    assert result.exit_code == 0, result.output
    row = achievements_by_id(query)["t-a-1"]
    assert row.status is ListingStatus.DRAFT and row.published_at is None and row.owner_id == owner.id

    unknown = run_import("achievements", path, "--owner", "nobody@example.cn")
    assert unknown.exit_code != 0 and "nobody@example.cn" in unknown.output


def test_needs_keep_past_deadlines_with_a_warning_and_match_organisations(run_import, tmp_path, query, make_org):
    org = make_org(name="天津津南某科技有限公司")
    rows = [
        need(1),
        need(2, deadline="2020-01-13 10:49:39.0至2021-01-13 10:49:41.0"),  # a validity period: its end counts
        need(3, organisation="不在平台上的公司", budget="面议", description="电池热失控预警技术需求3"),
    ]
    rows[2]["title"] = "电池热失控预警技术需求3"

    result = run_import("needs", write_jsonl(tmp_path / "needs.jsonl", rows))

    assert result.exit_code == 0, result.output
    assert "新导入 3" in result.stdout
    needs = query(
        lambda s: {
            n.external_id: (n.deadline, n.organisation_id, n.organisation_name, n.budget_min)
            for n in s.scalars(sa.select(Need)).unique()
        }
    )
    assert needs["t-n-1"][1] == org.id
    assert needs["t-n-2"][0] == date(2021, 1, 13)
    assert needs["t-n-3"][1] is None and needs["t-n-3"][2] == "不在平台上的公司" and needs["t-n-3"][3] is None
    assert "截止日期已过" in result.stdout and "（1 行：第 2 行）" in result.stdout
    assert "只重复了标题" in result.stdout  # need 3's description is its title


def test_unknown_field_imports_unclassified_with_a_warning(run_import, tmp_path, query):
    result = run_import("achievements", write_jsonl(tmp_path / "a.jsonl", [achievement(1, field="哲学")]))

    assert "新导入 1" in result.stdout
    assert "未知的技术领域“哲学”" in result.stdout
    assert achievements_by_id(query)["t-a-1"].field_id is None


def test_a_large_file_staged_by_a_helper_process_imports_the_same_as_in_process(run_import, tmp_path, query):
    """Above 2,000 rows a forked helper validates and segments; the result must not differ."""
    rows = [
        achievement(n, title=f"第{n}号锂电池热管理装置", summary=f"第{n}号成果的液冷方案与电池包结构。")
        for n in range(1, 2202)
    ]
    rows[100]["title"] = ""  # line 101 is invalid
    rows[2150]["external_id"] = "t-a-7"  # line 2151 repeats an id
    path = write_jsonl(tmp_path / "many.jsonl", rows)

    parallel = run_import("achievements", path, "--workers", "1")

    assert parallel.exit_code == 0, parallel.output
    assert "共 2201 行：新导入 2199，更新 0，未变 0，跳过 2。" in parallel.stdout
    assert "第 101 行：title: 请填写标题。" in parallel.stdout
    assert "第 2151 行：external_id “t-a-7” 重复，首次出现在第 7 行" in parallel.stdout
    sample = achievements_by_id(query)["t-a-1500"]
    assert terms_of(query, "a", sample.id) == {t[:40]: w for t, w in index_terms(*listing_text(sample)).items()}

    in_process = run_import("achievements", path, "--workers", "0")
    assert "共 2201 行：新导入 0，更新 0，未变 2199，跳过 2。" in in_process.stdout


def test_rows_without_external_id_match_listings_entered_in_the_app(run_import, tmp_path, query, make_user):
    """A file exported from the list page has no external_id for listings entered through the forms:
    importing it again must not duplicate them."""
    from webapp.core.db import utcnow

    owner = make_user("researcher")
    query(
        lambda s: (
            s.add(
                Achievement(
                    title="表单录入的成果",
                    summary="通过表单录入，没有外部编号。",
                    owner_id=owner.id,
                    status=ListingStatus.PUBLISHED,
                    published_at=utcnow(),
                )
            ),
            s.commit(),
        )
    )
    rows = [
        {"title": "表单录入的成果", "summary": "通过表单录入，没有外部编号。", "trl": 5},
        {"title": "文件里的新成果", "summary": "只在文件里。"},
    ]
    path = write_csv(tmp_path / "export.csv", rows)

    first = run_import("achievements", path)
    again = run_import("achievements", path)

    assert "新导入 1，更新 1，未变 0" in first.stdout  # the TRL is new for the form's listing
    assert "新导入 0，更新 0，未变 2" in again.stdout
    assert "2 行没有 external_id" in first.stdout
    listings = query(
        lambda s: s.execute(
            sa.select(Achievement.title, Achievement.external_id, Achievement.trl, Achievement.owner_id)
        ).all()
    )
    assert len(listings) == 2
    form_made = next(a for a in listings if a.title == "表单录入的成果")
    assert form_made.external_id is None and form_made.trl == 5 and form_made.owner_id == owner.id
