"""achievements, needs, taxonomy, search index

Revision ID: 0002_listings
Revises: 0001_foundation
Create Date: 2026-11-25 08:12:21.039761

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_listings'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


# The platform's own field taxonomy: the national high-tech areas, with the district's priority
# fields (marked) under them. Admins edit it afterwards in the taxonomy screens.
TAXONOMY = [
    ("A", "电子信息", False, ["电子科学与技术", "光学工程", "信息传输、软件和信息技术服务业"], [
        ("信创", True, ["信息技术应用创新", "信息创新", "国产化替代"]),
        ("集成电路", True, ["集成电路设计", "芯片", "半导体", "微电子"]),
        ("人工智能", True, ["AI", "机器学习", "智能科技"]),
        ("脑机接口", True, ["脑机"]),
        ("计算机软件", False, ["软件", "计算机与网络技术", "计算机软件", "互联网", "大数据", "网络", "信息服务", "计算机科学与技术"]),
        ("通信技术", False, ["通信", "5G", "射频", "信息与通信工程"]),
        ("物联网与传感器", False, ["物联网", "传感器", "智能传感器", "电子仪表", "智能仪表"]),
        ("区块链与量子信息", False, ["区块链", "量子科技"]),
        ("其他电子信息", False, ["其他", "计算机硬件", "家电", "数字音视频"]),
    ]),
    ("B", "生物与新医药", False, ["生物技术", "生物医药与健康", "基础医学", "临床医学", "口腔医学", "生物科学与工程"], [
        ("合成生物", True, ["合成生物学", "生物合成", "工业菌种", "酶工程"]),
        ("生物医药", True, ["医药", "创新药", "新药", "化学药", "生物制品", "药学"]),
        ("医疗器械", False, ["医疗设备", "医疗器械"]),
        ("中药与组分中药", False, ["中药", "中医药", "中药学"]),
        ("其他生物技术", False, ["其他", "基因工程"]),
    ]),
    ("C", "新材料", True, ["新材料技术", "材料科学与工程"], [
        ("先进电子材料", False, ["电子材料", "半导体材料", "电子信息材料", "磁性材料"]),
        ("金属材料与高端铝合金", False, ["金属材料", "高端铝合金", "合金", "稀土材料", "冶金工程"]),
        ("复合材料", False, ["复合材料"]),
        ("高分子材料", False, ["高分子", "塑料", "橡胶"]),
        ("纳米材料", False, ["纳米材料及应用", "纳米"]),
        ("纺织新材料", False, ["纺织", "纺织材料", "纺织科学与工程", "服装"]),
        ("其他新材料", False, ["其他", "无机非金属材料", "陶瓷材料", "新型建筑材料", "新型建材"]),
    ]),
    ("D", "新能源与节能", False, ["新能源", "节能环保", "动力工程及工程热物理", "电气工程", "电力、热力、燃气、及水生产和供应业"], [
        ("新能源汽车", True, ["智能网联汽车", "车联网", "电动汽车"]),
        ("动力电池与储能", False, ["锂电池", "储能", "氢燃料电池", "电池", "氢能"]),
        ("太阳能与风能", False, ["太阳能", "光伏", "风能"]),
        ("节能技术", False, ["节能", "高效节能", "LED", "绿色建筑", "暖通"]),
    ]),
    ("E", "先进制造与自动化", False, ["装备制造", "先进制造", "交通运输", "交通运输工程", "机械工程", "控制科学与工程"], [
        ("智能制造/高端装备", True, ["智能制造", "高端装备", "装备制造", "新型机械装置", "机械", "数字化制造", "建筑机械"]),
        ("智能机器人", False, ["机器人", "工业机器人"]),
        ("轨道交通", False, ["轨道交通装备"]),
        ("核心工业软件", False, ["工业软件"]),
        ("其他先进制造", False, ["其他"]),
    ]),
    ("F", "资源与环境", False, ["环境保护", "资源环境", "资源环保", "环境科学与工程", "水利、环境和公共设施管理业"], [
        ("海洋科技", True, ["海洋", "海洋工程", "海洋科学", "船舶与海洋工程", "船舶及装备", "船舶"]),
        ("智慧环保", True, ["环保", "环境保护", "节能环保", "大气污染防治", "环境检测", "环境监测", "生态修复保护", "清洁生产"]),
        ("水处理", False, ["污水处理", "水处理技术", "水污染防治", "给排水"]),
        ("其他资源环境", False, ["其他", "资源综合利用", "固体废弃物处理与综合利用", "循环经济", "采矿选矿", "矿业工程"]),
    ]),
    ("G", "航空航天", False, ["航空航天技术", "航空", "空间技术", "航空宇航科学与技术"], [
        ("无人系统", False, ["无人机", "集群控制"]),
        ("其他航空航天", False, ["其他"]),
    ]),
    ("H", "高技术服务", False, ["技术服务"], [
        ("检验检测", False, ["检测", "认证"]),
        ("互联网教育", True, ["在线教育", "教育科技"]),
        ("会展科技", True, ["会展"]),
        ("其他技术服务", False, ["其他"]),
    ]),
    ("J", "现代农业", False, ["农业", "农、林、牧、渔业", "林学", "林业工程", "植物保护", "农业资源利用"], [
        ("农林植物新品种", False, ["植物新品种", "育种", "园艺学", "作物学"]),
        ("农业装备", False, ["农机", "新型农业机械设备", "新型林业机械", "农业工程"]),
        ("食品加工", False, ["食品", "食品工程", "食品科学与工程", "农副产品深加工", "农副产品贮藏"]),
        ("畜牧与水产", False, ["畜牧", "水产", "养殖", "畜禽水产新品种", "新型饲料", "动物疫病防控技术", "畜牧学", "兽医学"]),
        ("其他农业技术", False, ["其他"]),
    ]),
]


def seed_taxonomy():
    from datetime import UTC, datetime

    conn = op.get_bind()
    table = sa.table(
        "tech_fields",
        sa.column("id", sa.Integer), sa.column("code", sa.String), sa.column("name", sa.String),
        sa.column("parent_id", sa.Integer), sa.column("aliases", sa.JSON), sa.column("priority", sa.Boolean),
        sa.column("position", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    now = datetime.now(UTC)
    for position, (code, name, priority, aliases, children) in enumerate(TAXONOMY):
        conn.execute(table.insert().values(code=code, name=name, parent_id=None, aliases=aliases, priority=priority,
                                           position=position, created_at=now, updated_at=now))
        parent_id = conn.execute(sa.select(table.c.id).where(table.c.code == code)).scalar_one()
        for child_position, (child, child_priority, child_aliases) in enumerate(children, start=1):
            conn.execute(table.insert().values(
                code=f"{code}{child_position:02d}", name=child, parent_id=parent_id, aliases=child_aliases,
                priority=child_priority, position=child_position, created_at=now, updated_at=now))


def upgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    op.create_table('listing_terms',
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('term', sa.String(length=40), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.CheckConstraint("kind IN ('a', 'n')", name=op.f('ck_listing_terms_kind_known')),
    sa.PrimaryKeyConstraint('kind', 'term', 'listing_id', name=op.f('pk_listing_terms'), postgresql_include=['weight']),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('listing_terms', schema=None) as batch_op:
        batch_op.create_index('ix_listing_terms_listing', ['kind', 'listing_id'], unique=False)

    op.create_table('tech_fields',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('aliases', sa.JSON(), nullable=False),
    sa.Column('priority', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_tech_fields_name_not_blank')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_tech_fields_not_own_parent')),
    sa.ForeignKeyConstraint(['parent_id'], ['tech_fields.id'], name=op.f('fk_tech_fields_parent_id_tech_fields'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tech_fields')),
    sa.UniqueConstraint('code', name=op.f('uq_tech_fields_code')),
    sa.UniqueConstraint('parent_id', 'name', name='uq_tech_fields_parent_name')
    )
    with op.batch_alter_table('tech_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tech_fields_parent_id'), ['parent_id'], unique=False)
        # NULLs never collide in a unique constraint: top-level names need their own index.
        batch_op.create_index('uq_tech_fields_top_name', ['name'], unique=True,
                              sqlite_where=sa.text('parent_id IS NULL'),
                              postgresql_where=sa.text('parent_id IS NULL'))

    op.create_table('achievements',
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('maturity', sa.Enum('research', 'lab', 'pilot', 'sample', 'mass', name='maturity', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('trl', sa.SmallInteger(), nullable=True),
    sa.Column('patents', sa.JSON(), nullable=False),
    sa.Column('price_min', sa.BigInteger(), nullable=True),
    sa.Column('price_max', sa.BigInteger(), nullable=True),
    sa.Column('institution_name', sa.String(length=200), nullable=True),
    sa.Column('team', sa.String(length=500), nullable=True),
    sa.Column('scenarios', sa.Text(), nullable=True),
    sa.Column('confidential', sa.Text(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'published', 'returned', 'offline', name='listing_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('moderation_reason', sa.String(length=1000), nullable=True),
    sa.Column('coop_mask', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name=op.f('ck_achievements_published_has_time')),
    sa.CheckConstraint("status NOT IN ('returned') OR moderation_reason IS NOT NULL", name=op.f('ck_achievements_returned_has_reason')),
    sa.CheckConstraint('(price_min IS NULL) = (price_max IS NULL) AND (price_min IS NULL OR price_min <= price_max)', name=op.f('ck_achievements_price_range')),
    sa.CheckConstraint('coop_mask >= 0', name=op.f('ck_achievements_coop_mask_positive')),
    sa.CheckConstraint('length(trim(summary)) > 0', name=op.f('ck_achievements_summary_not_blank')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_achievements_title_not_blank')),
    sa.CheckConstraint('price_min IS NULL OR price_min >= 0', name=op.f('ck_achievements_price_min_positive')),
    sa.CheckConstraint('trl IS NULL OR trl BETWEEN 1 AND 9', name=op.f('ck_achievements_trl_range')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['achievements.id'], name=op.f('fk_achievements_duplicate_of_id_achievements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_id'], ['tech_fields.id'], name=op.f('fk_achievements_field_id_tech_fields'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_achievements_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_achievements_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievements')),
    sa.UniqueConstraint('external_id', name=op.f('uq_achievements_external_id'))
    )
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.create_index('ix_achievements_browse', ['status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_achievements_amount_asc', ['status', sa.text('coalesce(price_min, 1000000000000000)'), 'id'], unique=False)
        batch_op.create_index('ix_achievements_amount_desc', ['status', sa.text('coalesce(price_max, -1)'), 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_achievements_owner_id'), ['owner_id'], unique=False)

    op.create_table('duplicate_candidates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('other_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('status', sa.Enum('open', 'merged', 'dismissed', name='duplicate_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('a', 'n')", name=op.f('ck_duplicate_candidates_kind_known')),
    sa.CheckConstraint('listing_id <> other_id', name=op.f('ck_duplicate_candidates_not_self')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_duplicate_candidates_decided_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_duplicate_candidates')),
    sa.UniqueConstraint('kind', 'listing_id', 'other_id', name='uq_duplicate_candidates_pair')
    )
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.create_index('ix_duplicate_candidates_open', ['kind', 'status'], unique=False)
        batch_op.create_index('ix_duplicate_candidates_other', ['kind', 'other_id'], unique=False)

    op.create_table('needs',
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('indicators', sa.Text(), nullable=True),
    sa.Column('budget_min', sa.BigInteger(), nullable=True),
    sa.Column('budget_max', sa.BigInteger(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('expected_maturity', sa.Enum('research', 'lab', 'pilot', 'sample', 'mass', name='expected_maturity', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('organisation_name', sa.String(length=200), nullable=True),
    sa.Column('contact_name', sa.String(length=100), nullable=True),
    sa.Column('contact_phone', sa.String(length=30), nullable=True),
    sa.Column('show_identity', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('keywords', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'published', 'returned', 'offline', name='listing_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('moderation_reason', sa.String(length=1000), nullable=True),
    sa.Column('coop_mask', sa.Integer(), nullable=False),
    sa.Column('posted_on', sa.Date(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('field_id', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('duplicate_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status <> 'published' OR published_at IS NOT NULL", name=op.f('ck_needs_published_has_time')),
    sa.CheckConstraint("status NOT IN ('returned') OR moderation_reason IS NOT NULL", name=op.f('ck_needs_returned_has_reason')),
    sa.CheckConstraint('(budget_min IS NULL) = (budget_max IS NULL) AND (budget_min IS NULL OR budget_min <= budget_max)', name=op.f('ck_needs_budget_range')),
    sa.CheckConstraint('budget_min IS NULL OR budget_min >= 0', name=op.f('ck_needs_budget_min_positive')),
    sa.CheckConstraint('coop_mask >= 0', name=op.f('ck_needs_coop_mask_positive')),
    sa.CheckConstraint('length(trim(description)) > 0', name=op.f('ck_needs_description_not_blank')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_needs_title_not_blank')),
    sa.ForeignKeyConstraint(['duplicate_of_id'], ['needs.id'], name=op.f('fk_needs_duplicate_of_id_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['field_id'], ['tech_fields.id'], name=op.f('fk_needs_field_id_tech_fields'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_needs_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_needs_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_needs')),
    sa.UniqueConstraint('external_id', name=op.f('uq_needs_external_id'))
    )
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.create_index('ix_needs_browse', ['status', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_needs_amount_asc', ['status', sa.text('coalesce(budget_min, 1000000000000000)'), 'id'], unique=False)
        batch_op.create_index('ix_needs_amount_desc', ['status', sa.text('coalesce(budget_max, -1)'), 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_field_id'), ['field_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_needs_owner_id'), ['owner_id'], unique=False)

    op.create_table('achievement_access',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('achievement_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('requested', 'granted', 'denied', 'revoked', name='access_status', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status = 'requested' OR decided_at IS NOT NULL", name=op.f('ck_achievement_access_decided_has_time')),
    sa.ForeignKeyConstraint(['achievement_id'], ['achievements.id'], name=op.f('fk_achievement_access_achievement_id_achievements'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_achievement_access_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_achievement_access')),
    sa.UniqueConstraint('achievement_id', 'user_id', name='uq_achievement_access_pair')
    )
    with op.batch_alter_table('achievement_access', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_achievement_access_user_id'), ['user_id'], unique=False)

    op.create_table('import_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('mapping', sa.String(length=1000), nullable=True),
    sa.Column('target_status', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=10), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='import_job_status', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('processed', sa.Integer(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('achievements', 'needs')", name=op.f('ck_import_jobs_kind_known')),
    sa.CheckConstraint("status NOT IN ('done', 'failed') OR finished_at IS NOT NULL", name=op.f('ck_import_jobs_finished_has_time')),
    sa.CheckConstraint('processed >= 0 AND processed <= total', name=op.f('ck_import_jobs_processed_in_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_import_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_import_jobs_organisation_id_organisations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_jobs'))
    )
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_jobs_created_by_id'), ['created_by_id'], unique=False)

    # ### end Alembic commands ###
    seed_taxonomy()


def downgrade():
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_jobs_created_by_id'))

    op.drop_table('import_jobs')
    with op.batch_alter_table('achievement_access', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievement_access_user_id'))

    op.drop_table('achievement_access')
    with op.batch_alter_table('needs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_needs_owner_id'))
        batch_op.drop_index(batch_op.f('ix_needs_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_needs_field_id'))
        batch_op.drop_index('ix_needs_browse')
        batch_op.drop_index('ix_needs_amount_asc')
        batch_op.drop_index('ix_needs_amount_desc')

    op.drop_table('needs')
    with op.batch_alter_table('duplicate_candidates', schema=None) as batch_op:
        batch_op.drop_index('ix_duplicate_candidates_other')
        batch_op.drop_index('ix_duplicate_candidates_open')

    op.drop_table('duplicate_candidates')
    with op.batch_alter_table('achievements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_achievements_owner_id'))
        batch_op.drop_index(batch_op.f('ix_achievements_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_achievements_field_id'))
        batch_op.drop_index('ix_achievements_browse')
        batch_op.drop_index('ix_achievements_amount_asc')
        batch_op.drop_index('ix_achievements_amount_desc')

    op.drop_table('achievements')
    op.execute("DELETE FROM tech_fields WHERE parent_id IS NOT NULL")  # children first (self reference)
    with op.batch_alter_table('tech_fields', schema=None) as batch_op:
        batch_op.drop_index('uq_tech_fields_top_name')
        batch_op.drop_index(batch_op.f('ix_tech_fields_parent_id'))

    op.drop_table('tech_fields')
    with op.batch_alter_table('listing_terms', schema=None) as batch_op:
        batch_op.drop_index('ix_listing_terms_listing')

    op.drop_table('listing_terms')
    # ### end Alembic commands ###
