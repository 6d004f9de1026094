"""performance: an admin files the report of an enterprise without an account on its behalf

Revision ID: 0021_performance_on_behalf
Revises: 0020_consent_on_behalf
Create Date: 2026-12-09 09:00:00

Who recorded it (filed_by_id) and where the figures come from (filed_note), both nullable: a report
its enterprise files has neither. The recorder is an account's id without a foreign key, as the
audit log keeps its actor: adding a foreign key to an existing table on SQLite needs batch mode,
which copies the table and drops the old one, and with the foreign keys on that deletes the rows
pointing at it (the reports' evidence files and sent reminders, ON DELETE CASCADE). So both columns
are added in place, on both databases, with their CHECKs.

"""
from alembic import op


revision = '0021_performance_on_behalf'
down_revision = '0020_consent_on_behalf'
branch_labels = None
depends_on = None


def upgrade():
    # The recorder first, then the note carrying both CHECKs (each names both columns).
    op.execute("ALTER TABLE performance_reports ADD COLUMN filed_by_id INTEGER")
    op.execute(
        "ALTER TABLE performance_reports ADD COLUMN filed_note VARCHAR(500)"
        " CONSTRAINT ck_performance_reports_filed_note_has_recorder"
        " CHECK (filed_note IS NULL OR filed_by_id IS NOT NULL)"
        " CONSTRAINT ck_performance_reports_filed_for_has_note"
        " CHECK (status IN ('draft', 'returned') OR filed_by_id IS NULL OR filed_note IS NOT NULL)"
    )


def downgrade():
    # The CHECKs go with the note's column (SQLite 3.35+ drops a column in place), then the recorder.
    op.execute("ALTER TABLE performance_reports DROP COLUMN filed_note")
    op.execute("ALTER TABLE performance_reports DROP COLUMN filed_by_id")
