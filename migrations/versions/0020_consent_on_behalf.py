"""matching: a broker or an admin records the answer of a side whose listing has no owner account

Revision ID: 0020_consent_on_behalf
Revises: 0019_performance_reports
Create Date: 2026-12-08 09:00:00

"""
from alembic import op


revision = '0020_consent_on_behalf'
down_revision = '0019_performance_reports'
branch_labels = None
depends_on = None

SIDES = ('need', 'achievement')


def upgrade():
    # Added in place on both databases: batch mode on SQLite would copy the table and drop the old
    # one, which empties deals.introduction_id and the rooms (ON DELETE) while the foreign keys are on.
    for side in SIDES:
        op.execute(
            f"ALTER TABLE introductions ADD COLUMN {side}_recorded_by_id INTEGER"
            f" CONSTRAINT ck_introductions_{side}_recorder_has_answer"
            f" CHECK ({side}_recorded_by_id IS NULL OR {side}_answer IS NOT NULL)"
        )


def downgrade():
    for side in SIDES:  # its CHECK goes with it (SQLite 3.35+ drops a column in place)
        op.execute(f"ALTER TABLE introductions DROP COLUMN {side}_recorded_by_id")
