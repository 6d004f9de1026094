"""notifications: preferences per category, digests, subscriptions

Revision ID: 0018_notification_preferences
Revises: 0017_negotiation_room
Create Date: 2026-12-07 07:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_notification_preferences'
down_revision = '0017_negotiation_room'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notification_digests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.Enum('daily', 'weekly', name='digest_period', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('notifications', sa.Integer(), nullable=False),
    sa.Column('suggestions', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('notifications >= 0 AND suggestions >= 0', name=op.f('ck_notification_digests_counts_not_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_digests_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_digests')),
    sa.UniqueConstraint('user_id', 'period', 'period_start', name=op.f('uq_notification_digests_user_id_period_period_start'))
    )
    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('delivery', sa.Enum('app', 'instant', 'daily', 'weekly', 'off', name='notification_delivery', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'category', name=op.f('uq_notification_preferences_user_id_category'))
    )
    op.create_table('notification_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('keyword', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(field_id IS NULL) <> (keyword IS NULL)', name=op.f('ck_notification_subscriptions_field_or_keyword')),
    sa.CheckConstraint('keyword IS NULL OR length(trim(keyword)) > 0', name=op.f('ck_notification_subscriptions_keyword_not_blank')),
    sa.ForeignKeyConstraint(['field_id'], ['tech_fields.id'], name=op.f('fk_notification_subscriptions_field_id_tech_fields'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notification_subscriptions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_subscriptions')),
    sa.UniqueConstraint('user_id', 'field_id', name=op.f('uq_notification_subscriptions_user_id_field_id')),
    sa.UniqueConstraint('user_id', 'keyword', name=op.f('uq_notification_subscriptions_user_id_keyword'))
    )
    with op.batch_alter_table('notification_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_subscriptions_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notification_subscriptions_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.Enum('daily', 'weekly', name='digest_period', native_enum=False, create_constraint=True, length=14), nullable=True))
        batch_op.add_column(sa.Column('digest_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_notifications_digest_pending', ['user_id', 'digest', 'digest_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_digest_id_notification_digests'), 'notification_digests', ['digest_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_digest_id_notification_digests'), type_='foreignkey')
        batch_op.drop_index('ix_notifications_digest_pending')
        batch_op.drop_constraint(batch_op.f('ck_notifications_digest_period'), type_='check')
        batch_op.drop_column('digest_id')
        batch_op.drop_column('digest')

    with op.batch_alter_table('notification_subscriptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_subscriptions_user_id'))
        batch_op.drop_index(batch_op.f('ix_notification_subscriptions_field_id'))

    op.drop_table('notification_subscriptions')
    op.drop_table('notification_preferences')
    op.drop_table('notification_digests')
