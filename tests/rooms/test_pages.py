"""The negotiation room through the test client, in Chinese and English: who reaches it, threads
and files, refused input kept, the 保密承诺 before and after acceptance (pages and the API), the
broker's quiet rooms, and the deal opened from a room."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.api.conftest import make_token  # noqa: F401 (the fixture)
from tests.rooms.factory import PDF, PROGRAM, make_room


@pytest.fixture
def login(make_client):
    def sign_in(user, lang="en"):
        client = make_client()
        assert client.login(user.email).status_code == 302
        client.get(f"/lang/{lang}")
        return client

    return sign_in


@pytest.fixture
def room(query):
    def build(session, **kwargs):
        made = make_room(session, **kwargs)
        session.commit()
        return made

    def make(**kwargs) -> SimpleNamespace:
        return query(lambda s: build(s, **kwargs))

    return make


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_room_reads_in_chinese_and_in_english(room, login):
    r = room()
    url = f"/rooms/{r.intro.id}"
    zh = text(login(r.enterprise, "zh_CN").get(url))
    assert "洽谈室：" in zh and "保密承诺与保密部分" in zh and "约定的下一步" in zh
    assert "一、本企业仅为评估" in zh  # the platform's default terms, in Chinese
    en = text(login(r.enterprise).get(url))
    assert "Negotiation room:" in en and "Agreed next step" in en
    assert "Confidentiality undertaking" in en and "any third party" in en


def test_the_introduction_page_leads_to_its_room_once_both_agreed(room, login):
    waiting = room(agreed=False)
    page = text(login(waiting.broker).get(f"/broker/introductions/{waiting.intro.id}"))
    assert 'id="intro-room"' not in page and f"/rooms/{waiting.intro.id}" not in page
    r = room()
    for member in (r.enterprise, r.researcher, r.broker):
        page = text(login(member).get(f"/broker/introductions/{r.intro.id}"))
        link = re.search(r'<a[^>]*id="intro-room"[^>]*href="([^"]+)"', page) or re.search(
            r'<a[^>]*href="([^"]+)"[^>]*id="intro-room"', page
        )
        assert link and link.group(1) == f"/rooms/{r.intro.id}"
        assert login(member).get(link.group(1)).status_code == 200


def test_only_members_reach_an_agreed_room(room, login, client):
    r = room()
    url = f"/rooms/{r.intro.id}"
    for member in (r.enterprise, r.researcher, r.broker, r.admin):
        assert login(member).get(url).status_code == 200
    for outsider in vars(r.outsiders).values():
        assert login(outsider).get(url).status_code == 403
    assert client.get(url).headers["Location"].startswith("/login")
    waiting = room(agreed=False)
    assert login(waiting.enterprise).get(f"/rooms/{waiting.intro.id}").status_code == 404
    assert login(r.enterprise).get("/rooms/999999").status_code == 404


def test_members_write_threads_and_keep_files(room, login):
    r = room()
    url = f"/rooms/{r.intro.id}"
    enterprise, researcher = login(r.enterprise), login(r.researcher)
    sent = enterprise.post(f"{url}/messages", {"body": "请问样机周期多久？"})
    assert sent.status_code == 302
    first = int(re.search(r"#message-(\d+)", sent.headers["Location"]).group(1))

    page = text(researcher.get(f"{url}?reply={first}"))
    assert "Replying to" in page and f'value="{first}"' in page
    replied = researcher.post(
        f"{url}/messages", {"body": "约三个月，附上计划", "parent_id": str(first), "file": (PDF_FILE(), "样机计划.pdf")}
    )
    assert replied.status_code == 302
    page = text(enterprise.get(url))
    assert page.index("请问样机周期多久？") < page.index("约三个月，附上计划")
    assert f'data-reply-to="{first}"' in page and "样机计划.pdf" in page

    download = re.search(rf'href="({url}/files/\d+)"', page).group(1)
    got = enterprise.get(download)
    assert got.data == PDF and "attachment" in got.headers["Content-Disposition"]
    assert login(r.outsiders.enterprise).get(download).status_code == 403


def PDF_FILE():
    import io

    return io.BytesIO(PDF)


def test_a_refused_file_says_why_and_keeps_the_message_typed(room, login):
    import io

    r = room()
    url = f"/rooms/{r.intro.id}"
    researcher = login(r.researcher)
    refused = researcher.post(
        f"{url}/messages", {"body": "这是报价单，请查收", "file": (io.BytesIO(PROGRAM), "报价.pdf")}
    )
    page = text(refused)
    assert refused.status_code == 200
    assert "“报价.pdf” is not a PDF, PNG, JPEG, Word (.docx) or Excel (.xlsx) file." in page
    assert "这是报价单，请查收</textarea>" in page  # nothing typed is lost
    assert "No messages yet." in text(researcher.get(url))

    kept = researcher.post(f"{url}/files", {"room_file": (io.BytesIO(PROGRAM), "合同.docx")})
    assert "is not a PDF" in text(kept)
    assert researcher.post(f"{url}/files", {"room_file": (io.BytesIO(PDF), "合同草案")}).status_code == 302
    assert "合同草案.pdf" in text(researcher.get(url))


def test_the_next_step_keeps_what_was_typed_when_the_day_is_wrong(room, login, freeze_clock):
    r = room()
    freeze_clock(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))  # 2 March in Beijing
    url = f"/rooms/{r.intro.id}"
    broker = login(r.broker, "zh_CN")
    refused = broker.post(f"{url}/next-step", {"text": "寄送样品到津南", "due_on": "2026-03-01"})
    page = text(refused)
    assert "下一步的日期不能早于今天。" in page and 'value="寄送样品到津南"' in page
    assert broker.post(f"{url}/next-step", {"text": "寄送样品到津南", "due_on": "2026-03-02"}).status_code == 302
    assert broker.post(f"{url}/next-step", {"text": "实验室测试", "due_on": "2026-03-12"}).status_code == 302
    page = text(login(r.enterprise, "zh_CN").get(url))
    assert "实验室测试" in page and "2026年3月12日" in page
    assert 'id="next-step-history"' in page and "<s>寄送样品到津南</s>" in page


def test_the_confidential_part_reaches_the_enterprise_only_after_it_accepts(room, login, make_token):  # noqa: F811
    r = room()
    url = f"/rooms/{r.intro.id}"
    enterprise = login(r.enterprise)
    token = make_token(r.enterprise)
    api = f"/api/v1/achievements/{r.achievement.id}"

    def everywhere() -> list[str]:
        return [
            text(enterprise.get(url)),
            text(enterprise.get(f"/achievements/{r.achievement.id}")),
            text(enterprise.get(f"/achievements/?q={r.uid}")),
            enterprise.http.get(api, headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True),
        ]

    assert not any(r.secret in page for page in everywhere())
    assert "I accept these terms" in everywhere()[0]
    assert login(r.broker).post(f"{url}/terms", {"version": "0"}).status_code == 403  # the enterprise accepts
    accepted = enterprise.post(f"{url}/terms", {"version": "0"})
    assert accepted.status_code == 302
    room_page, detail, _search, from_api = everywhere()
    assert r.secret in room_page and r.secret in detail and r.secret in from_api
    assert "accepted version 0" in room_page
    for outsider in vars(r.outsiders).values():
        assert r.secret not in text(login(outsider).get(f"/achievements/{r.achievement.id}"))


def test_the_owner_sets_new_terms_and_the_enterprise_accepts_again(room, login):
    r = room()
    researcher, enterprise = login(r.researcher), login(r.enterprise)
    terms_url = f"/achievements/{r.achievement.id}/terms"
    assert f'href="{terms_url}"' in text(researcher.get(f"/achievements/{r.achievement.id}"))
    assert login(r.enterprise).get(terms_url).status_code == 403
    blank = researcher.post(terms_url, {"body": "  "})
    assert "Write the terms the enterprise is to accept." in text(blank)
    assert researcher.post(terms_url, {"body": "第一版：两年内保密。"}).status_code == 302
    page = text(researcher.get(terms_url))
    assert "In force: version 1." in page and "第一版：两年内保密。" in page

    room_url = f"/rooms/{r.intro.id}"
    assert "第一版：两年内保密。" in text(enterprise.get(room_url))
    stale = enterprise.post(f"{room_url}/terms", {"version": "0"})
    assert r.secret not in text(enterprise.get(stale.headers["Location"]))
    enterprise.post(f"{room_url}/terms", {"version": "1"})
    assert r.secret in text(enterprise.get(room_url))
    researcher.post(terms_url, {"body": "第二版：三年内保密。"})
    assert r.secret not in text(enterprise.get(room_url))


def test_the_broker_queue_shows_rooms_gone_quiet(room, login, freeze_clock):
    start = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    freeze_clock(start)
    r = room()
    broker = login(r.broker, "zh_CN")
    assert 'id="quiet-rooms"' not in text(broker.get("/broker/suggestions"))

    freeze_clock(start + timedelta(days=15))
    broker = login(r.broker, "zh_CN")  # a new login: the first one has expired meanwhile
    for page in ("/broker/suggestions", "/broker/introductions"):
        shown = text(broker.get(page))
        assert 'id="quiet-rooms"' in shown and f'href="/rooms/{r.intro.id}"' in shown and "已沉寂15天" in shown
    assert 'id="quiet-rooms"' not in text(login(r.outsiders.broker).get("/broker/suggestions"))

    broker.post(f"/rooms/{r.intro.id}/messages", {"body": "两位近况如何？"})
    assert 'id="quiet-rooms"' not in text(broker.get("/broker/suggestions"))
    rooms = text(login(r.enterprise, "zh_CN").get("/rooms/"))
    assert f'href="/rooms/{r.intro.id}"' in rooms and "两位近况如何" not in rooms


def test_a_deal_opened_from_the_room_links_back_with_the_room_history(room, login):
    r = room()
    url = f"/rooms/{r.intro.id}"
    broker = login(r.broker)
    broker.post(f"{url}/messages", {"body": "准备签约"})
    broker.post(f"{url}/next-step", {"text": "签署许可合同", "due_on": "2099-01-05"})
    assert f'href="/deals/new/from-introduction/{r.intro.id}"' in text(broker.get(url))
    assert "Open a deal from this room" not in text(login(r.enterprise).get(url))

    opened = broker.post(
        f"/deals/new/from-introduction/{r.intro.id}",
        {"title": "液冷技术许可", "contract_type": "licence", "value": "80"},
    )
    deal_url = opened.headers["Location"]
    for viewer in (broker, login(r.enterprise)):
        page = text(viewer.get(deal_url))
        assert r.company in page and r.university in page  # the parties, carried from the room
        assert 'id="deal-room"' in page and f'href="{url}"' in page
        assert re.search(r'id="deal-room-messages">1<', page) and "签署许可合同" in page
    page = text(login(r.enterprise).get(url))
    assert "Closed: read only" in page and 'id="message-form"' not in page and f'href="{deal_url}"' in page
