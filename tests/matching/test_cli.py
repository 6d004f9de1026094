"""`flask match run [--all]`, `flask match show --need EXTERNAL_ID [--limit N] [--json]` and
`flask match fit [--activate | --rollback]`."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.listings.search_factory import make_listing
from webapp.listings.models import ListingStatus
from webapp.matching import runtime, sources
from webapp.matching.models import MatchJob, MatchJobStatus, MatchWeights, RejectReason, Suggestion, SuggestionStatus

BATTERY = {
    "external_id": "cli-a-battery",
    "title": "锂离子电池组液冷热管理技术",
    "keywords": ["锂离子电池", "液冷", "热管理"],
    "summary": "动力电池组快充温升控制：液冷板与相变材料复合，电芯温差小于3℃。",
}
BATTERY_2 = {
    "external_id": "cli-a-pcm",
    "title": "储能锂电池包相变材料散热模块",
    "keywords": ["锂电池", "相变材料"],
    "summary": "石蜡基复合相变材料吸收电池包快充热量，配合导热板降低温升。",
}
VISION = {
    "external_id": "cli-a-vision",
    "title": "钢板表面缺陷机器视觉检测",
    "keywords": ["机器视觉", "缺陷检测"],
    "summary": "工业相机与卷积神经网络识别冷轧钢板表面划痕与裂纹。",
}
NEED = {
    "external_id": "cli-n-battery",
    "title": "锂电池包快充温升控制",
    "keywords": ["锂电", "冷却"],
    "description": "储能电池包快充时温度升高过快，寻求液冷或相变材料的热管理技术。",
}


@pytest.fixture
def library(app, query):
    def add(session):
        ids = {spec["external_id"]: make_listing(session, "a", **spec).id for spec in (BATTERY, BATTERY_2, VISION)}
        ids[NEED["external_id"]] = make_listing(session, "n", **NEED).id
        session.commit()
        return ids

    ids = query(add)
    with app.app_context():
        runtime.reset()
        runtime.rebuild_index()
    yield ids
    runtime.reset()


@pytest.fixture
def cli(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["match", *args])

    return run


def stored(query, need_id: int) -> list[tuple[int, str]]:
    return query(
        lambda s: [
            (r.achievement_id, r.status.value)
            for r in s.scalars(
                sa.select(Suggestion).where(Suggestion.need_id == need_id).order_by(Suggestion.score.desc())
            )
        ]
    )


def test_show_prints_the_stored_suggestions_as_json_best_first(library, cli):
    assert cli("run", "--all").exit_code == 0

    result = cli("show", "--need", "cli-n-battery", "--json")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows and {"achievement", "score", "parts", "terms"} <= set(rows[0])
    assert {rows[0]["achievement"], rows[1]["achievement"]} == {"cli-a-battery", "cli-a-pcm"}
    assert "cli-a-vision" not in [r["achievement"] for r in rows]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert all(0 <= r["score"] <= 100 and isinstance(r["parts"], dict) and isinstance(r["terms"], list) for r in rows)
    assert "锂离子电池" in rows[0]["terms"]
    assert "即时计算" not in result.stderr


def test_show_computes_live_when_nothing_is_stored_and_stores_nothing(library, cli, query):
    result = cli("show", "--need", "cli-n-battery", "--json", "--limit", "1")

    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["achievement"] for r in rows] in (["cli-a-battery"], ["cli-a-pcm"])
    assert "cli-n-battery 没有已保存的撮合建议：以下为即时计算结果，未保存。" in result.stderr
    assert stored(query, library["cli-n-battery"]) == []


def test_show_leaves_out_rejected_pairs(library, cli, query):
    def reject(session):
        session.add(
            Suggestion(
                need_id=library["cli-n-battery"],
                achievement_id=library["cli-a-battery"],
                score=90.0,
                parts={},
                terms=[],
                status=SuggestionStatus.REJECTED,
                reason=RejectReason.EXISTING,
                decided_at=sa.func.current_timestamp(),
            )
        )
        session.commit()

    query(reject)
    live = json.loads(cli("show", "--need", "cli-n-battery", "--json").stdout)
    assert "cli-a-battery" not in [r["achievement"] for r in live]


def test_show_as_a_table(library, cli):
    cli("run", "--all")
    result = cli("show", "--need", "cli-n-battery")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("cli-n-battery") and "锂电池包快充温升控制" in lines[0]
    assert "cli-a-battery" in result.stdout and "锂离子电池" in result.stdout


def test_an_unknown_need_is_an_error(library, cli):
    result = cli("show", "--need", "no-such-need", "--json")
    assert result.exit_code != 0
    assert "没有 external_id 为 no-such-need 的需求。" in result.stderr
    assert result.stdout == ""


def test_run_all_is_the_full_rematch_job(library, cli, query):
    result = cli("run", "--all")

    assert result.exit_code == 0, result.output
    job = query(lambda s: s.scalars(sa.select(MatchJob).order_by(MatchJob.id.desc())).first())
    assert job.status is MatchJobStatus.DONE and job.processed == job.total >= 4
    assert f"已匹配 {job.total} 个条目：" in result.stdout
    assert library["cli-a-battery"] in [a for a, _ in stored(query, library["cli-n-battery"])]


def test_run_all_is_refused_while_a_rematch_is_running(library, cli, query):
    def running(session):
        session.add(MatchJob(status=MatchJobStatus.RUNNING))
        session.commit()

    query(running)
    result = cli("run", "--all")
    assert result.exit_code != 0 and "全量重新匹配已在排队或运行中" in result.stderr


def test_run_matches_listings_changed_since_the_last_rematch(library, cli, query):
    result = cli("run")
    assert result.exit_code == 0, result.output
    assert "已匹配全部 4 个已发布条目" in result.stdout
    assert library["cli-a-battery"] in [a for a, _ in stored(query, library["cli-n-battery"])]

    cli("run", "--all")

    def add(session):
        listing = make_listing(
            session,
            "a",
            status=ListingStatus.PUBLISHED,
            external_id="cli-a-new",
            title="电池包液冷板",
            keywords=["液冷板"],
            summary="铝合金液冷板，用于锂离子电池包散热。",
        )
        session.commit()
        return listing.id

    query(add)
    again = cli("run")
    assert again.exit_code == 0, again.output
    assert "以来发布或修改的 1 个条目" in again.stdout


def _decide(query, library, achievement: str, status: SuggestionStatus, reason: RejectReason | None = None):
    def add(session):
        session.add(
            Suggestion(
                need_id=library["cli-n-battery"],
                achievement_id=library[achievement],
                score=50.0,
                parts={},
                terms=[],
                status=status,
                reason=reason,
                decided_at=sa.func.current_timestamp(),
            )
        )
        session.commit()

    query(add)


def test_fit_learns_from_judged_pairs_and_decisions_and_changes_nothing_unless_asked(library, cli, query, tmp_path):
    judged = tmp_path / "judged.jsonl"
    judged.write_text(
        json.dumps({"need_id": "cli-n-battery", "doc_id": "cli-a-pcm", "grade": 2})
        + "\n"
        + json.dumps({"need_id": "cli-n-battery", "doc_id": "not-in-the-database", "grade": 2})
        + "\n"
    )
    _decide(query, library, "cli-a-vision", SuggestionStatus.REJECTED, RejectReason.FIELD)

    result = cli("fit", "--judged", str(judged), "--folds", "2")

    assert result.exit_code == 0, result.output
    assert "1 项需求：1 个人工评判配对，1 条已处理推荐。" in result.stdout
    assert "held-out (1-fold)  live weights: nDCG@6" in result.stdout and "refitted:" in result.stdout
    assert json.loads(result.stdout.splitlines()[-2])["chars"] > 0
    assert "未作更改" in result.stdout
    assert query(lambda s: s.scalar(sa.select(sa.func.count(MatchWeights.id)))) == 0


def test_fit_activate_makes_the_weights_live_audited_and_one_command_goes_back(library, cli, query, app):
    from webapp.core.audit import AuditEvent
    from webapp.matching.scoring import DEFAULT_WEIGHTS

    _decide(query, library, "cli-a-pcm", SuggestionStatus.ACCEPTED)
    _decide(query, library, "cli-a-vision", SuggestionStatus.REJECTED, RejectReason.OTHER)
    first = cli("fit", "--activate")
    assert first.exit_code == 0, first.output
    assert "已启用" in first.stdout
    live = query(lambda s: s.scalars(sa.select(MatchWeights).where(MatchWeights.active.is_(True))).all())
    assert len(live) == 1 and live[0].figures["decided"] == 2
    with app.app_context():
        assert sources.weights().as_dict() == live[0].weights
    assert (
        query(lambda s: s.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "match.weights")))
        == 1
    )
    assert query(lambda s: s.scalar(sa.select(sa.func.count(MatchJob.id)))) >= 1  # a full re-match follows

    second = cli("fit", "--activate", "--force", "--note", "again")
    assert second.exit_code == 0, second.output
    rows = query(lambda s: s.scalars(sa.select(MatchWeights).order_by(MatchWeights.id)).all())
    assert [r.active for r in rows] == [False, True] and rows[1].previous_id == rows[0].id and rows[1].note == "again"

    back = cli("fit", "--rollback")
    assert back.exit_code == 0 and f"#{rows[0].id}" in back.stdout
    assert query(lambda s: s.scalar(sa.select(MatchWeights.id).where(MatchWeights.active.is_(True)))) == rows[0].id
    assert cli("fit", "--rollback").exit_code == 0  # to the defaults
    with app.app_context():
        assert sources.weights() == DEFAULT_WEIGHTS
    nothing = cli("fit", "--rollback")
    assert nothing.exit_code != 0 and "默认权重" in nothing.stderr
    assert (
        query(
            lambda s: s.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "match.weights_rollback")
            )
        )
        == 2
    )


def test_the_database_keeps_one_live_set_of_weights(query):
    from sqlalchemy.exc import IntegrityError

    def two(session):
        for _ in range(2):
            session.add(MatchWeights(weights={}, figures={}, active=True, activated_at=sa.func.current_timestamp()))
        try:
            session.flush()
        except IntegrityError:
            session.rollback()
            return "refused"
        session.rollback()
        return "kept"

    assert query(two) == "refused"


def test_fit_with_nothing_to_learn_from_says_so(library, cli):
    result = cli("fit", "--judged", "/dev/null")
    assert result.exit_code != 0 and "没有可学习的数据" in result.stderr
