"""challenges: who posted a challenge is public only if the enterprise chose so

Revision ID: 0010_challenge_identity
Revises: 0009_match_weights
Create Date: 2026-12-06 19:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0010_challenge_identity'
down_revision = '0009_match_weights'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenges') as batch_op:
        batch_op.add_column(sa.Column('show_identity', sa.Boolean(), server_default=sa.false(), nullable=False))
    # A challenge shows who posted it exactly when its need does.
    op.execute(
        "UPDATE challenges SET show_identity = (SELECT needs.show_identity FROM needs WHERE needs.id = challenges.need_id)"
    )


def downgrade():
    op.drop_column('challenges', 'show_identity')
