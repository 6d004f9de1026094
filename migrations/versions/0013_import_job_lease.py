"""imports: a lease on a running job, so a redelivered chunk never runs twice

Revision ID: 0013_import_job_lease
Revises: 0012_rate_limit_counters
Create Date: 2026-12-06 23:20:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0013_import_job_lease'
down_revision = '0012_rate_limit_counters'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
