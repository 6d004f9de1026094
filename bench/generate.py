"""Generated listings with realistic shapes (title 10–30 characters, summary 100–400) for benchmarks.

Written for this project: technical vocabulary per field, sentence templates, and the noise seen in
real listings (patent-abstract openings, 面议 prices, glued cooperation modes). Deterministic per seed.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Mapping
from pathlib import Path

FIELDS = {
    "电子信息-人工智能": [
        "深度学习",
        "图像识别",
        "语音识别",
        "自然语言处理",
        "知识图谱",
        "目标检测",
        "边缘计算",
        "神经网络",
        "智能客服",
        "推荐算法",
    ],
    "电子信息-集成电路": [
        "芯片设计",
        "射频前端",
        "功率器件",
        "封装测试",
        "模数转换",
        "低功耗",
        "晶圆",
        "存储器",
        "传感芯片",
        "滤波器",
    ],
    "电子信息-信创": [
        "操作系统",
        "数据库",
        "中间件",
        "国产化",
        "安全可控",
        "云平台",
        "办公软件",
        "信创适配",
        "服务器",
        "数据安全",
    ],
    "生物与新医药-合成生物": [
        "工业菌种",
        "酶定向进化",
        "代谢工程",
        "发酵工艺",
        "生物合成",
        "基因编辑",
        "细胞工厂",
        "蛋白表达",
        "高通量筛选",
        "底盘细胞",
    ],
    "生物与新医药-生物医药": [
        "靶向药物",
        "抗体",
        "疫苗",
        "缓释制剂",
        "临床前研究",
        "药物筛选",
        "组分中药",
        "诊断试剂",
        "细胞治疗",
        "给药系统",
    ],
    "新材料-复合材料": [
        "碳纤维",
        "树脂基体",
        "界面改性",
        "轻量化",
        "层合板",
        "耐高温",
        "增韧",
        "预浸料",
        "成型工艺",
        "力学性能",
    ],
    "新材料-金属材料": [
        "高端铝合金",
        "热处理",
        "晶粒细化",
        "耐腐蚀",
        "增材制造",
        "粉末冶金",
        "镁合金",
        "焊接",
        "表面处理",
        "高强度",
    ],
    "新能源与节能-新能源汽车": [
        "动力电池",
        "电池管理系统",
        "锂离子电池",
        "快速充电",
        "氢燃料电池",
        "电驱动",
        "热管理",
        "车联网",
        "充电桩",
        "储能",
    ],
    "先进制造与自动化-智能制造/高端装备": [
        "工业机器人",
        "数控机床",
        "视觉检测",
        "数字孪生",
        "预测性维护",
        "伺服控制",
        "自动化产线",
        "减速器",
        "精密加工",
        "工业互联网",
    ],
    "资源与环境-智慧环保": [
        "污水处理",
        "大气污染",
        "固废资源化",
        "膜分离",
        "在线监测",
        "脱硫脱硝",
        "土壤修复",
        "节能减排",
        "污泥处置",
        "环境监测",
    ],
    "资源与环境-海洋科技": [
        "海水淡化",
        "海洋监测",
        "水下机器人",
        "海洋防腐",
        "船舶",
        "海上风电",
        "海洋生物",
        "声呐",
        "养殖网箱",
        "海洋工程",
    ],
    "现代农业-农林植物新品种": [
        "抗病品种",
        "高产",
        "种质资源",
        "分子育种",
        "节水灌溉",
        "设施农业",
        "土壤改良",
        "病虫害防治",
        "有机肥",
        "农产品加工",
    ],
}
SUBJECTS = ["方法", "系统", "装置", "工艺", "平台", "材料", "设备", "技术", "模块", "制剂"]
OPENINGS = ["本发明公开了一种", "本成果涉及", "本项目提供一种", "该技术是一种", "本实用新型公开了", ""]
SENTENCES = [
    "该{a}采用{b}与{c}相结合的方案，解决了现有{d}存在的效率低、成本高等问题。",
    "通过优化{a}参数，{b}性能提升{n}%以上，{c}能耗降低{m}%。",
    "已在{d}领域完成{stage}，具备{e}条件。",
    "主要应用于{a}、{b}和{c}等场景，可替代进口{d}。",
    "项目团队在{a}方向积累多年，拥有{b}相关发明专利{k}项。",
    "与传统{a}相比，具有结构简单、{b}稳定、易于{c}推广的优点。",
]
STAGES = ["小试", "中试", "样机试制", "示范应用", "实验室验证"]
MATURITIES = ["正在研发", "通过小试", "通过中试", "已有样品", "可以量产"]
COOPS = ["完全转让", "许可转让", "技术入股", "合作开发", "完全转让许可转让", "其他"]
INSTITUTIONS = ["天津大学", "南开大学", "天津工业大学", "天津科技大学", "天津理工大学", "中国民航大学"]


def _summary(rng: random.Random, terms: list[str], target: int) -> str:
    text = rng.choice(OPENINGS) + rng.choice(terms) + rng.choice(SUBJECTS) + "，"
    while len(text) < target:
        sentence = rng.choice(SENTENCES).format(
            a=rng.choice(terms),
            b=rng.choice(terms),
            c=rng.choice(terms),
            d=rng.choice(terms),
            e=rng.choice(["产业化", "批量生产", "技术转让", "合作开发"]),
            stage=rng.choice(STAGES),
            n=rng.randint(5, 60),
            m=rng.randint(5, 40),
            k=rng.randint(1, 12),
        )
        text += sentence
    return text[: target + 20]


def achievements(n: int, seed: int = 7, vocabulary: Mapping[str, list[str]] | None = None) -> Iterator[dict]:
    """Rows in the import format of interfaces.md. `vocabulary` ({field: at least 6 terms}) replaces
    the built-in FIELDS, e.g. for a corpus with as many distinct terms as real listings have."""
    vocabulary = vocabulary or FIELDS
    rng = random.Random(seed)
    fields = list(vocabulary)
    for i in range(n):
        field = rng.choice(fields)
        terms = vocabulary[field]
        picked = rng.sample(terms, 3)
        title = f"{picked[0]}{rng.choice(['的', '用', '及', ''])}{picked[1]}{rng.choice(SUBJECTS)}"
        if rng.random() < 0.4:
            title = rng.choice(["一种", "基于", "新型"]) + title
        low = rng.choice([None, None, None, 10, 30, 50, 100, 200])
        yield {
            "external_id": f"gen-a-{seed}-{i:07d}",
            "title": title[:30],
            "summary": _summary(rng, terms, rng.randint(100, 400)),
            "keywords": rng.sample(terms, rng.randint(3, 6)),
            "field": field,
            "maturity": rng.choice(MATURITIES),
            "trl": rng.randint(2, 8),
            "transfer_modes": rng.choice(COOPS),
            "price": "面议" if low is None else f"{low}-{low * rng.choice([1, 2, 3])}",
            "institution": rng.choice(INSTITUTIONS),
            "team": f"{rng.choice('张王李赵刘陈杨黄周吴')}教授团队",
            "posted_on": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        }


def needs(n: int, seed: int = 11, vocabulary: Mapping[str, list[str]] | None = None) -> Iterator[dict]:
    vocabulary = vocabulary or FIELDS
    rng = random.Random(seed)
    fields = list(vocabulary)
    for i in range(n):
        field = rng.choice(fields)
        terms = vocabulary[field]
        picked = rng.sample(terms, 2)
        low = rng.choice([None, 20, 50, 100, 300])
        yield {
            "external_id": f"gen-n-{seed}-{i:07d}",
            "title": f"{picked[0]}{rng.choice(['技术攻关', '工艺改进', '国产化替代', '性能提升'])}需求",
            "description": _summary(rng, terms, rng.randint(80, 300)).replace("本发明公开了一种", "我公司需要一种"),
            "keywords": rng.sample(terms, rng.randint(2, 5)),
            "field": field,
            "budget": "面议" if low is None else f"{low}-{low * 2}",
            "deadline": f"2027-{rng.randint(1, 12):02d}-28",
            "cooperation_modes": rng.choice(["技术转让,技术许可,委托开发", "委托开发", "合作开发", "技术许可"]),
            "organisation": f"天津津南{rng.choice(['智造', '新材', '生物', '环保', '海洋'])}科技有限公司{rng.randint(1, 300)}",
            "posted_on": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        }


def write_jsonl(rows: Iterator[dict], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    for row in achievements(count):
        print(json.dumps(row, ensure_ascii=False))
