"""A de-identified enterprise stays unnamed everywhere: a recognisable name, contact person and phone
number are planted on an enterprise whose needs are shown without its name, with challenges made
from them (one open, one in 公示 with its ranking), suggestions matched to them and an introduction
the matching researcher agreed to but the enterprise not yet; then every page,
search result, export and download that an anonymous visitor and each role without the right can
reach is crawled by following links, and none may contain any of them (nor answer with a 5xx).

Who has the right: the enterprise itself, brokers and admins (and the parties to a signed contract,
not reached here). Everyone else sees 某企业（津南区）.

The enterprise's performance report (事后绩效) on a completed challenge, and its evidence, name it too:
only the enterprise and the admins open them, on the pages or through the API, never the winning team
nor anyone else."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections import deque
from datetime import timedelta
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests import clock
from tests.challenges import factory
from tests.conftest import PASSWORD, Client, read_mail
from tests.listings.search_factory import field_named, make_listing
from webapp.listings.models import ListingStatus

UID = uuid.uuid4().hex[:6]
SECRET_NAME = f"隐名测试精工装备有限公司{UID}"
SECRET_PERSON = f"隐名联系人{UID}"
SECRET_PHONE = "139" + str(uuid.uuid4().int)[:8]

# Links not followed: leaving (logout, language switch) and assets.
SKIP = re.compile(r"^/(logout|lang/|static/|bootstrap/|favicon)")
MAX_PAGES = 250


@pytest.fixture(autouse=True)
def _clock():
    """The challenges' clock at the factory's Monday morning."""
    clock.set_time(clock.T0)
    yield
    clock.reset()


def plant(session):
    """The de-identified enterprise and everything made from its needs; the people who crawl."""
    from webapp.matching import runtime, services

    people = factory.make_people()
    owner = people.owner
    owner.organisation.name = SECRET_NAME
    owner.organisation.address = "天津市津南区咸水沽镇"
    owner.name = SECRET_PERSON
    owner.phone = SECRET_PHONE
    open_challenge = factory.published(people, title="电驱壳体压铸攻关（公开征集）")
    notice_challenge, _ = factory.in_notice(people, title="电驱壳体压铸攻关（公示中）")
    needs = [open_challenge.need, notice_challenge.need]
    for need in needs:
        need.contact_name, need.contact_phone = SECRET_PERSON, SECRET_PHONE
        assert not need.show_identity
    achievement = make_listing(
        session,
        "a",
        owner_id=people.institute.id,
        title="铝合金压铸件气孔缺陷真空压铸工艺",
        summary="新能源汽车电驱壳体真空压铸，气孔率低于0.5%，良率提升至96%。",
    )
    session.flush()
    runtime.reset()
    runtime.rebuild_index()
    for need in needs:
        services.refresh_need(need.id)
    # A broker proposes to introduce the first need to the matching researcher, who agrees: until the
    # enterprise agrees too, the introduction's page, the researcher's listing page and what they are
    # sent keep the enterprise unnamed.
    from webapp.accounts.models import Role
    from webapp.matching.models import ConsentAnswer, Suggestion

    broker = factory.user(Role.BROKER, "隐私测试经纪人")
    suggestion = session.query(Suggestion).filter_by(need_id=needs[0].id, achievement_id=achievement.id).one()
    introduction = services.accept(suggestion, broker, "建议双方面谈")
    services.answer_introduction(introduction, people.institute, ConsentAnswer.ACCEPTED, message="欢迎来所交流")
    people.report = performance_report(people)
    people.report_files = [stored.id for stored in people.report.files]
    session.commit()
    people.introduction = introduction
    return people, needs, [open_challenge, notice_challenge], achievement


def performance_report(people):
    """The enterprise's performance report on a completed challenge, naming it, with evidence. Another
    team won and delivered it (a contract's parties know each other); `people.winner` is its lead."""
    import dataclasses

    from tests.performance import factory as performance
    from webapp.performance import services

    team = dataclasses.replace(factory.make_people(), owner=people.owner, admin=people.admin)
    people.winner = team.tju
    report = performance.report_of(challenge=performance.completed(team, title="电驱壳体压铸攻关（已验收）"))
    services.add_evidence(people.owner, report, f"{SECRET_NAME}销售台账.pdf", factory.PDF)
    services.save_draft(
        people.owner,
        report,
        performance.complete_input(
            report, summary=f"{SECRET_NAME}新产品销售1250万元，联系人{SECRET_PERSON} {SECRET_PHONE}"
        ),
    )
    return report


def crawl(client: Client, seeds: list[str]) -> dict[str, bytes]:
    """Every page reachable from the seeds by following same-site links (GET only), by address."""
    seen: dict[str, bytes] = {}
    queue = deque(seeds)
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.http.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        body = response.get_data()
        seen[url] = body
        if response.status_code in (301, 302, 303) and response.location:
            location = urlsplit(urljoin(url, response.location))
            queue.append(location.path + (f"?{location.query}" if location.query else ""))
            continue
        if "html" not in (response.content_type or ""):
            continue
        for href in re.findall(r'(?:href|action)="(/[^"#]*)"', body.decode("utf-8", "replace")):
            href = href.replace("&amp;", "&")
            if not SKIP.match(href) and href not in seen:
                queue.append(href)
    return seen


def readable(body: bytes) -> str:
    """A response as text, with the cells of an .xlsx download unpacked."""
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return " ".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist() if name.endswith(".xml")
            )
    return body.decode("utf-8", "replace")


def test_a_de_identified_enterprise_is_named_to_nobody_without_the_right(app, query, mailbox):
    people, needs, challenges, achievement = query(plant)
    seeds = [
        "/",
        "/needs/",
        "/achievements/",
        "/challenges/",
        f"/needs/?q={SECRET_NAME}",
        f"/needs/?q={SECRET_PHONE}",
        f"/needs/?org={SECRET_NAME}",
        f"/achievements/?q={SECRET_NAME}",
        *(f"/needs/{need.id}" for need in needs),
        *(f"/challenges/{challenge.id}" for challenge in challenges),
        f"/achievements/{achievement.id}",
        f"/broker/introductions/{people.introduction.id}",
        "/needs/export",
        "/needs/export?format=csv",
        "/dashboard/",
        "/dashboard/me/",
        "/dashboard/me/export",
        "/notifications/",
        "/applications/mine",
        "/work/",
        "/performance/",
        f"/performance/{people.report.id}",
        *(f"/performance/files/{file_id}" for file_id in people.report_files),
    ]
    without_right = {
        "anonymous": None,
        "researcher applying to the challenge": people.tju,
        "researcher whose achievement matches": people.institute,
        "expert reviewing the challenge": people.expert,
        "another enterprise": people.rival,
    }
    leaks = []
    crawled = 0
    for who, person in without_right.items():
        client = Client(app)
        if person is not None:
            assert client.login(person.email, PASSWORD).status_code == 302
        pages = crawl(client, seeds)
        crawled += len(pages)
        for url, body in pages.items():
            text = readable(body)
            leaks += [
                f"{who}: {url} shows {secret}"
                for secret in (SECRET_NAME, SECRET_PERSON, SECRET_PHONE)
                if secret in text and secret not in unquote(url)  # a search echoes what was typed
            ]
        for url in (f"/needs/?q={SECRET_NAME}", f"/needs/?q={SECRET_PHONE}", f"/needs/?org={SECRET_NAME}"):
            shown = readable(pages[url])
            assert not any(n.title in shown for n in needs), f"{who}: searching {url} finds the enterprise's listings"
    # The e-mails sent to them while the challenges ran (applications, review, the notice).
    addresses = {person.email for person in without_right.values() if person is not None}
    mails = [read_mail(path) for path in mailbox.glob("*.eml")] if mailbox.exists() else []
    received = [(message["To"], body) for message, body in mails if message["To"] in addresses]
    assert received  # the applicants and experts were written to
    for to, body in received:
        leaks += [
            f"e-mail to {to} shows {secret}" for secret in (SECRET_NAME, SECRET_PERSON, SECRET_PHONE) if secret in body
        ]
    assert not leaks, "\n".join(leaks)
    assert crawled > 200  # the crawl reached the site, not only its seeds

    # The winning team delivered the challenge but does not open the enterprise's performance report.
    winner = Client(app)
    winner.login(people.winner.email, PASSWORD)
    assert winner.http.get(f"/performance/{people.report.id}").status_code == 403
    assert all(winner.http.get(f"/performance/files/{i}").status_code == 403 for i in people.report_files)

    # Nor does the API give the report, or find it in a list, to any of them (the pages link no API
    # address: each is asked directly, with a token of its own).
    readers = {
        **without_right,
        "the winning team": people.winner,
        "the enterprise": people.owner,
        "admin": people.admin,
    }
    bearer = query(lambda session: api_tokens(session, [p for p in readers.values() if p is not None]))
    report_api = f"/api/v1/performance-reports/{people.report.id}"
    for who, person in readers.items():
        headers = {"Authorization": f"Bearer {bearer[person.id]}"} if person is not None else {}
        listed = Client(app).http.get("/api/v1/performance-reports", headers=headers)
        read = Client(app).http.get(report_api, headers=headers)
        if who in ("the enterprise", "admin"):
            assert people.report.id in [item["id"] for item in listed.get_json()["items"]], who
            assert SECRET_NAME in read.get_data(as_text=True) and SECRET_PHONE in read.get_data(as_text=True)
            continue
        assert (listed.status_code, read.status_code) == ((401, 401) if person is None else (200, 404)), who
        leaks += [
            f"{who}: the API's {url} shows {secret}"
            for url, answer in (("list", listed), ("report", read))
            for secret in (SECRET_NAME, SECRET_PERSON, SECRET_PHONE)
            if secret in answer.get_data(as_text=True)
        ]
    assert not leaks, "\n".join(leaks)

    # Those with the right see the name: the enterprise itself and the admins.
    for person in (people.owner, people.admin):
        client = Client(app)
        client.login(person.email, PASSWORD)
        for challenge in challenges:
            assert SECRET_NAME in readable(client.http.get(f"/challenges/{challenge.id}").get_data())
        assert SECRET_NAME in readable(client.http.get(f"/performance/{people.report.id}").get_data())


def api_tokens(session, people) -> dict[int, str]:
    """A read token of each person, by user id."""
    from webapp.accounts.tokens import create_token

    made = {person.id: create_token(session.merge(person), "隐私测试", "read")[1] for person in people}
    session.commit()
    return made


SECRET_DETAIL = f"保密配方XQ{UID}：冷却液乙二醇占比百分之四十七"


def plant_room(session):
    """An agreed introduction's negotiation room, with a confidential part planted on its
    achievement, some talk in the room and a token for the enterprise's API reads."""
    from tests.rooms.factory import PDF, make_room
    from webapp.accounts.tokens import create_token
    from webapp.rooms import services

    room = make_room(session, confidential=SECRET_DETAIL)
    services.post_message(room.enterprise, room.intro, "想了解冷却液配方")
    services.attach_file(room.researcher, room.intro, ("工艺简介.pdf", PDF))
    _token, room.token = create_token(room.enterprise, "隐私测试", "read")
    session.commit()
    return room


def test_a_confidential_part_reaches_the_enterprise_only_after_it_accepts_the_terms(app, query):
    room = query(plant_room)
    achievement_id = room.achievement.id
    seeds = [
        "/",
        "/achievements/",
        f"/achievements/{achievement_id}",
        f"/achievements/?q={room.uid}",
        "/achievements/?q=乙二醇",
        f"/needs/{room.need.id}",
        f"/rooms/{room.intro.id}",
        "/rooms/",
        "/notifications/",
        "/dashboard/me/",
        "/broker/introductions",
        "/broker/suggestions",
        f"/broker/introductions/{room.intro.id}",
    ]

    def leaks_for(who: str, person) -> list[str]:
        client = Client(app)
        if person is not None:
            assert client.login(person.email, PASSWORD).status_code == 302
        pages = crawl(client, seeds)
        found = [f"{who}: {url}" for url, body in pages.items() if SECRET_DETAIL in readable(body)]
        api = client.http.get(f"/api/v1/achievements/{achievement_id}").get_data(as_text=True)
        return found + ([f"{who}: the API"] if SECRET_DETAIL in api else [])

    non_members = {
        "anonymous": None,
        "another enterprise": room.outsiders.enterprise,
        "another researcher": room.outsiders.researcher,
        "an expert": room.outsiders.expert,
        "another broker": room.outsiders.broker,
    }
    members_without_right = {"the enterprise before accepting": room.enterprise, "the broker": room.broker}
    leaks = [
        leak for who, person in {**non_members, **members_without_right}.items() for leak in leaks_for(who, person)
    ]
    bearer = {"Authorization": f"Bearer {room.token}"}
    api = Client(app).http.get(f"/api/v1/achievements/{achievement_id}", headers=bearer).get_data(as_text=True)
    leaks += ["the enterprise's API read before accepting"] if SECRET_DETAIL in api else []
    assert not leaks, "\n".join(leaks)

    # The enterprise accepts the 保密承诺 in the room: the confidential part is theirs, and only theirs.
    enterprise = Client(app)
    enterprise.login(room.enterprise.email, PASSWORD)
    assert enterprise.post(f"/rooms/{room.intro.id}/terms", {"version": "0"}).status_code == 302
    assert SECRET_DETAIL in readable(enterprise.http.get(f"/rooms/{room.intro.id}").get_data())
    api = Client(app).http.get(f"/api/v1/achievements/{achievement_id}", headers=bearer).get_data(as_text=True)
    assert SECRET_DETAIL in api
    leaks = [leak for who, person in non_members.items() for leak in leaks_for(who, person)]
    assert not leaks, "\n".join(leaks)


def test_digests_and_subscription_e_mails_never_name_a_de_identified_enterprise(app, query, mailbox):
    """Followers of the enterprise's field and keywords hear of its new need and challenge at once
    and in digests, and the owner of the matched achievement reads the week's suggestions: none of
    these e-mails names the enterprise, its contact or their phone."""
    from tests.subscriptions.helpers import beijing, choose, follow, run_digests
    from webapp.listings import lifecycle

    people, _needs, _challenges, achievement = query(plant)
    field_id = query(lambda s: field_named(s, "新能源汽车").id)
    follow(app, people.tju, keywords=["压铸"])
    choose(app, people.tju, subscriptions="instant")
    follow(app, people.nku, fields=[field_id])  # the daily digest, by default
    follow(app, people.rival, keywords=["真空压铸"])
    choose(app, people.rival, subscriptions="weekly")

    def publish(session):
        need = make_listing(
            session,
            "n",
            status=ListingStatus.SUBMITTED,
            owner_id=people.owner.id,
            organisation_id=people.owner.organisation_id,
            field_id=field_id,
            title="电驱壳体真空压铸气孔控制",
            description="新能源汽车电驱壳体真空压铸，气孔率需低于0.5%。",
            contact_name=SECRET_PERSON,
            contact_phone=SECRET_PHONE,
        )
        lifecycle.apply(need, "approve", people.admin)
        factory.published(people, title="电驱壳体真空压铸攻关（新发榜）")
        session.commit()

    query(publish)
    day = clock.today() + timedelta(days=7 - clock.today().weekday())
    clock.set_time(beijing(day.year, day.month, day.day, 8, 0))  # the next Monday morning: every digest is due
    run_digests(app)

    readers = {person.email for person in (people.tju, people.nku, people.rival, people.institute)}
    mails = [read_mail(path) for path in mailbox.glob("*.eml")]
    received = [(message, body) for message, body in mails if message["To"] in readers]
    assert any("新发榜" in body for _m, body in received if _m["To"] == people.tju.email)  # at once
    assert any("电驱壳体真空压铸气孔控制" in body for _m, body in received if _m["To"] == people.nku.email)
    weekly = [
        body for m, body in received if m["To"] == people.institute.email and "可能用得上您的成果" in m["Subject"]
    ]
    assert weekly and achievement.title in weekly[0]  # the week's suggestions for its achievement
    leaks = [
        f"e-mail to {message['To']} shows {secret}"
        for message, body in received
        for secret in (SECRET_NAME, SECRET_PERSON, SECRET_PHONE)
        if secret in body or secret in str(message["Subject"])
    ]
    assert not leaks, "\n".join(leaks)
