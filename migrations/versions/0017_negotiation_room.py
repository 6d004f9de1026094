"""rooms: the negotiation room of an agreed introduction and the confidentiality terms

Revision ID: 0017_negotiation_room
Revises: 0016_introduction_consent
Create Date: 2026-12-07 07:30:00

"""
from alembic import op
import sqlalchemy as sa



revision = '0017_negotiation_room'
down_revision = '0016_introduction_consent'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('confidentiality_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(body)) > 0', name=op.f('ck_confidentiality_terms_body_not_blank')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_confidentiality_terms_version_positive')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_confidentiality_terms_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_confidentiality_terms_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_confidentiality_terms')),
    sa.UniqueConstraint('achievement_id', 'version', name='uq_confidentiality_terms_version')
    )
    with op.batch_alter_table('confidentiality_terms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_confidentiality_terms_achievement_id'), ['achievement_id'], unique=False)

    op.create_table('room_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(body)) > 0', name=op.f('ck_room_messages_body_not_blank')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_room_messages_not_own_parent')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_room_messages_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['introduction_id', 'parent_id'], ['room_messages.introduction_id', 'room_messages.id'], name='fk_room_messages_parent', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introductions.id'], name=op.f('fk_room_messages_introduction_id_introductions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_messages')),
    sa.UniqueConstraint('introduction_id', 'id', name='uq_room_messages_room_message')
    )
    with op.batch_alter_table('room_messages', schema=None) as batch_op:
        batch_op.create_index('ix_room_messages_room_time', ['introduction_id', 'created_at'], unique=False)

    op.create_table('room_next_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(text)) > 0', name=op.f('ck_room_next_steps_text_not_blank')),
    sa.ForeignKeyConstraint(['introduction_id'], ['introductions.id'], name=op.f('fk_room_next_steps_introduction_id_introductions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_room_next_steps_set_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_next_steps'))
    )
    with op.batch_alter_table('room_next_steps', schema=None) as batch_op:
        batch_op.create_index('ix_room_next_steps_room_time', ['introduction_id', 'set_at'], unique=False)

    op.create_table('terms_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('terms_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(version = 0) = (terms_id IS NULL)', name=op.f('ck_terms_acceptances_default_has_no_terms')),
    sa.CheckConstraint('length(trim(text)) > 0', name=op.f('ck_terms_acceptances_text_not_blank')),
    sa.CheckConstraint('version >= 0', name=op.f('ck_terms_acceptances_version_not_negative')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_terms_acceptances_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introductions.id'], name=op.f('fk_terms_acceptances_introduction_id_introductions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['terms_id'], ['confidentiality_terms.id'], name=op.f('fk_terms_acceptances_terms_id_confidentiality_terms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_terms_acceptances_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms_acceptances')),
    sa.UniqueConstraint('introduction_id', 'user_id', 'version', name='uq_terms_acceptances_once')
    )
    with op.batch_alter_table('terms_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_terms_acceptances_achievement_id'), ['achievement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_terms_acceptances_user_id'), ['user_id'], unique=False)

    op.create_table('room_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('introduction_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_room_files_sha256_length')),
    sa.CheckConstraint('length(trim(filename)) > 0', name=op.f('ck_room_files_filename_not_blank')),
    sa.CheckConstraint('size > 0', name=op.f('ck_room_files_size_positive')),
    sa.ForeignKeyConstraint(['introduction_id', 'message_id'], ['room_messages.introduction_id', 'room_messages.id'], name='fk_room_files_message', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['introduction_id'], ['introductions.id'], name=op.f('fk_room_files_introduction_id_introductions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_room_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_files'))
    )
    with op.batch_alter_table('room_files', schema=None) as batch_op:
        batch_op.create_index('ix_room_files_room_time', ['introduction_id', 'uploaded_at'], unique=False)



def downgrade():
    with op.batch_alter_table('room_files', schema=None) as batch_op:
        batch_op.drop_index('ix_room_files_room_time')

    op.drop_table('room_files')
    with op.batch_alter_table('terms_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_terms_acceptances_user_id'))
        batch_op.drop_index(batch_op.f('ix_terms_acceptances_achievement_id'))

    op.drop_table('terms_acceptances')
    with op.batch_alter_table('room_next_steps', schema=None) as batch_op:
        batch_op.drop_index('ix_room_next_steps_room_time')

    op.drop_table('room_next_steps')
    with op.batch_alter_table('room_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_room_messages_room_time')

    op.drop_table('room_messages')
    with op.batch_alter_table('confidentiality_terms', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_confidentiality_terms_achievement_id'))

    op.drop_table('confidentiality_terms')
