"""taxonomy: an English name for each technical field, shown on English pages

Revision ID: 0011_field_english_names
Revises: 0010_challenge_identity
Create Date: 2026-12-06 19:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0011_field_english_names'
down_revision = '0010_challenge_identity'
branch_labels = None
depends_on = None

# The seeded fields (0002_listings) in English; fields admins added later get theirs in the admin screens.
ENGLISH = {
    "电子信息": "Electronic information",
    "信创": "Domestic IT innovation (Xinchuang)",
    "集成电路": "Integrated circuits",
    "人工智能": "Artificial intelligence",
    "脑机接口": "Brain-computer interfaces",
    "计算机软件": "Computer software",
    "通信技术": "Communications",
    "物联网与传感器": "IoT and sensors",
    "区块链与量子信息": "Blockchain and quantum information",
    "其他电子信息": "Other electronic information",
    "生物与新医药": "Biotechnology and new medicine",
    "合成生物": "Synthetic biology",
    "生物医药": "Biomedicine",
    "医疗器械": "Medical devices",
    "中药与组分中药": "Traditional Chinese medicine",
    "其他生物技术": "Other biotechnology",
    "新材料": "New materials",
    "先进电子材料": "Advanced electronic materials",
    "金属材料与高端铝合金": "Metals and high-end aluminium alloys",
    "复合材料": "Composites",
    "高分子材料": "Polymers",
    "纳米材料": "Nanomaterials",
    "纺织新材料": "New textile materials",
    "其他新材料": "Other new materials",
    "新能源与节能": "New energy and energy saving",
    "新能源汽车": "New-energy vehicles",
    "动力电池与储能": "Power batteries and energy storage",
    "太阳能与风能": "Solar and wind power",
    "节能技术": "Energy saving",
    "先进制造与自动化": "Advanced manufacturing and automation",
    "智能制造/高端装备": "Smart manufacturing and high-end equipment",
    "智能机器人": "Intelligent robots",
    "轨道交通": "Rail transit",
    "核心工业软件": "Core industrial software",
    "其他先进制造": "Other advanced manufacturing",
    "资源与环境": "Resources and environment",
    "海洋科技": "Marine technology",
    "智慧环保": "Smart environmental protection",
    "水处理": "Water treatment",
    "其他资源环境": "Other resources and environment",
    "航空航天": "Aerospace",
    "无人系统": "Unmanned systems",
    "其他航空航天": "Other aerospace",
    "高技术服务": "High-tech services",
    "检验检测": "Testing and inspection",
    "互联网教育": "Online education",
    "会展科技": "Exhibition technology",
    "其他技术服务": "Other technical services",
    "现代农业": "Modern agriculture",
    "农林植物新品种": "New plant varieties",
    "农业装备": "Agricultural machinery",
    "食品加工": "Food processing",
    "畜牧与水产": "Livestock and aquaculture",
    "其他农业技术": "Other agricultural technology",
}


def upgrade():
    with op.batch_alter_table('tech_fields') as batch_op:
        batch_op.add_column(sa.Column('name_en', sa.String(length=80), nullable=True))
    fields = sa.table('tech_fields', sa.column('name', sa.String), sa.column('name_en', sa.String))
    for name, english in ENGLISH.items():
        op.execute(fields.update().where(fields.c.name == name).values(name_en=english))


def downgrade():
    op.drop_column('tech_fields', 'name_en')
