"""The text pipeline and the engine, without the application: what a broker would notice in a list
of suggestions (the right listing first, generic words never matching, the filters, the reasons)."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import pytest

from webapp.matching.engine import Matcher
from webapp.matching.index import Doc
from webapp.matching.scoring import DEFAULT_WEIGHTS, HISTORY_MOST, pair_adjustments
from webapp.matching.text import Analyser, Lexicon, normalise

LITHIUM = Doc(
    1,
    "锂离子电池组热管理技术",
    ("锂离子电池", "热管理", "液冷"),
    "针对电动汽车动力电池组在快充时温升过快的问题，开发了液冷板与相变材料复合的热管理方案，电芯温差控制在3℃以内。",
)
SIC = Doc(
    2,
    "碳化硅功率器件封装工艺",
    ("碳化硅", "功率器件", "封装"),
    "面向新能源汽车电驱的碳化硅MOSFET模块，采用银烧结与铜线键合，结温可达200℃。",
)
VISION = Doc(
    3,
    "基于深度学习的钢板表面缺陷检测系统",
    ("机器视觉", "深度学习", "缺陷检测"),
    "利用工业相机与卷积神经网络识别钢板表面划痕、夹杂与裂纹，识别准确率98%，适用于冷轧产线。",
)
WATER = Doc(
    4,
    "高盐废水膜浓缩处理技术",
    ("高盐废水", "膜分离", "零排放"),
    "采用纳滤与反渗透组合工艺处理化工园区高盐废水，实现近零排放，吨水处理成本降低30%。",
)
GENERIC = Doc(5, "一种系统及方法", ("系统", "方法"), "本发明提供一种系统、装置及方法，涉及技术领域，具有良好效果。")
ACHIEVEMENTS = [LITHIUM, SIC, VISION, WATER, GENERIC]

NEED_BATTERY = Doc(
    101,
    "锂电池包快充温升控制",
    ("锂电", "冷却"),
    "我公司生产储能和电动汽车电池包，快充时电池温度升高过快，需要液冷或相变材料的热管理技术。",
)
NEED_AI = Doc(
    102, "AI视觉检测钢材表面缺陷", ("AI", "视觉检测"), "冷轧钢板产线需要机器视觉自动识别表面划痕和裂纹，替代人工目检。"
)
NEED_GENERIC = Doc(103, "系统方法技术装置", (), "需要一种技术方法和系统装置，提高产品应用效果。")


@pytest.fixture(scope="module")
def analyser():
    return Analyser(Lexicon.default(terms=["热管理", "相变材料"]))


@pytest.fixture(scope="module")
def matcher(analyser):
    return Matcher.build(analyser, ACHIEVEMENTS, [NEED_BATTERY, NEED_AI, NEED_GENERIC])


@contextmanager
def threshold(matcher: Matcher, lowest: float):
    """The matcher scoring with weights whose one band, and so the threshold, starts at `lowest`."""
    matcher.weights = dataclasses.replace(DEFAULT_WEIGHTS, bands=(("low", lowest),))
    try:
        yield
    finally:
        del matcher.weights


def test_normalise_turns_full_width_into_half_width_and_lower_case():
    assert normalise("ＡＩ　芯片　ＬＥＤ１２３") == "ai 芯片 led123"


def test_synonyms_and_abbreviations_read_as_the_canonical_term(analyser):
    assert "锂离子电池" in analyser.tokens("锂电回收")
    assert "人工智能" in analyser.tokens("ＡＩ算法")  # full-width AI too
    assert "人工智能" in analyser.tokens("AI算法")


def test_generic_words_never_become_terms(analyser):
    terms = analyser.tokens("一种系统、装置及方法，涉及技术领域")
    assert not {"系统", "装置", "方法", "技术", "一种"} & set(terms)


def test_dictionary_terms_stay_whole(analyser):
    assert "热管理" in analyser.tokens("电池热管理")
    plain = Analyser(Lexicon.default())
    assert "热管理" not in plain.tokens("电池热管理")


def test_a_need_finds_its_achievement_first_through_synonyms(matcher):
    battery = matcher.for_need(NEED_BATTERY, limit=3)
    assert battery[0].achievement_id == LITHIUM.id
    assert "锂离子电池" in battery[0].terms
    vision = matcher.for_need(NEED_AI, limit=3)
    assert vision[0].achievement_id == VISION.id


def test_generic_words_alone_make_no_suggestion(matcher):
    with threshold(matcher, 35):
        assert matcher.for_need(NEED_GENERIC, limit=5) == []
    assert all(m.parts["keywords"] == 0 and m.parts["title"] == 0 for m in matcher.for_need(NEED_GENERIC, limit=5))


def test_a_title_with_numbers_and_no_words_finds_its_listing(analyser):
    varieties = [
        Doc(i, title, (), "小麦新品种，抗病高产。")
        for i, title in enumerate(
            ["冬小麦新品种静麦4号", "冬小麦新品种静麦5号", "冬小麦新品种津麦4号", "两优3313", "株两优47"], 1
        )
    ]
    matcher = Matcher.build(analyser, varieties, [])
    for query, wanted in (("两优３３１３", 4), ("冬小麦新品种静麦４号", 1), ("株两优", 5)):
        found = matcher.for_need(Doc(99, query), limit=3)
        assert found[0].achievement_id == wanted, query


def test_every_suggestion_explains_its_score(matcher):
    best = matcher.for_need(NEED_BATTERY, limit=1)[0]
    signals = ("chars", "keywords", "title", "fuzzy", "related")
    assert set(best.parts) >= {*signals, "field", "maturity", "budget", "mode", "history"}
    text = sum(best.parts[k] for k in signals)
    assert best.score == pytest.approx(
        text + sum(best.parts[k] for k in ("field", "maturity", "budget", "mode", "history")), abs=0.2
    )
    assert 0 <= best.score <= 100


def test_the_same_pair_is_found_from_the_achievement_side(matcher):
    needs = matcher.for_achievement(LITHIUM, limit=3)
    assert needs[0].need_id == NEED_BATTERY.id
    assert needs[0].achievement_id == LITHIUM.id


def test_excluded_pairs_are_not_returned(matcher):
    ids = [m.achievement_id for m in matcher.for_need(NEED_BATTERY, limit=5, exclude={LITHIUM.id})]
    assert LITHIUM.id not in ids


def test_a_listing_newer_than_the_index_is_matched(matcher):
    newer = Doc(6, "电池包液冷热管理系统", ("热管理", "液冷", "锂离子电池"), "动力电池液冷热管理，快充温升控制。")
    ids = [m.achievement_id for m in matcher.for_need(NEED_BATTERY, limit=3, extra=[newer])]
    assert newer.id in ids[:2]


def test_the_index_loads_from_disk_and_answers_the_same(matcher, analyser, tmp_path):
    matcher.save(tmp_path / "index")
    loaded = Matcher.load(tmp_path / "index", analyser)
    before = [(m.achievement_id, m.score) for m in matcher.for_need(NEED_AI, limit=5)]
    after = [(m.achievement_id, m.score) for m in loaded.for_need(NEED_AI, limit=5)]
    assert after == before


def test_threshold_drops_weak_pairs(matcher):
    weak = [m for m in matcher.for_need(NEED_BATTERY, limit=5) if m.achievement_id == WATER.id]
    with threshold(matcher, 35):
        strong = matcher.for_need(NEED_BATTERY, limit=5)
    assert not weak or weak[0].score < 35
    assert WATER.id not in {m.achievement_id for m in strong}
    assert strong and all(m.score >= 35 for m in strong)


# need facts, achievement facts: (field root, leaf, maturity rank, money min, money max, coop mask);
# −1 (or mask 0) when not stated. The points are tuned; what they must keep is their order.
UNSTATED = (-1, -1, -1, -1, -1, 0)


def facts(root=-1, leaf=-1, maturity=-1, money_min=-1, money_max=-1, coop=0) -> tuple[int, ...]:
    return (root, leaf, maturity, money_min, money_max, coop)


def test_the_same_field_counts_above_the_same_area_which_counts_above_different_areas():
    need = facts(root=1, leaf=2)
    same_field = pair_adjustments(need, facts(root=1, leaf=2))["field"]
    same_area = pair_adjustments(need, facts(root=1, leaf=3))["field"]
    other_area = pair_adjustments(need, facts(root=9, leaf=9))["field"]
    unstated = pair_adjustments(UNSTATED, facts(root=9, leaf=9))["field"]
    assert same_field > same_area > unstated > other_area
    assert unstated == 0  # a side without a field neither helps nor hurts the pair


def test_maturity_short_of_the_expectation_costs_more_the_further_it_falls_short():
    need = facts(maturity=3)
    more_mature = pair_adjustments(need, facts(maturity=4))["maturity"]
    as_mature = pair_adjustments(need, facts(maturity=3))["maturity"]
    one_short = pair_adjustments(need, facts(maturity=2))["maturity"]
    far_short = pair_adjustments(need, facts(maturity=0))["maturity"]
    unstated = pair_adjustments(UNSTATED, facts(maturity=0))["maturity"]
    assert more_mature >= as_mature > unstated > one_short > far_short
    assert unstated == 0


def test_a_price_over_budget_costs_points_and_beyond_twice_the_budget_rules_the_pair_out():
    budget = facts(money_min=500_000, money_max=1_000_000)
    within = pair_adjustments(budget, facts(money_min=800_000, money_max=900_000))["budget"]
    over = pair_adjustments(budget, facts(money_min=1_500_000, money_max=1_600_000))["budget"]
    negotiable = pair_adjustments(budget, UNSTATED)["budget"]  # 面议
    assert within > negotiable > over
    assert negotiable == 0
    assert pair_adjustments(budget, facts(money_min=2_500_000, money_max=3_000_000)) is None


def test_a_cooperation_mode_in_common_counts_above_none_in_common():
    common = pair_adjustments(facts(coop=0b011), facts(coop=0b010))["mode"]
    none_shared = pair_adjustments(facts(coop=0b001), facts(coop=0b100))["mode"]
    unstated = pair_adjustments(UNSTATED, facts(coop=0b100))["mode"]
    assert common > unstated > none_shared
    assert unstated == 0


def test_brokers_rejections_for_a_pair_of_areas_lower_it_more_the_more_there_are_up_to_a_cap():
    need, achievement = facts(root=1, leaf=2), facts(root=9, leaf=9)

    def history(penalties):
        return pair_adjustments(need, achievement, penalties)["history"]

    assert history({}) == 0
    assert history({(1, 9): HISTORY_MOST / 2}) < 0
    assert history({(1, 9): HISTORY_MOST}) < history({(1, 9): HISTORY_MOST / 2})
    assert history({(1, 9): 10 * HISTORY_MOST}) == history({(1, 9): HISTORY_MOST})  # capped
    assert history({(9, 1): HISTORY_MOST, (1, 8): HISTORY_MOST}) == 0  # other pairs of areas only


def test_numbers_and_units_are_not_terms(analyser):
    terms = analyser.tokens("10分钟内充电至80%，温差3.5度，5G通信")
    assert not {"10", "80", "3.5", "分钟"} & set(terms)
    assert "5g" in terms


def test_an_empty_library_builds_and_answers_nothing(analyser, tmp_path):
    empty = Matcher.build(analyser, [], [])
    empty.save(tmp_path / "empty")
    loaded = Matcher.load(tmp_path / "empty", analyser)
    assert loaded.for_need(NEED_BATTERY) == []
    assert loaded.for_achievement(LITHIUM) == []
    only_needs = Matcher.build(analyser, [], [NEED_BATTERY])
    assert only_needs.for_achievement(LITHIUM)[0].need_id == NEED_BATTERY.id


def test_measures_and_unit_symbols_are_never_terms_but_named_technologies_are(analyser):
    text = "电导率10mS/cm，电压3.7V，压力4.0MPa，容量5000mAh，转速250rpm，5G通信模组"
    terms = analyser.tokens(text)
    assert not {"ms", "10ms", "7v", "0mpa", "mpa", "5000mah", "250rpm", "cm"} & set(terms)
    assert {"电导率", "5g", "通信"} <= set(terms)
    assert not {"ms", "10ms", "7v", "0mpa", "5000mah", "250rpm"} & set(analyser.pairs(text))


def test_shared_terms_leave_out_measures(matcher):
    need = Doc(104, "液冷板温差控制", (), "电池包液冷板，流量3.5L/min，温差控制在3℃以内，压力0.2MPa。")
    for match in matcher.for_need(need, limit=3):
        assert all(not term[0].isdigit() and term not in ("mpa", "min") for term in match.terms)


# Three achievements say what the need asks in its own words; two others share as much of the need's
# wording, but only one of them is worded like those three (the field's words, not the need's).
FEEDBACK_NEED = Doc(201, "电池正极材料改进", (), "希望提高电池正极材料的容量和循环寿命。")
FEEDBACK_BEST = [
    Doc(
        11, "电池正极材料包覆改性", (), "磷酸铁锂正极材料碳包覆，提高电池容量，循环寿命超过三千次，涉及烧结与掺杂工艺。"
    ),
    Doc(12, "高容量电池正极材料", (), "三元正极材料掺杂改性，电池容量提高百分之十，磷酸铁锂碳包覆烧结工艺。"),
    Doc(13, "长寿命电池正极材料制备", (), "正极材料烧结工艺优化，磷酸铁锂与三元材料掺杂包覆，循环寿命提高。"),
]
FEEDBACK_ALIKE = Doc(14, "锂盐前驱体烧结掺杂", (), "磷酸铁锂与三元前驱体烧结，碳包覆与掺杂工艺，改进材料。")
FEEDBACK_UNALIKE = Doc(15, "园林绿化养护", (), "城市绿地养护与苗木修剪，改进材料。")


def test_an_achievement_worded_like_the_needs_best_matches_ranks_above_one_that_is_not(analyser):
    library = [*FEEDBACK_BEST, FEEDBACK_ALIKE, FEEDBACK_UNALIKE]
    matcher = Matcher.build(analyser, library, [FEEDBACK_NEED])
    found = {m.achievement_id: m for m in matcher.for_need(FEEDBACK_NEED, limit=10)}
    alike, unalike = found[FEEDBACK_ALIKE.id], found[FEEDBACK_UNALIKE.id]
    assert alike.parts["related"] > unalike.parts["related"] >= 0
    assert alike.score > unalike.score
    assert min(found[d.id].parts["related"] for d in FEEDBACK_BEST) > alike.parts["related"]


def test_a_pair_scores_the_same_from_either_side_with_the_feedback(analyser):
    library = [*FEEDBACK_BEST, FEEDBACK_ALIKE, FEEDBACK_UNALIKE]
    matcher = Matcher.build(analyser, library, [FEEDBACK_NEED])
    from_need = {m.achievement_id: (m.score, m.parts) for m in matcher.for_need(FEEDBACK_NEED, limit=10)}
    for achievement in library:
        from_achievement = {m.need_id: (m.score, m.parts) for m in matcher.for_achievement(achievement, limit=10)}
        assert from_achievement.get(FEEDBACK_NEED.id) == from_need.get(achievement.id), achievement.title
    # A need newer than the index is compared with its best achievements found at query time.
    newer = Doc(202, "提升正极包覆水平", (), "正极材料碳包覆，提高循环寿命。")
    scored = {m.achievement_id: m.score for m in matcher.for_need(newer, limit=10)}
    assert len(scored) >= 4
    for achievement in library:
        again = {m.need_id: m.score for m in matcher.for_achievement(achievement, limit=10, extra=[newer])}
        assert again.get(newer.id) == scored.get(achievement.id), achievement.title
