"""The similarity score on realistic pairs: reposts above the threshold, different listings below."""

from __future__ import annotations

import pytest

from tests.dedupe.texts import (
    DEFECTS_TEXT,
    DEFECTS_TITLE,
    OTHER_TEXT,
    OTHER_TITLE,
    REPOST_TEXT,
    REPOST_TITLE,
    WHEAT_7,
    WHEAT_8,
)
from webapp.dedupe.similarity import FLOOR, THRESHOLD, prepare, score, similarity


def test_a_repost_with_a_few_characters_changed_scores_above_the_threshold():
    assert similarity(DEFECTS_TITLE, DEFECTS_TEXT, REPOST_TITLE, REPOST_TEXT) >= THRESHOLD


def test_a_different_listing_of_the_same_field_scores_below_it():
    assert similarity(DEFECTS_TITLE, DEFECTS_TEXT, OTHER_TITLE, OTHER_TEXT) < THRESHOLD - 20


def test_the_score_is_symmetric_and_an_identical_listing_scores_100():
    assert similarity(DEFECTS_TITLE, DEFECTS_TEXT, DEFECTS_TITLE, DEFECTS_TEXT) == 100
    assert similarity(REPOST_TITLE, REPOST_TEXT, DEFECTS_TITLE, DEFECTS_TEXT) == similarity(
        DEFECTS_TITLE, DEFECTS_TEXT, REPOST_TITLE, REPOST_TEXT
    )


def test_an_added_prefix_spaces_and_full_width_characters_do_not_hide_a_repost():
    reposted = "应用领域 钢铁冶金　摘要 " + DEFECTS_TEXT.replace("，", ", ").replace("96", "９６")
    assert similarity(DEFECTS_TITLE, DEFECTS_TEXT, DEFECTS_TITLE + " ", reposted) >= 95


def test_the_same_title_with_a_rewritten_text_is_still_a_repost():
    rewritten = "检测系统由线阵相机、光源和工控机组成，已在某钢厂冷轧产线连续运行两年，漏检率低于千分之三。"
    result = score(prepare(DEFECTS_TITLE, DEFECTS_TEXT), prepare(DEFECTS_TITLE, rewritten))
    assert result.text < 50
    assert result.total == FLOOR


def test_a_short_generic_title_alone_is_not_enough():
    """锄草器 twice, with two different descriptions, may well be two inventions."""
    a = "本实用新型涉及一种锄草器，包括把手、锄草部和连接柄，锄草部由左右两杈组成，可开合。"
    b = "一种电动锄草器，由锂电池驱动旋转刀盘，适用于果园行间除草，作业效率是人工的五倍。"
    assert similarity("锄草器", a, "锄草器", b) < THRESHOLD


def test_the_same_text_under_another_title_is_flagged():
    assert similarity("钢材缺陷在线检测", DEFECTS_TEXT, "热轧带钢智能质检", DEFECTS_TEXT) >= THRESHOLD


def test_varieties_with_different_numbers_are_different_listings():
    assert similarity(*WHEAT_7, *WHEAT_8) < THRESHOLD


@pytest.mark.parametrize("text", ["", "   ", None])
def test_without_a_text_of_their_own_the_titles_decide(text):
    """175 real needs only repeat their title."""
    assert similarity("污水处理厂除臭工艺改进", text, "污水处理厂除臭工艺改进", "污水处理厂除臭工艺改进") >= THRESHOLD
    assert similarity("污水处理厂除臭工艺改进", text, "锂电池极片涂布工艺改进", text) < THRESHOLD


def test_very_long_texts_are_compared_by_their_start():
    long_a = DEFECTS_TEXT * 800  # about 100 KB
    long_b = DEFECTS_TEXT * 799 + OTHER_TEXT
    assert similarity(DEFECTS_TITLE, long_a, DEFECTS_TITLE, long_b) == 100
