"""performance: reports after delivery, their evidence and reminders

Revision ID: 0019_performance_reports
Revises: 0018_notification_preferences
Create Date: 2026-12-07 07:15:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0019_performance_reports'
down_revision = '0018_notification_preferences'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('performance_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('challenge_id', sa.Integer(), nullable=True),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'returned', 'accepted', name='performance_report_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('new_products', sa.Integer(), nullable=True),
    sa.Column('sales', sa.BigInteger(), nullable=True),
    sa.Column('cost_saved', sa.BigInteger(), nullable=True),
    sa.Column('patents_filed', sa.Integer(), nullable=True),
    sa.Column('patents_granted', sa.Integer(), nullable=True),
    sa.Column('jobs', sa.Integer(), nullable=True),
    sa.Column('follow_on_contracts', sa.Integer(), nullable=True),
    sa.Column('follow_on_value', sa.BigInteger(), nullable=True),
    sa.Column('outcomes', sa.JSON(), nullable=True),
    sa.Column('commitment', sa.Text(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('return_comment', sa.String(length=2000), nullable=True),
    sa.Column('rating', sa.Enum('excellent', 'good', 'pass', 'fail', name='performance_rating', native_enum=False, create_constraint=True, length=17), nullable=True),
    sa.Column('review_comment', sa.String(length=2000), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(status = 'accepted') = (rating IS NOT NULL AND reviewed_at IS NOT NULL)", name=op.f('ck_performance_reports_accepted_has_rating')),
    sa.CheckConstraint("status <> 'returned' OR return_comment IS NOT NULL", name=op.f('ck_performance_reports_returned_has_comment')),
    sa.CheckConstraint("status IN ('draft', 'returned') OR (new_products IS NOT NULL AND patents_filed IS NOT NULL AND patents_granted IS NOT NULL AND jobs IS NOT NULL AND follow_on_contracts IS NOT NULL AND sales IS NOT NULL AND cost_saved IS NOT NULL AND follow_on_value IS NOT NULL AND submitted_at IS NOT NULL)", name=op.f('ck_performance_reports_filed_is_complete')),
    sa.CheckConstraint('(challenge_id IS NULL) <> (deal_id IS NULL)', name=op.f('ck_performance_reports_one_subject')),
    sa.CheckConstraint('(new_products IS NULL OR new_products >= 0) AND (patents_filed IS NULL OR patents_filed >= 0) AND (patents_granted IS NULL OR patents_granted >= 0) AND (jobs IS NULL OR jobs >= 0) AND (follow_on_contracts IS NULL OR follow_on_contracts >= 0) AND (sales IS NULL OR sales >= 0) AND (cost_saved IS NULL OR cost_saved >= 0) AND (follow_on_value IS NULL OR follow_on_value >= 0)', name=op.f('ck_performance_reports_figures_not_negative')),
    sa.CheckConstraint('due_on >= opened_on', name=op.f('ck_performance_reports_due_after_opened')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_performance_reports_title_not_blank')),
    sa.ForeignKeyConstraint(['challenge_id'], ['challenges.id'], name=op.f('fk_performance_reports_challenge_id_challenges'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], name=op.f('fk_performance_reports_deal_id_deals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['users.id'], name=op.f('fk_performance_reports_enterprise_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_performance_reports_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_reports')),
    sa.UniqueConstraint('challenge_id', name=op.f('uq_performance_reports_challenge_id')),
    sa.UniqueConstraint('deal_id', name=op.f('uq_performance_reports_deal_id'))
    )
    with op.batch_alter_table('performance_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_reports_due_on'), ['due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_reports_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_reports_status'), ['status'], unique=False)

    op.create_table('performance_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['performance_reports.id'], name=op.f('fk_performance_reminders_report_id_performance_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_reminders')),
    sa.UniqueConstraint('report_id', 'key', name='uq_performance_reminders_report_id_key')
    )
    op.create_table('performance_report_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_performance_report_files_sha256_length')),
    sa.CheckConstraint('size > 0', name=op.f('ck_performance_report_files_size_positive')),
    sa.ForeignKeyConstraint(['report_id'], ['performance_reports.id'], name=op.f('fk_performance_report_files_report_id_performance_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_performance_report_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_report_files'))
    )
    with op.batch_alter_table('performance_report_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_report_files_report_id'), ['report_id'], unique=False)



def downgrade():
    with op.batch_alter_table('performance_report_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_report_files_report_id'))

    op.drop_table('performance_report_files')
    op.drop_table('performance_reminders')
    with op.batch_alter_table('performance_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_reports_status'))
        batch_op.drop_index(batch_op.f('ix_performance_reports_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_performance_reports_due_on'))

    op.drop_table('performance_reports')
