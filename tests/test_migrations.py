"""The schema is created by the migrations; they must match the models exactly."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tests.conftest import make_database
from webapp import create_app
from webapp.extensions import db


def test_migrations_match_the_models(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


@pytest.mark.live
def test_downgrade_to_nothing_and_upgrade_again(request, tmp_path_factory):
    from flask_migrate import downgrade, upgrade

    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=make_database(request.config, tmp_path_factory, "migrations"))
    with fresh.app_context():
        upgrade()
        downgrade(revision="base")
        assert sa.inspect(db.engine).get_table_names() == ["alembic_version"]
        upgrade()
        assert {"users", "organisations", "audit_events", "outbox_messages"} <= set(
            sa.inspect(db.engine).get_table_names()
        )
        db.engine.dispose()
