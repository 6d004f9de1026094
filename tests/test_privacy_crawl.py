"""A de-identified enterprise stays unnamed everywhere: a recognisable name, contact person and phone
number are planted on an enterprise whose needs are shown without its name, with challenges made
from them (one open, one in 公示 with its ranking) and suggestions matched to them; then every page,
search result, export and download that an anonymous visitor and each role without the right can
reach is crawled by following links, and none may contain any of them (nor answer with a 5xx).

Who has the right: the enterprise itself, brokers and admins (and the parties to a signed contract,
not reached here). Everyone else sees 某企业（津南区）.

The enterprise's performance report (事后绩效) on a completed challenge, and its evidence, name it too:
only the enterprise and the admins open them, never the winning team nor anyone else."""

from __future__ import annotations

import io
import re
import uuid
import zipfile
from collections import deque
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from tests import clock
from tests.challenges import factory
from tests.conftest import PASSWORD, Client, read_mail
from tests.listings.search_factory import make_listing

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
    people.report = performance_report(people)
    people.report_files = [stored.id for stored in people.report.files]
    session.commit()
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

    # Those with the right see the name: the enterprise itself and the admins.
    for person in (people.owner, people.admin):
        client = Client(app)
        client.login(person.email, PASSWORD)
        for challenge in challenges:
            assert SECRET_NAME in readable(client.http.get(f"/challenges/{challenge.id}").get_data())
        assert SECRET_NAME in readable(client.http.get(f"/performance/{people.report.id}").get_data())
