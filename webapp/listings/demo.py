"""Demonstration listings written for this platform: achievements of the two demo universities and
needs of the three demo enterprises, across the technical fields, enough for search, matching and
challenges to show something on a fresh `make run` when the real lists of the shared data folder are
not at hand. All of it is fictional. Posted through the services the authors use and approved as a
moderator would, so each is validated, indexed, matched and audited like any other; a listing its
owner already has (by title) is not posted again."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from webapp.extensions import db

# (key, title, summary, keywords, field, maturity, price 万元, transfer modes, owner e-mail)
ACHIEVEMENTS = [
    (
        "demo-a-01",
        "铝合金压铸件真空压铸与气孔控制工艺",
        "面向新能源汽车电驱壳体的高真空压铸工艺，型腔真空度低于50mbar，配合模温分区控制，铸件气孔率低于0.5%，试产良率由85%提升至96%。",
        "真空压铸，铝合金，气孔缺陷，电驱壳体",
        "先进制造与自动化",
        "中试",
        "120",
        "许可，合作开发",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-02",
        "基于深度学习的金属表面缺陷在线检测系统",
        "工业相机与轻量化卷积神经网络识别冷轧钢板、铝板表面划痕、夹杂与裂纹，单帧推理20ms，识别准确率98%，可接入产线PLC自动剔除。",
        "机器视觉，缺陷检测，深度学习",
        "人工智能",
        "已有样品",
        "80",
        "许可，技术服务",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-03",
        "精密减速器寿命预测与健康管理算法",
        "融合振动、温度与电流信号的RV减速器剩余寿命预测模型，提前两周预警失效，已在工业机器人关节上验证。",
        "减速器，寿命预测，故障诊断，工业机器人",
        "先进制造与自动化",
        "小试",
        "60",
        "合作开发",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-04",
        "锂离子电池包液冷与相变材料复合热管理技术",
        "液冷板与石蜡基复合相变材料协同散热，快充时电芯温差控制在3℃以内，适用于储能电站与电动汽车电池包。",
        "锂离子电池，热管理，相变材料，液冷",
        "新能源与节能",
        "中试",
        "150",
        "转让，许可",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-05",
        "高强韧铝合金搅拌摩擦焊接工艺",
        "6系、7系铝合金搅拌摩擦焊工艺窗口与专用搅拌头，接头强度系数达0.85，焊后变形小，适用于轨道交通与新能源车身结构件。",
        "搅拌摩擦焊，铝合金，焊接工艺",
        "新材料",
        "可量产",
        "95",
        "许可",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-06",
        "工业废水高级氧化与膜浓缩零排放技术",
        "臭氧催化氧化耦合纳滤、反渗透分盐工艺处理化工园区高盐有机废水，COD去除率90%以上，吨水处理成本降低30%。",
        "高盐废水，零排放，膜分离，高级氧化",
        "资源与环境",
        "中试",
        "200",
        "技术服务，合作开发",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-07",
        "5G小基站射频前端氮化镓功放模块",
        "基于氮化镓器件的3.5GHz射频功率放大器，效率45%，体积较同类产品减小三分之一，已完成样机测试。",
        "氮化镓，射频，功率放大器，5G",
        "通信技术",
        "已有样品",
        "面议",
        "许可，合作开发",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-08",
        "国产化数据库迁移与兼容性评估工具",
        "自动扫描存量系统的SQL语句与存储过程，评估向国产数据库迁移的改造量，并生成改写建议，已服务三家政务系统迁移。",
        "信创，国产数据库，迁移",
        "信创",
        "可量产",
        "40",
        "转让，技术服务",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-09",
        "中药组分缓释制剂制备技术",
        "以丹参、川芎有效组分为原料的骨架型缓释片，体外释放平稳12小时，已完成中试放大与稳定性研究。",
        "中药，缓释制剂，组分中药",
        "中药与组分中药",
        "中试",
        "260",
        "转让",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-10",
        "工业酶定向进化与高通量筛选平台",
        "液滴微流控高通量筛选结合机器学习指导的定向进化，每天筛选十万级突变体，已获得耐高温脂肪酶等多个工业酶。",
        "合成生物，酶工程，定向进化",
        "合成生物",
        "小试",
        "面议",
        "合作开发，技术服务",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-11",
        "可降解聚乳酸改性材料及吹膜工艺",
        "聚乳酸与PBAT共混增韧改性，薄膜断裂伸长率超过300%，堆肥条件下180天降解率90%，适用于购物袋与农用地膜。",
        "可降解塑料，聚乳酸，生物降解",
        "新材料",
        "中试",
        "110",
        "许可，合作开发",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-12",
        "猕猴桃避雨防冻设施栽培技术",
        "简易避雨棚结合地面覆膜与防冻喷淋，减少溃疡病发生，冬季冻害损失降低六成，已在多地示范推广。",
        "猕猴桃，设施栽培，避雨，防冻",
        "现代农业",
        "可量产",
        "20",
        "技术服务",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-13",
        "挥发性有机废气吸附浓缩催化燃烧装置",
        "蜂窝沸石转轮吸附浓缩后催化燃烧，VOCs去除率95%以上，运行能耗较直接燃烧降低六成，适用于喷涂与印刷车间。",
        "VOCs，催化燃烧，废气处理",
        "资源与环境",
        "可量产",
        "85",
        "转让，技术服务",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-14",
        "智能仓储多层穿梭车调度系统",
        "多层穿梭车与提升机的协同调度算法与仓储管理软件，出入库效率提升40%，支持与企业ERP对接。",
        "智能仓储，穿梭车，调度算法",
        "计算机软件",
        "已有样品",
        "70",
        "许可，合作开发",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-15",
        "设备振动在线监测与云平台诊断系统",
        "无线振动传感器采集风机、泵组振动数据，云平台自动诊断不平衡、不对中与轴承故障，已接入上千台设备。",
        "振动监测，故障诊断，物联网，云平台",
        "物联网与传感器",
        "可量产",
        "50",
        "转让，技术服务",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-16",
        "钙钛矿光伏组件封装与稳定性提升技术",
        "界面钝化与低温封装工艺，组件在85℃、85%湿度条件下老化1000小时后效率保持率超过90%。",
        "钙钛矿，光伏，封装",
        "新能源与节能",
        "小试",
        "面议",
        "合作开发",
        "researcher@demo.jiebang.cn",
    ),
    (
        "demo-a-17",
        "医用可吸收镁合金骨钉",
        "高纯镁合金表面微弧氧化涂层调控降解速率，动物实验中12周骨愈合良好，降解产物无明显炎症反应。",
        "可吸收材料，镁合金，骨科植入物",
        "医疗器械",
        "小试",
        "300",
        "转让，合作开发",
        "researcher2@demo.jiebang.cn",
    ),
    (
        "demo-a-18",
        "工业机器人视觉引导无序抓取技术",
        "三维结构光相机与点云位姿估计，引导机器人从料框中无序抓取金属零件，抓取成功率99%，节拍6秒。",
        "机器人，视觉引导，三维视觉，抓取",
        "先进制造与自动化",
        "已有样品",
        "90",
        "许可，合作开发",
        "researcher@demo.jiebang.cn",
    ),
]

# (key, title, description, keywords, field, budget 万元, cooperation modes, owner e-mail, public name)
NEEDS = [
    (
        "demo-n-01",
        "电驱壳体压铸气孔缺陷攻关",
        "我公司生产新能源汽车电驱壳体，压铸件气孔导致良率仅85%，希望通过真空压铸与模具温控改进，将良率提升到95%以上。",
        "压铸，气孔，良率，铝合金",
        "先进制造与自动化",
        "100-300",
        "合作开发，委托开发",
        "enterprise@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-02",
        "冷轧钢板表面缺陷自动识别",
        "现有人工目检漏检率高，需要在线识别钢板表面划痕、夹杂和裂纹的机器视觉系统，并能与产线控制系统联动。",
        "机器视觉，表面缺陷，自动识别",
        "人工智能",
        "50-120",
        "技术转让，委托开发",
        "enterprise@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-03",
        "储能电池包快充温升控制",
        "储能电池包在大倍率充电时温升过快，需要液冷或相变材料的热管理方案，电芯温差控制在5℃以内。",
        "储能，电池包，热管理",
        "新能源与节能",
        "80-200",
        "合作开发",
        "enterprise@demo.jiebang.cn",
        False,
    ),
    (
        "demo-n-04",
        "机器人关节减速器故障预警",
        "我公司装配线上有数十台工业机器人，关节减速器突发故障造成停线，希望建立振动与电流监测的预警模型。",
        "减速器，故障预警，工业机器人",
        "先进制造与自动化",
        "30-60",
        "委托开发",
        "enterprise@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-05",
        "高强铝合金车身结构件焊接变形控制",
        "7系铝合金结构件熔焊后变形大、强度下降，寻求搅拌摩擦焊等低变形连接工艺及工装。",
        "铝合金，焊接，变形控制",
        "新材料",
        "60-100",
        "技术转让，合作开发",
        "enterprise2@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-06",
        "可降解包装膜韧性提升",
        "企业生产快递包装袋，现用可降解膜脆、易破，希望提升断裂伸长率并保持堆肥降解性能。",
        "可降解，包装膜，增韧",
        "新材料",
        "50-150",
        "技术转让，合作开发",
        "enterprise2@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-07",
        "喷涂车间VOCs废气达标治理",
        "喷涂线废气风量大、浓度低，现有活性炭吸附更换频繁，希望采用吸附浓缩加催化燃烧的治理方案。",
        "VOCs，废气治理，催化燃烧",
        "资源与环境",
        "40-90",
        "技术服务",
        "enterprise2@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-08",
        "化工园区高盐废水分盐回用",
        "园区高盐有机废水处理成本高，希望实现分盐与水回用，达到近零排放。",
        "高盐废水，分盐，零排放",
        "资源与环境",
        "150-300",
        "合作开发，技术服务",
        "enterprise2@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-09",
        "中药复方缓释片剂型开发",
        "公司有一个成熟中药复方，需要开发每日一次的缓释片剂型，并完成中试放大。",
        "中药，缓释片，剂型开发",
        "中药与组分中药",
        "200-400",
        "技术转让",
        "enterprise3@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-10",
        "耐高温工业酶菌种改造",
        "饲料添加剂生产需要在70℃以上保持活性的脂肪酶，寻求菌种定向改造与发酵工艺合作。",
        "工业酶，菌种改造，耐高温",
        "合成生物",
        "100-200",
        "合作开发",
        "enterprise3@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-11",
        "骨科可吸收内固定材料研发",
        "希望引进可吸收金属或高分子骨钉技术，开展注册检验前的工艺与降解性能研究。",
        "可吸收，骨科，内固定",
        "医疗器械",
        "200-500",
        "技术转让，合作开发",
        "enterprise3@demo.jiebang.cn",
        True,
    ),
    (
        "demo-n-12",
        "料框零件无序抓取上下料",
        "机加工车间上下料依赖人工，希望用三维视觉引导机器人从料框抓取铸件并放入机床。",
        "三维视觉，无序抓取，上下料",
        "先进制造与自动化",
        "60-120",
        "委托开发",
        "enterprise@demo.jiebang.cn",
        True,
    ),
]


def load(say: Callable[[str], None] = lambda _text: None) -> int:
    """Post the listings that are missing through the services their authors use, and publish them
    as a moderator would; return how many were made."""
    from webapp.accounts.models import User
    from webapp.achievements.models import Achievement
    from webapp.achievements.services import save_achievement
    from webapp.listings import lifecycle
    from webapp.needs.models import Need
    from webapp.needs.services import save_need
    from webapp.taxonomy.services import FieldResolver

    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@demo.jiebang.cn")))}
    admin = users.get("admin@demo.jiebang.cn")
    if admin is None:
        return 0
    present = {
        (owner_id, title)
        for model in (Achievement, Need)
        for owner_id, title in db.session.execute(sa.select(model.owner_id, model.title))
    }
    fields = FieldResolver()
    made = 0
    for _key, title, summary, keywords, field, maturity, price, modes, email in ACHIEVEMENTS:
        owner = users.get(email)
        if owner is None or (owner.id, title) in present:
            continue
        data = {"title": title, "summary": summary, "keywords": keywords, "maturity": maturity, "price": price}
        listing = save_achievement(owner, None, {**data, "coop_modes": modes}, field=fields.resolve(field))
        made += _publish(listing, owner, admin, lifecycle)
    for key, title, description, keywords, field, budget, modes, email, public in NEEDS:
        owner = users.get(email)
        if owner is None or (owner.id, title) in present:
            continue
        data = {"title": title, "description": description, "keywords": keywords, "budget": budget}
        listing = save_need(
            owner,
            None,
            {**data, "coop_modes": modes},
            field=fields.resolve(field),
            show_identity=public,
            contact_name=owner.name,
            contact_phone="022-2888" + key[-2:].rjust(4, "0"),
        )
        made += _publish(listing, owner, admin, lifecycle)
    if made:
        say(f"  {made} demo listings posted and published")
    return made


def _publish(listing, owner, admin, lifecycle) -> int:
    lifecycle.apply(listing, "submit", owner)
    lifecycle.apply(listing, "approve", admin)
    db.session.commit()
    return 1
