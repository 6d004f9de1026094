"""The schema is created by the migrations; they must match the models exactly."""

import re

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


def _squeeze(sql: str) -> str:
    """A CHECK's text without the spelling each database adds: case, spaces, brackets, quotes, casts."""
    sql = re.sub(r"::[a-z ]+(\[\])?", "", str(sql).lower())
    return re.sub(r"[\s()\"]", "", sql)


def test_migrations_create_the_models_check_constraints(app):
    """Autogenerate does not compare CHECK constraints, and the schema's rules live in them."""
    with app.app_context():
        inspector = sa.inspect(db.engine)
        dialect = db.engine.dialect
        problems = []
        for table in db.metadata.sorted_tables:
            model = {
                c.name: _squeeze(
                    str(c.sqltext.compile(dialect=dialect, compile_kwargs={"literal_binds": True})).replace(
                        f"{table.name}.", ""
                    )
                )
                for c in table.constraints
                if isinstance(c, sa.CheckConstraint) and not c.name.startswith("ck_enum_")
            }
            found = {c["name"]: _squeeze(c["sqltext"]) for c in inspector.get_check_constraints(table.name)}
            found = {name: text for name, text in found.items() if name and not name.startswith("ck_enum_")}
            for name in sorted(model.keys() - found.keys()):
                problems.append(f"{table.name}: {name} is in the model but not in the database")
            for name in sorted(found.keys() - model.keys()):
                problems.append(f"{table.name}: {name} is in the database but not in the model")
            if dialect.name == "sqlite":  # PostgreSQL rewrites the expression; SQLite keeps it as written
                for name in sorted(model.keys() & found.keys()):
                    if model[name] != found[name]:
                        problems.append(f"{table.name}: {name} says {found[name]!r}, the model {model[name]!r}")
    assert problems == [], "\n".join(problems)


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


@pytest.mark.live
def test_introductions_made_before_consent_count_as_agreed_by_both(request, tmp_path_factory):
    """Their contacts were already shared: after 0016 both sides have agreed, when it was made."""
    from flask_migrate import upgrade

    fresh = create_app("testing", SQLALCHEMY_DATABASE_URI=make_database(request.config, tmp_path_factory, "consent"))
    with fresh.app_context():
        upgrade(revision="0015_idempotent_requests")
        made = "2026-11-30 08:00:00+00:00"
        # Only the introduction matters here: the rows it points to are left out, with the foreign
        # keys off for this one connection (a raw one: the app's engine begins its own transactions).
        off, on = (
            ("SET session_replication_role = replica", "SET session_replication_role = DEFAULT")
            if db.engine.dialect.name == "postgresql"
            else ("PRAGMA foreign_keys = OFF", "PRAGMA foreign_keys = ON")
        )
        raw = db.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(off)
            cursor.execute(
                "INSERT INTO introductions (id, suggestion_id, outcome, created_at, updated_at)"
                f" VALUES (1, 1, 'negotiating', '{made}', '{made}')"
            )
            raw.commit()
            cursor.execute(on)
            raw.commit()
        finally:
            raw.close()
        upgrade()
        with db.engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT need_answer, achievement_answer, need_answered_at, achievement_answered_at, created_at"
                    " FROM introductions"
                )
            ).one()
        assert (row[0], row[1]) == ("accepted", "accepted")
        assert row[2] == row[3] == row[4]
        db.engine.dispose()
