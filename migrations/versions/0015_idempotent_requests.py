"""accounts: API requests sent with an Idempotency-Key and the responses they got

Revision ID: 0015_idempotent_requests
Revises: 0014_api_tokens
Create Date: 2026-12-07 04:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015_idempotent_requests'
down_revision = '0014_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotent_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.SmallInteger(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(key) > 0', name=op.f('ck_idempotent_requests_key_not_empty')),
    sa.CheckConstraint('status_code >= 200 AND status_code < 300', name=op.f('ck_idempotent_requests_success_only')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_idempotent_requests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotent_requests')),
    sa.UniqueConstraint('user_id', 'key', name=op.f('uq_idempotent_requests_user_id_key'))
    )
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotent_requests_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotent_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotent_requests_created_at'))

    op.drop_table('idempotent_requests')
