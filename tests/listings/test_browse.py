"""The public list pages /achievements/ and /needs/ as people use them: search box, filters,
result count, highlighted and escaped hits, links to detail pages, de-identified needs, pages."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.listings.search_factory import add_listings
from webapp.accounts.models import OrgKind
from webapp.listings.models import CoopMode, ListingStatus, Maturity

S = ListingStatus


@pytest.fixture
def en(client):
    client.http.set_cookie("lang", "en")
    return client


def page_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def result_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="card mb-2 listing-result" data-id="(\d+)"', html)]


def result_titles(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(r'class="listing-title">(.*?)</a>', html, re.S)]


def count_of(html: str) -> int:
    return int(re.search(r'id="result-count" data-total="(\d+)"', html).group(1))


def next_link(html: str) -> str | None:
    match = re.search(r'rel="next" href="([^"]+)"', html)
    return unescape(match.group(1)) if match else None


def test_the_list_shows_published_listings_with_links_count_and_facts(en, query):
    ids = add_listings(
        query,
        [
            {
                "title": "锂离子电池组液冷热管理",
                "summary": "适用于储能电站。",
                "price_min": 500_000,
                "price_max": 1_000_000,
                "maturity": Maturity.PILOT,
                "coop_mask": CoopMode.LICENSE.bit,
                "institution_name": "天津大学",
                "minutes": 2,
            },
            {"title": "图像识别平台", "summary": "工业视觉。", "minutes": 1},
            {"title": "草稿不显示", "summary": "草稿。", "status": S.DRAFT},
        ],
    )

    html = page_of(en, "/achievements/")

    assert result_titles(html) == ["锂离子电池组液冷热管理", "图像识别平台"]
    assert count_of(html) == 2 and "2 listings" in html
    assert f'href="/achievements/{ids[0]}"' in html
    first = html[html.index(f'data-id="{ids[0]}"') : html.index(f'data-id="{ids[1]}"')]
    assert "天津大学" in first and "Pilot-scale tested" in first and "Licence" in first
    assert "¥500k–¥1M" in first  # the price range
    assert 'id="q"' in html and 'id="field"' in html and 'id="export-xlsx"' not in html


def test_a_search_finds_related_wording_and_marks_the_hits(en, query):
    add_listings(
        query,
        [
            {"title": "锂离子电池组液冷热管理", "summary": "一种锂电池组的散热方法。", "minutes": 1},
            {"title": "芯片设计平台", "summary": "低功耗芯片。", "minutes": 2},
        ],
    )

    html = page_of(en, "/achievements/?q=锂电池")

    assert result_titles(html) == ["锂离子电池组液冷热管理"]
    assert "锂离子<mark>电池</mark>组液冷热管理" in html
    assert "一种<mark>锂电池</mark>组的散热方法" in html  # the snippet marks the longest hit
    assert 'value="锂电池"' in html  # the box keeps the query


def test_keywords_typed_into_the_default_list_rank_by_relevance(en, query):
    add_listings(
        query,
        [
            {"title": "锂离子电池组液冷热管理", "summary": "动力电池热管理，电池组温差小于3℃。", "minutes": 1},
            {"title": "喷灌带自动卷收机", "summary": "农田喷灌带卷收，配套电池供电。", "minutes": 2},
        ],
    )
    listed = page_of(en, "/achievements/")
    assert result_titles(listed) == ["喷灌带自动卷收机", "锂离子电池组液冷热管理"]  # newest first
    chosen = re.search(r'<select[^>]*id="sort"[^>]*>.*?<option selected value="([^"]*)"', listed, re.S)
    assert chosen.group(1) == ""  # the default order, not "newest"

    searched = page_of(en, f"/achievements/?q=电池&sort={chosen.group(1)}")  # what the form sends
    assert result_titles(searched) == ["锂离子电池组液冷热管理", "喷灌带自动卷收机"]
    assert re.search(r'<option selected value="">Best match</option>', searched)


def test_html_in_a_title_is_shown_escaped_with_the_hit_marked(en, query):
    add_listings(query, [{"title": "<script>alert(1)</script>锂电池", "summary": "<b>锂电池</b>粗体"}])

    html = page_of(en, "/achievements/?q=锂电池")

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>锂电池</mark>" in html
    assert "&lt;b&gt;<mark>锂电池</mark>&lt;/b&gt;粗体" in html


def test_filters_from_the_form_narrow_the_list(en, query):
    from tests.listings.pages import field_id

    battery = field_id(query, "动力电池与储能")
    energy = field_id(query, "新能源与节能")
    add_listings(
        query,
        [
            {
                "title": "储能电池中试",
                "field_id": battery,
                "maturity": Maturity.PILOT,
                "price_min": 800_000,
                "price_max": 800_000,
                "minutes": 1,
            },
            {"title": "储能电池量产", "field_id": battery, "maturity": Maturity.MASS, "minutes": 2},
            {"title": "人工智能", "minutes": 3},
        ],
    )

    assert result_titles(page_of(en, f"/achievements/?field={energy}")) == ["储能电池量产", "储能电池中试"]
    assert result_titles(page_of(en, f"/achievements/?field={energy}&maturity=pilot")) == ["储能电池中试"]
    assert result_titles(page_of(en, "/achievements/?money_min=50&money_max=100")) == ["储能电池中试"]
    assert result_titles(page_of(en, "/achievements/?posted_from=2026-03-01&posted_to=2026-03-01")) == [
        "人工智能",
        "储能电池量产",
        "储能电池中试",
    ]
    assert result_titles(page_of(en, "/achievements/?posted_from=2026-03-02")) == []


def test_a_bad_filter_value_is_explained_and_the_rest_still_applies(en, query):
    add_listings(
        query, [{"title": "中试成果", "maturity": Maturity.PILOT}, {"title": "量产成果", "maturity": Maturity.MASS}]
    )

    html = page_of(en, "/achievements/?money_min=abc&maturity=pilot&posted_from=yesterday&money_max=-5")

    assert result_titles(html) == ["中试成果"]
    assert "“abc” is not an amount" in unescape(html)
    assert "Amounts cannot be negative." in html
    assert "Not a valid date value." in html


def test_a_reversed_range_is_refused(en, query):
    html = page_of(en, "/achievements/?money_min=100&money_max=50&posted_from=2026-03-02&posted_to=2026-03-01")

    assert "The upper end is below the lower end." in html
    assert "The end date is before the start date." in html


def test_next_links_walk_the_whole_list_once(en, query):
    ids = add_listings(query, [{"title": f"条目{i}", "minutes": i // 3} for i in range(45)])
    seen, url, pages = [], "/achievements/", 0
    while url:
        html = page_of(en, url)
        seen += result_ids(html)
        url, pages = next_link(html), pages + 1
        assert pages < 10

    assert pages == 3
    assert sorted(seen) == sorted(ids) and len(seen) == 45
    assert "First page" in html and 'rel="prev"' in html


def test_search_results_have_numbered_pages(en, query):
    add_listings(query, [{"title": f"电池{i}", "minutes": i} for i in range(25)])

    first = page_of(en, "/achievements/?q=电池")
    second = page_of(en, next_link(first))

    assert "page 1 of 2" in first and "page 2 of 2" in second
    assert len(set(result_ids(first)) | set(result_ids(second))) == 25
    assert next_link(second) is None


def test_needs_are_listed_without_the_organisation_unless_it_chose_to_be_shown(en, query, make_org, make_user):
    hidden_org = make_org(OrgKind.ENTERPRISE, name="天津隐名科技有限公司")
    shown_org = make_org(OrgKind.ENTERPRISE, name="天津显名科技有限公司")
    add_listings(
        query,
        [
            {"title": "隐名需求", "organisation_id": hidden_org.id, "contact_phone": "13800000000", "minutes": 1},
            {"title": "显名需求", "organisation_id": shown_org.id, "show_identity": True, "minutes": 2},
            {"title": "只填了名称", "organisation_name": "天津只填名称有限公司", "minutes": 3},
        ],
        kind="n",
    )

    html = page_of(en, "/needs/")
    assert result_titles(html) == ["只填了名称", "显名需求", "隐名需求"]
    assert "天津显名科技有限公司" in html
    assert "天津隐名科技有限公司" not in html and "天津只填名称有限公司" not in html
    assert "13800000000" not in html
    assert html.count("An enterprise") == 2  # the same de-identified label as on the detail page
    # Searching for the hidden name finds nothing, rather than confirming who posted it.
    assert result_titles(page_of(en, "/needs/?org=隐名科技")) == []

    broker = make_user("broker")
    en.login(broker.email)
    assert "天津隐名科技有限公司" in page_of(en, "/needs/")


def test_the_status_filter_is_for_admins_and_for_my_listings(en, query, make_user):
    owner = make_user("researcher")
    add_listings(
        query,
        [
            {"title": "我的草稿", "status": S.DRAFT, "owner_id": owner.id},
            {"title": "我的已发布", "owner_id": owner.id},
            {"title": "别人的待审", "status": S.SUBMITTED},
        ],
    )

    assert result_titles(page_of(en, "/achievements/?status=draft")) == ["我的已发布"]  # ignored for the public
    assert 'id="status"' not in page_of(en, "/achievements/")

    en.login(owner.email)
    assert result_titles(page_of(en, "/achievements/?status=submitted")) == ["我的已发布"]
    assert result_titles(page_of(en, "/achievements/?mine=y&status=draft")) == ["我的草稿"]
    mine = page_of(en, "/achievements/?mine=y")
    assert sorted(result_titles(mine)) == ["我的已发布", "我的草稿"]
    assert 'data-status="draft"' in mine  # a badge says which one is not public

    admin = make_user("admin")
    en.logout()
    en.login(admin.email)
    assert result_titles(page_of(en, "/achievements/?status=submitted")) == ["别人的待审"]
    assert len(result_ids(page_of(en, "/achievements/?status=all"))) == 3


def test_the_list_page_is_in_chinese_by_default(client, query):
    add_listings(query, [{"title": "锂电池"}])

    html = page_of(client, "/achievements/?q=电池")

    assert "成果库" in html and "共 1 条" in html
