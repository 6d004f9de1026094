"""The labelled sets and metrics that measure matching quality (bench/evaluation.py)."""

from __future__ import annotations

import math
import random

import pytest

from bench.evaluation import (
    Case,
    Item,
    LabelledSet,
    Query,
    corpus_items,
    csl_relevance,
    csl_sets,
    evaluate,
    first_sentence,
    full_width,
    known_item_sets,
    ndcg_at_k,
    paired_difference,
    recall_at_k,
    remove_keywords,
    shortfalls,
    synonym_groups,
    truncate,
    typo,
    with_synonym,
)


def paper(i: int, title: str, keywords: list[str], discipline: str, abstract: str = "") -> dict:
    return {
        "title": title,
        "keywords": keywords,
        "discipline": discipline,
        "abstract": abstract or f"{title}的研究。其余内容。",
    }


def corpus() -> list[Item]:
    achievements = [
        {"name": "锂电池热管理系统", "description": "\u00a0一种锂电池热管理系统，用于新能源汽车。"},
        {"name": "污水处理膜组件", "description": "污水处理膜组件"},  # description repeats the title
    ]
    papers = [
        paper(1, "基于深度学习的图像识别方法研究", ["深度学习", "图像识别"], "计算机科学与技术"),
        paper(2, "深度学习在遥感影像分类中的应用", ["深度学习", "遥感"], "计算机科学与技术"),
        paper(3, "一种改进的图像识别算法", ["图像识别", "特征提取"], "计算机科学与技术"),
        paper(4, "深度学习用于作物病害诊断", ["深度学习", "病害"], "作物学"),  # other discipline
        paper(5, "城市道路景观设计", ["景观设计"], "风景园林学"),  # nobody shares its keyword
        paper(6, "AI芯片的低功耗设计", ["低功耗", "芯片设计"], "电子科学与技术"),
        paper(7, "基于FPGA的低功耗芯片验证", ["低功耗", "FPGA"], "电子科学与技术"),
    ]
    return corpus_items(achievements, papers)


def test_corpus_numbers_achievements_then_papers_and_cleans_bodies():
    items = corpus()
    assert [i.id for i in items] == list(range(1, 10))
    assert items[0].source == "51jishu" and items[2].source == "csl"
    assert items[0].body.startswith("一种锂电池")  # no-break space stripped
    assert items[1].body == ""  # a description equal to the title says nothing more
    assert items[2].keywords == ("深度学习", "图像识别") and items[2].discipline == "计算机科学与技术"


def test_relevant_papers_share_a_keyword_within_the_discipline():
    relevance = csl_relevance(corpus())
    assert relevance[3] == {4, 5}  # 深度学习 with 4, 图像识别 with 5; not 6 (作物学)
    assert relevance[4] == {3}
    assert relevance[7] == frozenset()
    assert relevance[8] == {9}
    assert 1 not in relevance  # achievements are never relevant, never sources


def test_csl_sets_use_the_same_papers_with_and_without_their_keywords():
    sets = {s.name: s for s in csl_sets(corpus(), n=10, seed=3)}
    assert list(sets) == ["csl-title", "csl-title-nokw", "csl-problem", "csl-problem-nokw"]
    titles = sets["csl-title"].cases
    assert {c.source_id for c in titles} == {3, 4, 5, 8, 9}  # 6 and 7 have no relevant paper
    for name in sets:
        assert [c.source_id for c in sets[name].cases] == [c.source_id for c in titles]
        assert all(c.exclude == {c.source_id} and c.source_id not in c.relevant for c in sets[name].cases)
    case = next(c for c in sets["csl-title-nokw"].cases if c.source_id == 3)
    assert case.query == Query(title="基于 的 方法研究")
    problem = next(c for c in sets["csl-problem"].cases if c.source_id == 3)
    assert problem.query.title == "" and problem.query.body == "基于深度学习的图像识别方法研究的研究。"


def test_sets_are_the_same_for_the_same_seed():
    items = corpus()
    assert csl_sets(items, n=3, seed=5) == csl_sets(items, n=3, seed=5)
    assert known_item_sets(items, n=3, seed=5) == known_item_sets(items, n=3, seed=5)


def test_first_sentence_skips_decimal_points_and_joins_short_openings():
    assert first_sentence("本文研究了3.5 GHz频段的天线设计.结果表明增益提高。") == "本文研究了3.5 GHz频段的天线设计."
    assert (
        first_sentence("目的。探讨高血压的危险因素与干预措施。方法：回顾分析。")
        == "目的。探讨高血压的危险因素与干预措施。"
    )
    assert first_sentence("没有句号的一段文字") == "没有句号的一段文字"


def test_remove_keywords_ignores_case_and_width():
    assert remove_keywords("基于ＦＰＧＡ的低功耗芯片验证", ["fpga", "低功耗"]) == "基于 的 芯片验证"


def test_damage_functions():
    rng = random.Random(1)
    damaged = [typo("锂电池热管理系统", rng, "天地人") for _ in range(20)]
    assert all(len(d) == 8 and d != "锂电池热管理系统" for d in damaged)
    assert all(sum(a != b for a, b in zip(d, "锂电池热管理系统", strict=True)) in (1, 2) for d in damaged)
    assert truncate("一二三四五六七八九十") == "一二三四五六"
    assert full_width("5G基站 AI") == "５Ｇ基站\u3000ＡＩ"
    groups = synonym_groups({"ai": "人工智能", "人工智慧": "人工智能"})
    assert groups["人工智能"] == ("ai", "人工智慧")
    assert with_synonym("基于人工智能的检测", groups, random.Random(0)) == "基于 ai 的检测"  # the other script first
    assert with_synonym("rnai干扰技术", groups, random.Random(0)) is None  # ai only as a whole word
    assert with_synonym("AI芯片的低功耗设计", groups, random.Random(0)) == "人工智能芯片的低功耗设计"


def test_known_item_sets_find_the_source_and_exclude_its_twins():
    items = corpus() + [Item(10, "锂电池热管理系统", (), "另一份描述", source="51jishu")]
    sets = {
        s.name: s for s in known_item_sets(items, n=50, seed=2, synonyms={"ai": "人工智能", "锂电池": "锂离子电池"})
    }
    assert {c.source_id for c in sets["known-fullwidth"].cases} == {8, 9}  # titles holding ASCII
    assert {c.source_id for c in sets["known-synonym"].cases} == {1, 8, 10}
    lithium = next(c for c in sets["known-truncated"].cases if c.source_id == 1)
    assert lithium.relevant == {1} and lithium.exclude == {10} and lithium.query.title == "锂电池热管"
    assert all(c.relevant == {c.source_id} for s in sets.values() for c in s.cases)


def test_metrics():
    assert recall_at_k([1, 2, 3], {3, 4}, k=10) == 0.5
    assert recall_at_k(list(range(20)), set(range(100)), k=10) == 1.0  # capped at k relevant
    assert math.isnan(recall_at_k([1], set()))
    assert ndcg_at_k([7, 1], {1}, k=10) == pytest.approx(1 / math.log2(3))
    assert ndcg_at_k([1, 2], {1, 2}, k=10) == 1.0
    assert ndcg_at_k([9, 8], {1}, k=10) == 0.0


def test_evaluate_drops_excluded_ids_before_the_top_k():
    labelled = LabelledSet("s", "", (Case(Query(title="q"), frozenset({2}), frozenset({1}), 1),))
    asked = []

    def rank(query, k, exclude):
        asked.append((k, exclude))
        return [1, 2, 3]

    scores = evaluate("sys", rank, labelled, k=1)
    assert asked == [(2, frozenset({1}))]
    assert scores.recall == [1.0] and scores.ndcg == [1.0]


def test_shortfalls_name_the_set_metric_and_difference():
    labelled = LabelledSet("s", "", tuple(Case(Query(title=str(i)), frozenset({i}), source_id=i) for i in range(1, 5)))
    good = evaluate("engine", lambda q, k, e: [int(q.title)], labelled)
    bad = evaluate("bm25", lambda q, k, e: [0], labelled)
    assert shortfalls([good, bad]) == []
    lines = shortfalls(
        [bad.__class__("engine", "s", bad.recall, bad.ndcg), good.__class__("bm25", "s", good.recall, good.ndcg)]
    )
    assert len(lines) == 2 and lines[0].startswith("s: engine recall@10 0.000 vs bm25 1.000 (difference -1.000")
    assert paired_difference([1, 1], [0, 0])[0] == 1.0
