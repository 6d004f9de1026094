"""A backup restores: a database with every kind of record — people, listings, a challenge with an
application and its file, a deal with a payment and its bank slip — is backed up with the command,
restored into an empty database, and every row of every table, files included, is found again."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import make_database, migrate
from webapp import create_app
from webapp.core import backup
from webapp.extensions import db

pytestmark = pytest.mark.live

SLIP = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + bytes(range(256))


def _populate(app) -> None:
    from datetime import date

    from tests import clock
    from tests.challenges import factory
    from tests.listings.search_factory import make_listing
    from webapp.accounts.models import Role
    from webapp.deals import files as deal_files
    from webapp.deals import opening
    from webapp.deals import services as deals
    from webapp.deals.models import ContractType, DealFileKind

    with app.app_context():
        try:
            people = factory.make_people()
            challenge = factory.published(people)
            application = factory.apply(people.tju, challenge, submit=False)
            from webapp.challenges import files

            files.add_application_file(people.tju, application, "技术方案.pdf", factory.PDF)
            make_listing(db.session, "a", title="备份测试成果（含全角括号）", summary="550℃ 耐高温涂层")
            broker = factory.user(Role.BROKER, "备份经纪人")
            deal = opening.create_direct(
                broker,
                title="备份测试成交",
                parties=opening.Parties(need_party="某企业", provider_party="天津大学", provider_user_id=people.tju.id),
                contract_type=ContractType.LICENCE,
                contract_value=1_234_567,
            )
            deals.sign(broker, deal, date(2026, 3, 1))
            deal_files.attach_file(broker, deal, DealFileKind.CONTRACT, ("合同扫描件.pdf", SLIP))
            db.session.commit()
        finally:
            clock.reset()


def _contents(app) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    with app.app_context():
        found = {}
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            found[table.name] = [tuple(row) for row in db.session.execute(sa.select(table).order_by(*order))]
        found["alembic_version"] = list(db.session.execute(sa.text("SELECT version_num FROM alembic_version")))
        return found


def test_a_backup_restores_every_row_and_file_into_an_empty_database(request, tmp_path_factory, tmp_path):
    source = create_app("testing", SQLALCHEMY_DATABASE_URI=make_database(request.config, tmp_path_factory, "bksource"))
    migrate(source)
    _populate(source)
    before = _contents(source)
    assert before["deal_files"] and before["challenge_attachments"] and before["users"]

    result = source.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "jiebang.backup")])
    assert result.exit_code == 0, result.output
    assert "backup written" in result.output

    empty = create_app("testing", SQLALCHEMY_DATABASE_URI=make_database(request.config, tmp_path_factory, "bktarget"))
    result = empty.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(tmp_path / "jiebang.backup")])
    assert result.exit_code == 0, result.output

    after = _contents(empty)
    assert after == before
    with empty.app_context():
        stored = db.session.execute(sa.text("SELECT data FROM deal_files")).scalar_one()
    assert bytes(stored) == SLIP
    for app in (source, empty):
        with app.app_context():
            db.engine.dispose()


def test_a_restore_refuses_what_is_not_a_backup_of_this_database_or_is_too_new(request, tmp_path_factory, tmp_path):
    url = make_database(request.config, tmp_path_factory, "bkrefuse")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    migrate(app)
    stray = tmp_path / "notes.txt"
    stray.write_text("不是备份文件")
    result = app.test_cli_runner().invoke(args=["backup", "restore", "--yes", str(stray)])
    assert result.exit_code != 0 and "is not a" in result.output

    made = backup.create(url, tmp_path / "made.backup")
    with pytest.raises(backup.BackupError, match="newer than this code knows"):
        backup.restore(url, made, known_revisions={"0001_an_older_schema"})
    with app.app_context():
        db.engine.dispose()
