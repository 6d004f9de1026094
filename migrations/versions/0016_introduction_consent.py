"""matching: an introduction is a proposal each owner accepts or declines before identities are shared

Revision ID: 0016_introduction_consent
Revises: 0015_idempotent_requests
Create Date: 2026-12-07 07:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_introduction_consent'
down_revision = '0015_idempotent_requests'
branch_labels = None
depends_on = None

CHECKS = {
    'need_answer_has_time': "(need_answer IS NULL) = (need_answered_at IS NULL)",
    'achievement_answer_has_time': "(achievement_answer IS NULL) = (achievement_answered_at IS NULL)",
    'need_message_has_answer': "need_message IS NULL OR need_answer IS NOT NULL",
    'achievement_message_has_answer': "achievement_message IS NULL OR achievement_answer IS NOT NULL",
    'one_side_declines': "NOT (need_answer = 'declined' AND achievement_answer = 'declined')",
    'declined_has_reason': (
        "(COALESCE(need_answer, '') = 'declined' OR COALESCE(achievement_answer, '') = 'declined')"
        " = (decline_reason IS NOT NULL)"
    ),
    'declined_is_closed': "decline_reason IS NULL OR outcome = 'no_deal'",
}


ANSWERS = "('accepted', 'declined')"
REASONS = "('field', 'maturity', 'budget', 'existing', 'insufficient', 'other')"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        _upgrade_sqlite()
    else:
        with op.batch_alter_table('introductions', schema=None) as batch_op:
            batch_op.add_column(sa.Column('need_answer', sa.Enum('accepted', 'declined', name='need_answer', native_enum=False, create_constraint=True, length=16), nullable=True))
            batch_op.add_column(sa.Column('need_answered_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('need_message', sa.String(length=1000), nullable=True))
            batch_op.add_column(sa.Column('achievement_answer', sa.Enum('accepted', 'declined', name='achievement_answer', native_enum=False, create_constraint=True, length=16), nullable=True))
            batch_op.add_column(sa.Column('achievement_answered_at', sa.DateTime(timezone=True), nullable=True))
            batch_op.add_column(sa.Column('achievement_message', sa.String(length=1000), nullable=True))
            batch_op.add_column(sa.Column('decline_reason', sa.Enum('field', 'maturity', 'budget', 'existing', 'insufficient', 'other', name='decline_reason', native_enum=False, create_constraint=True, length=20), nullable=True))
            for name, condition in CHECKS.items():
                batch_op.create_check_constraint(op.f(f'ck_introductions_{name}'), condition)
    # Introductions made before this change already shared both parties' contacts: both count as
    # having agreed, when the introduction was made.
    op.execute(
        "UPDATE introductions SET need_answer = 'accepted', need_answered_at = created_at,"
        " achievement_answer = 'accepted', achievement_answered_at = created_at"
    )


def _upgrade_sqlite():
    """On SQLite the columns are added in place, each with its checks. Batch mode would copy the
    table and drop the old one, and with the foreign keys the application turns on, dropping it
    empties deals.introduction_id (ON DELETE SET NULL): every deal would lose its introduction."""

    def check(name):
        return f"CONSTRAINT ck_introductions_{name} CHECK ({CHECKS.get(name) or ''})"

    columns = [
        ("need_answer VARCHAR(16)", [f"CONSTRAINT ck_introductions_need_answer CHECK (need_answer IN {ANSWERS})"]),
        ("need_answered_at DATETIME", [check('need_answer_has_time')]),
        ("need_message VARCHAR(1000)", [check('need_message_has_answer')]),
        (
            "achievement_answer VARCHAR(16)",
            [f"CONSTRAINT ck_introductions_achievement_answer CHECK (achievement_answer IN {ANSWERS})"],
        ),
        ("achievement_answered_at DATETIME", [check('achievement_answer_has_time')]),
        ("achievement_message VARCHAR(1000)", [check('achievement_message_has_answer'), check('one_side_declines')]),
        (
            "decline_reason VARCHAR(20)",
            [
                f"CONSTRAINT ck_introductions_decline_reason CHECK (decline_reason IN {REASONS})",
                check('declined_has_reason'),
                check('declined_is_closed'),
            ],
        ),
    ]
    for column, checks in columns:
        op.execute(f"ALTER TABLE introductions ADD COLUMN {column} {' '.join(checks)}")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # Batch mode copies the table and drops the old one, which empties deals.introduction_id
        # (ON DELETE SET NULL) while the foreign keys are on: keep the links and put them back.
        op.execute("CREATE TEMP TABLE deal_introductions AS SELECT id, introduction_id FROM deals WHERE introduction_id IS NOT NULL")
    with op.batch_alter_table('introductions', schema=None) as batch_op:
        for name in [*CHECKS, 'need_answer', 'achievement_answer', 'decline_reason']:
            batch_op.drop_constraint(op.f(f'ck_introductions_{name}'), type_='check')
        batch_op.drop_column('decline_reason')
        batch_op.drop_column('achievement_message')
        batch_op.drop_column('achievement_answered_at')
        batch_op.drop_column('achievement_answer')
        batch_op.drop_column('need_message')
        batch_op.drop_column('need_answered_at')
        batch_op.drop_column('need_answer')
    if sqlite:
        op.execute(
            "UPDATE deals SET introduction_id = (SELECT d.introduction_id FROM deal_introductions d WHERE d.id = deals.id)"
            " WHERE id IN (SELECT id FROM deal_introductions)"
        )
        op.execute("DROP TABLE deal_introductions")
