import sqlalchemy as sa

from webapp.accounts.models import Role, User


def test_users_create_prints_a_generated_password_that_works(app, make_client, query):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", "First.Admin@bureau.example.cn", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Password:")[1].strip()
    assert (
        query(lambda s: s.scalar(sa.select(User.role).where(User.email == "first.admin@bureau.example.cn")))
        is Role.ADMIN
    )
    assert make_client().login("first.admin@bureau.example.cn", password).status_code == 302


def test_users_create_refuses_duplicates_and_unknown_enterprises(app):
    runner = app.test_cli_runner()
    assert (
        runner.invoke(
            args=["users", "create", "--email", "dup@example.cn", "--role", "expert", "--password", "expert-pass-1"]
        ).exit_code
        == 0
    )
    again = runner.invoke(args=["users", "create", "--email", "dup@example.cn", "--role", "expert"])
    assert again.exit_code != 0
    assert "already" in again.output or "已" in again.output
    unknown = runner.invoke(
        args=["users", "create", "--email", "e@example.cn", "--role", "enterprise", "--org", "不存在的公司"]
    )
    assert unknown.exit_code != 0


def test_demo_load_runs_once(app, make_client, monkeypatch):
    monkeypatch.setitem(app.config, "DEMO_REAL_DATA", False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "admin@demo.jiebang.cn" in first.output and "Jiebang-demo-2026" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "already" in second.output
    for role in ("admin", "enterprise", "researcher", "broker", "expert"):
        assert make_client().login(f"{role}@demo.jiebang.cn", "Jiebang-demo-2026").status_code == 302


def test_demo_load_fills_the_ledger_once_at_every_stage(app, monkeypatch):
    import sqlalchemy as sa

    monkeypatch.setitem(app.config, "DEMO_REAL_DATA", False)
    from webapp.deals.models import Deal, DealState, TurnoverTarget
    from webapp.deals.turnover import ledger_mismatches
    from webapp.extensions import db

    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        deals = db.session.scalars(sa.select(Deal).where(Deal.introduction_id.is_(None))).all()
        assert len(deals) == 8
        from_rooms = db.session.scalars(sa.select(Deal).where(Deal.introduction_id.is_not(None))).all()
        assert [d.state for d in from_rooms] == [DealState.NEGOTIATING]  # opened from a negotiation room
        assert {d.state for d in deals} == set(DealState)
        assert all(d.broker.email == "broker@demo.jiebang.cn" and d.agency_id is not None for d in deals)
        assert ledger_mismatches() == []
        targets = db.session.scalars(sa.select(TurnoverTarget)).all()
        assert [t.amount for t in targets] == [5_000_000_000]


def test_demo_load_brings_every_library_the_board_and_matching_to_life_once(app, make_client, monkeypatch):
    from webapp.achievements.models import Achievement
    from webapp.challenges.models import Challenge, ChallengeStatus
    from webapp.extensions import db
    from webapp.listings.models import ListingStatus
    from webapp.matching.models import Suggestion
    from webapp.needs.models import Need

    monkeypatch.setitem(app.config, "DEMO_REAL_DATA", False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0

    def counts():
        with app.app_context():
            return {
                model.__name__: db.session.scalar(
                    sa.select(sa.func.count(model.id)).where(model.status == ListingStatus.PUBLISHED)
                )
                for model in (Achievement, Need)
            } | {
                "suggestions": db.session.scalar(sa.select(sa.func.count(Suggestion.id))),
                "challenges": sorted(s.value for s in db.session.scalars(sa.select(Challenge.status))),
            }

    first = counts()
    assert first["Achievement"] >= 18 and first["Need"] >= 12 and first["suggestions"] >= 20
    S = ChallengeStatus
    stages = {S.PUBLISHED, S.REVIEW, S.NOTICE, S.AWARDED, S.IN_PROGRESS, S.COMPLETED, S.FAILED}
    assert {S(v) for v in first["challenges"]} == stages

    # The board shows them to anyone; the one made from a de-identified need names no enterprise.
    visitor = make_client()
    board = visitor.get("/challenges/").get_data(as_text=True)
    with app.app_context():
        challenges = db.session.scalars(sa.select(Challenge)).all()
        hidden = [c for c in challenges if not c.show_identity]
        assert len(hidden) == 1 and hidden[0].status is S.PUBLISHED
        assert sum(c.title in board for c in challenges if c.status in (S.PUBLISHED, S.NOTICE)) >= 3
        page = visitor.get(f"/challenges/{hidden[0].id}").get_data(as_text=True)
        assert hidden[0].organisation.name not in page
        library = visitor.get("/achievements/").get_data(as_text=True)
        assert "铝合金压铸件真空压铸与气孔控制工艺" in library

    runner.invoke(args=["demo", "load"])
    assert counts() == first  # loaded once


def test_demo_load_imports_the_real_lists_when_they_are_there_once(app, monkeypatch, tmp_path):
    import json

    from webapp.achievements.models import Achievement
    from webapp.extensions import db
    from webapp.matching.models import MatchJob, MatchJobStatus
    from webapp.needs.models import Need

    rows = {
        "achievements-51jishu.jsonl": [
            {"id": f"real-a-{i}", "name": f"真实成果{i}号：锂电池热管理", "description": "动力电池液冷热管理技术。"}
            for i in range(3)
        ],
        "needs-51jishu.jsonl": [
            {"id": "real-n-1", "name": "电池包散热需求", "description": "寻求锂电池液冷热管理技术。"}
        ],
        "papers-csl.jsonl": [{"id": "real-p-1", "title": "电池热管理综述", "abstract": "综述锂电池热管理方法。"}],
    }
    for name, lines in rows.items():
        (tmp_path / name).write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in lines), "utf-8")
    monkeypatch.setitem(app.config, "DATA_DIR", str(tmp_path))
    monkeypatch.setitem(app.config, "DEMO_REAL_DATA", True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        external = set(
            db.session.scalars(sa.select(Achievement.external_id).where(Achievement.external_id.like("real-%")))
        )
        assert external == {"real-a-0", "real-a-1", "real-a-2", "real-p-1"}
        assert db.session.scalar(sa.select(Need.id).where(Need.external_id == "real-n-1")) is not None
        jobs = db.session.scalars(sa.select(MatchJob.status)).all()
        assert jobs == [MatchJobStatus.DONE]  # everything matched once the lists were in
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0
    with app.app_context():
        assert len(db.session.scalars(sa.select(MatchJob.id)).all()) == 1  # nothing imported, nothing re-matched
