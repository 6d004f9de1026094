"""Search and browsing as services: ranking, every filter, the sorts, and cursor pages.

The suite runs on SQLite and on PostgreSQL, so every exact order asserted here is also the proof
that both databases rank and page identically."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from markupsafe import Markup

from tests.listings.search_factory import BASE, field_named, make_listing
from webapp.extensions import db
from webapp.listings import search
from webapp.listings.models import CoopMode, ListingStatus, Maturity
from webapp.listings.search import Criteria, highlight, query_terms, snippet

S = ListingStatus


def titles(results) -> list[str]:
    return [item.title for item in results.items]


def find(kind="a", viewer=None, per_page=20, **criteria):
    return search.search(kind, Criteria(**criteria), viewer, per_page=per_page)


# --- ranking ------------------------------------------------------------------------------------


def test_a_title_hit_ranks_above_a_body_hit(app_ctx):
    session = db.session
    make_listing(session, title="高强度陶瓷隔膜材料", summary="可用于锂电池和超级电容器，耐高温。", minutes=2)
    make_listing(session, title="锂电池隔膜涂覆工艺", summary="一种陶瓷涂覆方法，提高隔膜耐热性。", minutes=1)
    make_listing(session, title="芯片封装测试平台", summary="晶圆级封装的测试方法。", minutes=3)

    results = find(q="锂电池")

    assert titles(results) == ["锂电池隔膜涂覆工艺", "高强度陶瓷隔膜材料"]
    assert results.total == 2
    first, second = results.items
    assert results.scores[first.id] > results.scores[second.id] > 0


def test_a_query_for_lithium_batteries_finds_lithium_ion_battery_packs(app_ctx):
    make_listing(db.session, title="锂离子电池组液冷热管理系统", summary="适用于储能电站的电池组热管理。")
    make_listing(db.session, title="深度学习图像识别平台", summary="用于工业视觉检测。")

    assert "电池" in query_terms("锂电池")  # the segmenter's sub-word is what connects the two
    assert titles(find(q="锂电池")) == ["锂离子电池组液冷热管理系统"]


def test_more_of_the_query_ranks_higher_and_a_rare_word_counts_more_than_a_common_one(app_ctx):
    for i in range(6):  # 电池 is common, 钠离子 is rare
        make_listing(db.session, title=f"动力电池回收装置{i}", summary="退役电池的拆解与梯次利用。", minutes=10 + i)
    make_listing(db.session, title="钠离子电池正极材料", summary="层状氧化物正极。", minutes=1)

    results = find(q="钠离子电池")

    assert titles(results)[0] == "钠离子电池正极材料"
    assert results.total == 7


def test_keywords_count_between_title_and_body(app_ctx):
    make_listing(db.session, title="储能系统A", summary="说明文字，提到一次固态电解质。", minutes=1)
    make_listing(db.session, title="储能系统B", summary="说明文字。", keywords=["固态电解质"], minutes=2)
    make_listing(db.session, title="固态电解质薄膜", summary="说明文字。", minutes=3)

    assert titles(find(q="固态电解质")) == ["固态电解质薄膜", "储能系统B", "储能系统A"]


def test_equal_scores_fall_back_to_the_newest_first(app_ctx):
    for minutes in (5, 1, 9):
        make_listing(db.session, title=f"工业机器人减速器{minutes}", summary="谐波减速器。", minutes=minutes)

    assert titles(find(q="减速器")) == ["工业机器人减速器9", "工业机器人减速器5", "工业机器人减速器1"]


def test_a_query_with_nothing_in_the_index_looks_for_the_text_in_titles(app_ctx):
    make_listing(db.session, title="锂矿提取工艺", summary="盐湖提锂。")
    make_listing(db.session, title="钴酸正极", summary="无关。")

    results = find(q="锂")  # one character: not an index term

    assert titles(results) == ["锂矿提取工艺"]
    assert results.terms == ["锂"]


def test_search_only_shows_what_the_public_may_see(app_ctx):
    make_listing(db.session, title="锂电池草稿", status=S.DRAFT)
    make_listing(db.session, title="锂电池待审", status=S.SUBMITTED)
    make_listing(db.session, title="锂电池已下线", status=S.OFFLINE)
    make_listing(db.session, title="锂电池已发布")

    assert titles(find(q="锂电池")) == ["锂电池已发布"]
    assert titles(find()) == ["锂电池已发布"]


def test_rank_gives_the_matching_engine_scored_candidates(app_ctx):
    good = make_listing(db.session, title="锂电池热管理", summary="液冷。")
    make_listing(db.session, title="锂电池草稿", status=S.DRAFT)
    make_listing(db.session, title="水处理膜", summary="反渗透。")

    ranked = search.rank("a", "需要锂电池的热管理方案")

    assert [listing_id for listing_id, _ in ranked] == [good.id]
    assert ranked[0][1] > 0


# --- filters ------------------------------------------------------------------------------------


def test_a_top_level_field_includes_its_children(app_ctx):
    session = db.session
    energy, battery, ai = (
        field_named(session, "新能源与节能"),
        field_named(session, "动力电池与储能"),
        field_named(session, "人工智能"),
    )
    make_listing(session, title="储能电池", field=battery, minutes=1)
    make_listing(session, title="光伏逆变器", field=energy, minutes=2)
    make_listing(session, title="图像识别", field=ai, minutes=3)
    make_listing(session, title="未分类", minutes=4)

    assert titles(find(field_id=energy.id)) == ["光伏逆变器", "储能电池"]
    assert titles(find(field_id=battery.id)) == ["储能电池"]
    assert titles(find(field_id=ai.id)) == ["图像识别"]


def test_maturity_filter_reads_the_achievements_maturity_and_the_needs_expectation(app_ctx):
    make_listing(db.session, title="中试成果", maturity=Maturity.PILOT, minutes=1)
    make_listing(db.session, title="量产成果", maturity=Maturity.MASS, minutes=2)
    make_listing(db.session, "n", title="要中试的需求", expected_maturity=Maturity.PILOT)
    make_listing(db.session, "n", title="要样品的需求", expected_maturity=Maturity.SAMPLE)

    assert titles(find(maturity=Maturity.PILOT)) == ["中试成果"]
    assert titles(find("n", maturity=Maturity.PILOT)) == ["要中试的需求"]


def test_cooperation_mode_filter_matches_any_listing_offering_that_mode(app_ctx):
    make_listing(db.session, title="许可或入股", coop_mask=CoopMode.LICENSE.bit | CoopMode.EQUITY.bit, minutes=1)
    make_listing(db.session, title="只转让", coop_mask=CoopMode.TRANSFER.bit, minutes=2)
    make_listing(db.session, title="未说明", minutes=3)

    assert titles(find(coop=CoopMode.EQUITY)) == ["许可或入股"]
    assert titles(find(coop=CoopMode.LICENSE)) == ["许可或入股"]
    assert titles(find(coop=CoopMode.TRANSFER)) == ["只转让"]
    assert titles(find(coop=CoopMode.SERVICE)) == []


def test_institution_filter_matches_the_institution_name_or_the_organisation(app_ctx, make_org):
    from webapp.accounts.models import OrgKind

    org = make_org(OrgKind.UNIVERSITY, name="南开大学化学学院")
    make_listing(db.session, title="按账户单位", organisation_id=org.id, minutes=1)
    make_listing(db.session, title="按填写单位", institution_name="南开大学", minutes=2)
    make_listing(db.session, title="别的学校", institution_name="天津大学", minutes=3)
    make_listing(db.session, title="百分号单位", institution_name="100%研究院", minutes=4)
    make_listing(db.session, title="英文名", institution_name="Tianjin University", minutes=5)

    assert titles(find(org="南开大学")) == ["按填写单位", "按账户单位"]
    assert titles(find(org="%")) == ["百分号单位"]  # a literal percent sign, not a wildcard
    assert titles(find(org="tianjin UNIVERSITY")) == ["英文名"]  # Latin case ignored on both databases


def test_a_price_range_matches_listings_whose_range_overlaps_it(app_ctx):
    wan = 10_000
    make_listing(db.session, title="50-100万", price_min=50 * wan, price_max=100 * wan, minutes=1)
    make_listing(db.session, title="200万", price_min=200 * wan, price_max=200 * wan, minutes=2)
    make_listing(db.session, title="面议", minutes=3)

    assert titles(find(money_min=80 * wan, money_max=150 * wan)) == ["50-100万"]
    assert titles(find(money_min=100 * wan)) == ["200万", "50-100万"]  # the upper end touches
    assert titles(find(money_max=49 * wan)) == []
    assert titles(find(money_min=101 * wan, money_max=199 * wan)) == []
    assert titles(find()) == ["面议", "200万", "50-100万"]


def test_budget_range_filters_needs(app_ctx):
    wan = 10_000
    make_listing(db.session, "n", title="30万预算", budget_min=30 * wan, budget_max=30 * wan, minutes=1)
    make_listing(db.session, "n", title="300万预算", budget_min=300 * wan, budget_max=500 * wan, minutes=2)

    assert titles(find("n", money_min=100 * wan)) == ["300万预算"]
    assert titles(find("n", money_max=100 * wan)) == ["30万预算"]


def test_posting_dates_are_whole_days_in_beijing_time(app_ctx):
    # 2026-03-01 23:30 in Beijing is 15:30 UTC; 2026-03-02 00:30 in Beijing is 16:30 UTC on 03-01.
    late = make_listing(db.session, title="3月1日深夜", published_at=BASE.replace(hour=15, minute=30))
    early = make_listing(db.session, title="3月2日凌晨", published_at=BASE.replace(hour=16, minute=30))
    make_listing(db.session, title="2月", published_at=BASE - timedelta(days=20))

    march_first = find(posted_from=date(2026, 3, 1), posted_to=date(2026, 3, 1))
    assert [i.id for i in march_first.items] == [late.id]
    assert [i.id for i in find(posted_from=date(2026, 3, 2)).items] == [early.id]
    assert titles(find(posted_to=date(2026, 2, 28))) == ["2月"]


def test_status_filter_and_my_listings(app_ctx, make_user):
    owner, other = make_user("researcher"), make_user("researcher")
    make_listing(db.session, title="我的草稿", status=S.DRAFT, owner_id=owner.id, created_at=BASE)
    make_listing(db.session, title="我的已发布", owner_id=owner.id, minutes=5)
    make_listing(
        db.session, title="别人的草稿", status=S.DRAFT, owner_id=other.id, created_at=BASE + timedelta(hours=1)
    )
    make_listing(db.session, title="别人的已发布", owner_id=other.id, minutes=1)

    assert titles(find(owner_id=owner.id, statuses=frozenset(S))) == ["我的已发布", "我的草稿"]
    assert titles(find(owner_id=owner.id, statuses=frozenset({S.DRAFT}))) == ["我的草稿"]
    # Drafts were never published: they sort by when they were written, the newest first.
    assert titles(find(statuses=frozenset({S.DRAFT}))) == ["别人的草稿", "我的草稿"]


def test_the_organisation_filter_never_reveals_who_posted_a_de_identified_need(app_ctx, make_user):
    broker, enterprise = make_user("broker"), make_user("enterprise")
    make_listing(db.session, "n", title="隐名需求", organisation_name="天津津南某科技有限公司", minutes=1)
    make_listing(
        db.session, "n", title="公开需求", organisation_name="天津津南某科技有限公司", show_identity=True, minutes=2
    )
    mine = make_listing(
        db.session,
        "n",
        title="我的隐名需求",
        organisation_name="天津津南某科技有限公司",
        owner_id=enterprise.id,
        minutes=3,
    )

    assert titles(find("n", org="津南某科技")) == ["公开需求"]
    assert titles(find("n", viewer=enterprise, org="津南某科技")) == [mine.title, "公开需求"]
    assert titles(find("n", viewer=broker, org="津南某科技")) == ["我的隐名需求", "公开需求", "隐名需求"]


# --- sorting ------------------------------------------------------------------------------------


def test_sorts_by_date_and_by_amount_with_negotiable_last(app_ctx):
    wan = 10_000
    make_listing(db.session, title="便宜", price_min=10 * wan, price_max=20 * wan, minutes=1)
    make_listing(db.session, title="面议", minutes=2)
    make_listing(db.session, title="贵", price_min=100 * wan, price_max=500 * wan, minutes=3)
    make_listing(db.session, title="中等", price_min=50 * wan, price_max=50 * wan, minutes=4)

    assert titles(find()) == ["中等", "贵", "面议", "便宜"]
    assert titles(find(sort="newest")) == ["中等", "贵", "面议", "便宜"]
    assert titles(find(sort="price_asc")) == ["便宜", "中等", "贵", "面议"]
    assert titles(find(sort="price_desc")) == ["贵", "中等", "便宜", "面议"]


def test_search_results_can_be_sorted_by_date_or_amount_too(app_ctx):
    wan = 10_000
    make_listing(db.session, title="电池A", summary="电池", price_min=90 * wan, price_max=90 * wan, minutes=1)
    make_listing(db.session, title="电池B", summary="电池", price_min=10 * wan, price_max=10 * wan, minutes=2)

    assert titles(find(q="电池", sort="newest")) == ["电池B", "电池A"]
    assert titles(find(q="电池", sort="price_desc")) == ["电池A", "电池B"]
    assert find(q="", sort="relevance").sort == "newest"  # nothing to be relevant to


# --- pages --------------------------------------------------------------------------------------


def walk(kind="a", per_page=7, **criteria) -> list[list[int]]:
    """Follow the Next cursors from the first page to the last."""
    pages, after = [], None
    for _ in range(100):
        results = search.search(kind, Criteria(**criteria), after=after, per_page=per_page)
        pages.append([i.id for i in results.items])
        if not results.next_cursor:
            return pages
        after = results.next_cursor
    raise AssertionError("the cursor never ended")


@pytest.mark.parametrize("sort", ["newest", "price_asc", "price_desc"])
def test_cursor_pages_visit_every_listing_once_in_order(app_ctx, sort):
    wan = 10_000
    ids = []
    for i in range(40):
        # Many equal dates and prices, so the id has to break the ties across page boundaries.
        price = {} if i % 5 == 0 else {"price_min": (i % 3) * wan, "price_max": (i % 3) * wan}
        ids.append(make_listing(db.session, title=f"条目{i}", minutes=i // 4, **price).id)

    pages = walk(sort=sort)
    seen = [i for page in pages for i in page]

    assert len(seen) == 40 and set(seen) == set(ids)
    assert [len(p) for p in pages] == [7, 7, 7, 7, 7, 5]
    assert seen == [i.id for i in search.search("a", Criteria(sort=sort), per_page=100).items]


def test_previous_cursor_returns_the_same_page(app_ctx):
    for i in range(25):
        make_listing(db.session, title=f"条目{i}", minutes=i // 3)
    first = search.search("a", Criteria(), per_page=10)
    second = search.search("a", Criteria(), after=first.next_cursor, per_page=10)
    third = search.search("a", Criteria(), after=second.next_cursor, per_page=10)

    back = search.search("a", Criteria(), before=third.prev_cursor, per_page=10)
    assert [i.id for i in back.items] == [i.id for i in second.items]
    start = search.search("a", Criteria(), before=back.prev_cursor, per_page=10)
    assert [i.id for i in start.items] == [i.id for i in first.items]
    assert first.prev_cursor is None and start.prev_cursor is None
    assert third.next_cursor is None and len(third.items) == 5


def test_a_listing_published_while_browsing_does_not_shift_the_next_page(app_ctx):
    for i in range(10):
        make_listing(db.session, title=f"条目{i}", minutes=i)
    first = search.search("a", Criteria(), per_page=5)
    make_listing(db.session, title="刚发布", minutes=100)

    second = search.search("a", Criteria(), after=first.next_cursor, per_page=5)

    assert titles(first) == [f"条目{i}" for i in (9, 8, 7, 6, 5)]
    assert titles(second) == [f"条目{i}" for i in (4, 3, 2, 1, 0)]


@pytest.mark.parametrize("cursor", ["garbage", "W10", "WyJwcmljZV9hc2MiLCJ4IiwxXQ", ""])
def test_a_broken_or_foreign_cursor_shows_the_first_page(app_ctx, cursor):
    for i in range(3):
        make_listing(db.session, title=f"条目{i}", minutes=i)

    assert titles(search.search("a", Criteria(), after=cursor)) == ["条目2", "条目1", "条目0"]


def test_search_results_page_by_number_without_repeats(app_ctx):
    for i in range(23):
        make_listing(db.session, title=f"电池{i}", summary="电池" * (1 + i % 4), minutes=i % 5)
    seen = []
    for page in (1, 2, 3):
        results = search.search("a", Criteria(q="电池"), page=page, per_page=10)
        assert results.pages == 3 and results.total == 23
        seen += [i.id for i in results.items]
    assert len(seen) == len(set(seen)) == 23
    past_the_end = search.search("a", Criteria(q="电池"), page=9, per_page=10)
    assert past_the_end.page == 3 and len(past_the_end.items) == 3


# --- highlighting -------------------------------------------------------------------------------


def test_highlight_escapes_the_text_and_marks_the_hits():
    marked = highlight('<script>alert("锂电池")</script> 锂电池组', ["锂电池", "电池"])

    assert isinstance(marked, Markup)
    assert str(marked) == ("&lt;script&gt;alert(&#34;<mark>锂电池</mark>&#34;)&lt;/script&gt; <mark>锂电池</mark>组")


def test_a_hit_never_lands_inside_an_escaped_entity():
    assert str(highlight("a<b & c", ["lt", "amp", "b"])) == "a&lt;<mark>b</mark> &amp; c"
    assert str(highlight("Lithium LITHIUM", ["lithium"])) == "<mark>Lithium</mark> <mark>LITHIUM</mark>"
    assert str(highlight("<i>", [])) == "&lt;i&gt;"


def test_the_snippet_starts_near_the_first_hit():
    text = "前言" * 100 + "这里讲到固态电解质的配方" + "后记" * 100
    piece = str(snippet(text, ["固态电解质"], width=60))

    assert piece.startswith("…") and piece.endswith("…")
    assert "<mark>固态电解质</mark>" in piece
    assert str(snippet("短文本<b>", [])) == "短文本&lt;b&gt;"


def test_the_snippet_shows_the_text_as_typed_and_marks_full_width_hits():
    typed = "我公司需要ＬＥＤ驱动电源（恒流），工作温度达到550℃。"
    piece = str(snippet(typed, ["led", "恒流", "550°c"]))

    assert piece == "我公司需要<mark>ＬＥＤ</mark>驱动电源（<mark>恒流</mark>），工作温度达到<mark>550℃</mark>。"
    assert str(highlight("锂电池（磷酸铁锂）", ["(磷酸铁锂)"])) == "锂电池<mark>（磷酸铁锂）</mark>"
