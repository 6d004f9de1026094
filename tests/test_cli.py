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


def test_demo_load_runs_once(app, make_client):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "admin@demo.jiebang.cn" in first.output and "Jiebang-demo-2026" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "already" in second.output
    for role in ("admin", "enterprise", "researcher", "broker", "expert"):
        assert make_client().login(f"{role}@demo.jiebang.cn", "Jiebang-demo-2026").status_code == 302


def test_demo_load_fills_the_ledger_once_at_every_stage(app):
    import sqlalchemy as sa

    from webapp.deals.models import Deal, DealState, TurnoverTarget
    from webapp.deals.services import ledger_mismatches
    from webapp.extensions import db

    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "load"])
    with app.app_context():
        deals = db.session.scalars(sa.select(Deal)).all()
        assert len(deals) == 8
        assert {d.state for d in deals} == set(DealState)
        assert all(d.broker.email == "broker@demo.jiebang.cn" and d.agency_id is not None for d in deals)
        assert ledger_mismatches() == []
        targets = db.session.scalars(sa.select(TurnoverTarget)).all()
        assert [t.amount for t in targets] == [5_000_000_000]
