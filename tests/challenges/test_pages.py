"""The challenge pages as people use them: the public board and a challenge's page with its
timeline, the enterprise's draft form, the admins' review, formal check, expert panel, ranking and
proposal, objections during the notice, and the award. Challenges are made through the services
(tests/challenges/factory.py) with the challenge clock under the test's control."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext

from tests import clock
from tests.challenges import factory
from tests.listings.search_factory import make_listing
from webapp.challenges import posting, review
from webapp.challenges.models import ApplicationStatus, Challenge, ChallengeStatus, Objection, ObjectionStatus, UnitKind
from webapp.extensions import db
from webapp.listings.models import ListingStatus
from webapp.needs.models import Need

S = ChallengeStatus


def zh(app, msgid: str, **params) -> str:
    with app.test_request_context(), force_locale("zh_CN"):
        return gettext(msgid, **params)


@pytest.fixture(autouse=True)
def _clock(challenge_clock):
    yield


def build(query, make=None):
    """People (and what `make(people)` returns), committed in the test's transaction."""

    def run(session):
        people = factory.make_people()
        made = make(people) if make else None
        session.commit()
        return people, made

    return query(run)


def status_of(query, challenge_id: int) -> ChallengeStatus:
    return query(lambda s: s.get(Challenge, challenge_id).status)


def text(response) -> str:
    return response.get_data(as_text=True)


# -- the board and a challenge's page ---------------------------------------------------------


def test_board_lists_published_challenges_with_money_in_wan_and_a_countdown(app, client, query):
    def make(p):
        return {
            "open": factory.published(p, cofunding=500_000, title="电驱壳体压铸攻关").id,
            "draft": factory.draft(p, title="尚未提交的草稿榜单").id,
            "submitted": _submitted(p, title="等待审核的榜单").id,
        }

    _, ids = build(query, make)
    page = text(client.get("/challenges/"))
    assert "电驱壳体压铸攻关" in page
    assert "尚未提交的草稿榜单" not in page and "等待审核的榜单" not in page
    card = page[page.index(f'data-challenge="{ids["open"]}"') :].split("</article>")[0]
    assert zh(app, "%(amount)s 10k CNY", amount="200") in card  # 2,000,000 元
    assert zh(app, "%(amount)s 10k CNY", amount="50") in card  # co-funding
    assert zh(app, "Published, open for applications") in card
    # Ten days to go at the controlled clock: the server writes the time left, the script ticks it.
    countdown = re.search(r'<span class="countdown[^"]*"[^>]*>([^<]+)</span>', card)
    assert countdown and countdown.group(1).startswith(zh(app, "%(n)s d", n=10))
    assert 'data-deadline="' in card and "js/challenges.js" in page


def _submitted(p, **overrides) -> Challenge:
    challenge = factory.draft(p, **overrides)
    posting.submit(p.owner, challenge)
    return challenge


def test_board_filters_by_status(client, query):
    def make(p):
        open_ = factory.published(p, title="开放中的榜单")
        ended = factory.published(p, title="被终止的榜单")
        posting.terminate(p.admin, ended, "企业破产")
        return open_.id, ended.id

    build(query, make)
    only_terminated = text(client.get("/challenges/?status=terminated"))
    assert "被终止的榜单" in only_terminated and "开放中的榜单" not in only_terminated
    everything = text(client.get("/challenges/?sort=newest"))
    assert "被终止的榜单" in everything and "开放中的榜单" in everything


def test_challenge_page_shows_terms_and_public_timeline(app, client, query):
    people, challenge_id = build(query, lambda p: factory.published(p, cofunding=500_000).id)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "电驱壳体压铸气孔缺陷攻关" in page and "良率≥95%" in page
    for criterion in ("技术方案", "团队能力", "经费与进度"):
        assert criterion in page
    assert "工艺方案验证" in page and zh(app, "%(amount)s 10k CNY", amount="60") in page  # 30% of 200万
    assert zh(app, "%(amount)s 10k CNY", amount="250") in page  # total with co-funding
    timeline = page[page.index('id="timeline"') :]
    assert zh(app, "Challenge published (发榜)") in timeline
    assert zh(app, "Challenge submitted for review") in timeline
    assert zh(app, "Challenge terms edited") not in timeline  # not public
    assert people.admin.name not in timeline  # the public sees roles, not persons
    assert "/apply" not in page or 'id="apply-button"' not in page  # anonymous: log in first
    assert zh(app, "Log in to apply") in page


def test_drafts_are_not_public(client, query, make_user):
    people, challenge_id = build(query, lambda p: factory.draft(p).id)
    assert client.get(f"/challenges/{challenge_id}").status_code == 404
    client.login(make_user("enterprise").email)
    assert client.get(f"/challenges/{challenge_id}").status_code == 404
    client.logout()
    client.login(people.owner.email)
    assert client.get(f"/challenges/{challenge_id}").status_code == 200


# -- the enterprise's draft -------------------------------------------------------------------


def _need(query):
    people, need_id = build(query, lambda p: factory.make_need(p.owner).id)
    return people, need_id


def _form(**overrides) -> dict:
    data = {
        "title": "电驱壳体压铸气孔缺陷攻关",
        "problem": "压铸件气孔导致良率低。",
        "indicators": "良率≥95%",
        "field_id": "0",
        "bounty": "200",
        "eligibility": ["university", "institute", "consortium"],
        "opens_on": "2026-03-02",
        "opens_time": "10:00",
        "closes_on": "2026-03-20",
        "closes_time": "17:00",
        "notice_days": "7",
        "winners_max": "1",
        "criterion_name": ["技术方案", "团队能力", "经费与进度"],
        "criterion_weight": ["50", "30", "20"],
        "milestone_title": ["工艺方案验证", "量产验收"],
        "milestone_share": ["40", "60"],
        "milestone_due": ["2026-05-01", "2026-10-01"],
    }
    data.update(overrides)
    return data


def test_enterprise_posts_a_challenge_from_its_need(app, client, query):
    people, need_id = _need(query)
    client.login(people.owner.email)
    need_page = text(client.get(f"/needs/{need_id}"))
    assert f"/challenges/new?need={need_id}" in need_page

    form = text(client.get(f"/challenges/new?need={need_id}"))
    assert "高端铝合金壳体精密压铸良率提升" in form  # prefilled from the need
    assert 'value="300"' in form  # the need's top budget as the bounty, in 万元
    assert "技术方案" in form and 'name="criterion_weight"' in form

    # Weights add up to 90: the error is shown at the criteria and everything typed stays.
    bad = client.post(f"/challenges/new?need={need_id}", _form(criterion_weight=["50", "30", "10"]))
    assert bad.status_code == 422
    page = text(bad)
    assert (
        zh(app, "The weights of the criteria must be whole numbers that add up to 100 (now %(sum)s).", sum=90) in page
    )
    assert (
        'value="电驱壳体压铸气孔缺陷攻关"' in page and 'value="工艺方案验证"' in page and 'value="2026-10-01"' in page
    )
    assert query(lambda s: s.query(Challenge).count()) == 0

    # A bounty that is not an amount, and a window in the past: both explained, nothing saved.
    bad = text(client.post(f"/challenges/new?need={need_id}", _form(bounty="很多", closes_on="2026-01-01")))
    assert zh(app, "“%(value)s” is not an amount in 万元, a range like 50-100, or 面议.", value="很多") in bad
    assert 'id="window-error"' in bad
    sub_yuan = text(client.post(f"/challenges/new?need={need_id}", _form(bounty="200.00001")))
    assert zh(app, "Amounts are in whole yuan: at most four decimal places of 万元.") in sub_yuan
    assert 'value="200.00001"' in sub_yuan
    assert query(lambda s: s.query(Challenge).count()) == 0

    saved = client.post(f"/challenges/new?need={need_id}", _form(save_submit="1"))
    assert saved.status_code == 302
    challenge = query(lambda s: s.query(Challenge).one())
    assert challenge.status is S.SUBMITTED and challenge.bounty == 2_000_000
    assert challenge.opens_at.isoformat() == "2026-03-02T02:00:00+00:00"  # 10:00 Beijing time
    detail = text(client.get(saved.headers["Location"]))
    assert zh(app, "Awaiting review") in detail
    mine = text(client.get("/challenges/mine"))
    assert "电驱壳体压铸气孔缺陷攻关" in mine and zh(app, "Awaiting review") in mine


def test_a_challenge_from_a_de_identified_need_names_its_enterprise_only_if_it_chooses_to(app, client, query):
    people, need_id = _need(query)
    company = query(lambda s: s.get(Need, need_id).organisation.name)
    client.login(people.owner.email)
    form = text(client.get(f"/challenges/new?need={need_id}"))
    assert 'id="identity-warning"' in form  # the need is de-identified: publishing the name reveals it
    assert 'name="show_identity"' in form and "checked" not in form.split('name="show_identity"')[1].split(">")[0]
    client.post(f"/challenges/new?need={need_id}", _form(save_submit="1"))
    challenge_id = query(lambda s: s.query(Challenge).one().id)
    admin = make_client_for(app, people.admin)
    admin.post(f"/challenges/{challenge_id}/act/publish", {"cofunding": "50"})
    assert status_of(query, challenge_id) is S.PUBLISHED

    anonymous = make_client_for(app, None)
    publisher = re.search(r'id="challenge-publisher">([^<]*)<', text(anonymous.get(f"/challenges/{challenge_id}")))
    assert publisher.group(1) == zh(app, "An enterprise")
    assert company in text(client.get(f"/challenges/{challenge_id}"))  # the enterprise itself sees its name
    assert company in text(admin.get(f"/challenges/{challenge_id}"))

    # Another need, and this time the enterprise ticks the box: everyone sees who posted the challenge.
    other_need = query(lambda s: (factory.make_need(s.get(Need, need_id).owner).id, s.commit())[0])
    client.post(f"/challenges/new?need={other_need}", _form(save_submit="1", show_identity="y"))
    named_id = query(lambda s: s.query(Challenge).filter(Challenge.need_id == other_need).one().id)
    admin.post(f"/challenges/{named_id}/act/publish", {"cofunding": "50"})
    assert status_of(query, named_id) is S.PUBLISHED
    publisher = re.search(r'id="challenge-publisher">([^<]*)<', text(anonymous.get(f"/challenges/{named_id}")))
    assert publisher.group(1) == company


def make_client_for(app, person):
    from tests.conftest import Client

    client = Client(app)
    if person is not None:
        client.login(person.email)
    return client


def test_my_challenges_shows_a_pending_window_and_offers_only_needs_without_a_challenge(app, client, query):
    def make(p):
        pending = _submitted(p, title="等待审核的榜单")
        free = factory.make_need(p.owner)
        return pending.id, pending.need_id, free.id

    people, (challenge_id, taken, free) = build(query, make)
    client.login(people.owner.email)
    mine = text(client.get("/challenges/mine"))
    row = mine[mine.index(f'data-challenge="{challenge_id}"') :]
    assert "planned-window" in row.split("</tr>")[0]  # the dates it asks for, before publication
    offered = mine[mine.index('id="needs-to-post"') :]
    assert f"/challenges/new?need={free}" in offered and f"/challenges/new?need={taken}" not in offered
    # The need's page links to its challenge instead; asking for another leads to it.
    need_page = text(client.get(f"/needs/{taken}"))
    assert 'id="need-challenge"' in need_page and 'id="post-challenge"' not in need_page
    again = client.get(f"/challenges/new?need={taken}")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/challenges/{challenge_id}")


def test_the_page_and_the_board_say_what_happens_next_and_when(app, client, query):
    def make(p):
        notice = factory.in_notice(p, title="公示中的榜单")[0]  # moves the clock on past its window
        return factory.published(p).id, notice.id

    people, (open_id, notice_id) = build(query, make)
    anonymous = text(client.get(f"/challenges/{open_id}"))
    step = anonymous[anonymous.index('id="next-step"') :].split("</div>")[0]
    assert zh(app, "What happens next") in step and "申报于" in step and "自动关闭" in step
    client.login(people.admin.email)
    admin_step = text(client.get(f"/challenges/{open_id}"))
    admin_step = admin_step[admin_step.index('id="next-step"') :].split("</div>")[0]
    assert "截止前无需操作" in admin_step and "流榜" in admin_step  # the admin is told the clock closes it
    board = text(client.get("/challenges/"))
    card = board[board.index(f'data-challenge="{notice_id}"') :].split("</article>")[0]
    assert "challenge-next-step" in card and "公示至" in card


def test_owner_edits_a_draft_without_script_in_fixed_rows(app, client, query):
    people, challenge_id = build(query, lambda p: factory.draft(p).id)
    client.login(people.owner.email)
    page = text(client.get(f"/challenges/{challenge_id}/edit"))
    assert page.count('name="criterion_name"') >= 4 and page.count('name="milestone_title"') >= 4  # spare rows
    data = _form(criterion_name=["技术方案", "", "团队能力"], criterion_weight=["60", "", "40"])
    assert client.post(f"/challenges/{challenge_id}/edit", data).status_code == 302
    challenge = query(lambda s: s.get(Challenge, challenge_id))
    assert [(c.name, c.weight) for c in challenge.criteria] == [("技术方案", 60), ("团队能力", 40)]
    assert [m.amount for m in challenge.milestones] == [800_000, 1_200_000]


# -- review and publication -------------------------------------------------------------------


def test_admin_returns_with_a_reason_then_publishes_with_cofunding(app, client, query):
    people, challenge_id = build(query, lambda p: _submitted(p).id)
    client.login(people.admin.email)
    queue = text(client.get("/admin/challenges"))
    assert f"/challenges/{challenge_id}" in queue[queue.index('id="queue-submitted"') :]
    assert 'id="challenge-review-count">1<' in queue and 'id="moderation-count">1<' in queue  # the navbar's badges

    no_reason = client.post(f"/challenges/{challenge_id}/act/return", {"reason": " "})
    assert no_reason.status_code == 302
    assert zh(app, "Give a reason: everyone concerned will see it.") in text(client.get(no_reason.headers["Location"]))
    client.post(f"/challenges/{challenge_id}/act/return", {"reason": "里程碑期限过短"})
    assert status_of(query, challenge_id) is S.RETURNED

    client.logout()
    client.login(people.owner.email)
    assert "里程碑期限过短" in text(client.get(f"/challenges/{challenge_id}"))
    client.post(f"/challenges/{challenge_id}/act/submit")
    assert status_of(query, challenge_id) is S.SUBMITTED
    assert client.post(f"/challenges/{challenge_id}/act/publish", {"cofunding": "50"}).status_code == 403

    client.logout()
    client.login(people.admin.email)
    client.post(f"/challenges/{challenge_id}/act/publish", {"cofunding": "50"})
    challenge = query(lambda s: s.get(Challenge, challenge_id))
    assert challenge.status is S.PUBLISHED and challenge.cofunding == 500_000
    client.logout()
    board = text(client.get("/challenges/"))
    assert zh(app, "%(amount)s 10k CNY", amount="50") in board


# -- formal check, experts, ranking -----------------------------------------------------------


def _closed(p):
    challenge = factory.published(p)
    apps = [factory.apply(p.tju, challenge), factory.apply(p.nku, challenge)]
    factory.closed(p, challenge)
    return challenge.id, [a.id for a in apps]


def test_the_formal_check_shows_an_application_naming_the_enterprise_behind_the_challenge(app, client, query):
    def make(p):
        challenge = factory.published(p)  # de-identified: applying under its name is not refused
        factory.apply(p.rival, challenge, p.owner.organisation.name, UnitKind.ENTERPRISE)
        factory.apply(p.tju, challenge)
        factory.closed(p, challenge)
        return challenge.id

    people, challenge_id = build(query, make)
    client.login(people.admin.email)
    page = text(client.get(f"/challenges/{challenge_id}/check"))
    assert page.count("poster-conflict") == 1
    assert zh(app, "Names the enterprise that posted the challenge") in page


def test_formal_check_marks_applications_and_starts_the_review(app, client, query):
    people, (challenge_id, (tju, nku)) = build(query, _closed)
    client.login(people.admin.email)
    page = text(client.get(f"/challenges/{challenge_id}/check"))
    assert "天津大学" in page and "南开大学" in page

    client.post(f"/challenges/{challenge_id}/check", {"application_id": nku, "decision": "ineligible"})
    page = text(client.get(f"/challenges/{challenge_id}/check"))
    assert zh(app, "Give the reason the application fails the formal check: the applicant sees it.") in page
    client.post(
        f"/challenges/{challenge_id}/check", {"application_id": nku, "decision": "ineligible", "reason": "承诺书未盖章"}
    )
    client.post(f"/challenges/{challenge_id}/check", {"application_id": tju, "decision": "eligible"})
    page = text(client.get(f"/challenges/{challenge_id}/check"))
    assert "承诺书未盖章" in page
    client.post(f"/challenges/{challenge_id}/act/start_review")
    assert status_of(query, challenge_id) is S.REVIEW
    statuses = query(lambda s: {a.id: a.status for a in s.get(Challenge, challenge_id).applications})
    assert statuses == {tju: ApplicationStatus.ELIGIBLE, nku: ApplicationStatus.INELIGIBLE}


def test_the_formal_check_can_be_finished_while_listings_wait_for_review(app, client, query):
    """The navigation counts listings awaiting review for admins; that count is not the check's."""

    def make(p):
        make_listing(db.session, "n", status=ListingStatus.SUBMITTED, owner_id=p.owner.id, title="待审需求")
        return _closed(p)

    people, (challenge_id, (tju, nku)) = build(query, make)
    client.login(people.admin.email)
    for application_id in (tju, nku):
        client.post(f"/challenges/{challenge_id}/check", {"application_id": application_id, "decision": "eligible"})
    page = text(client.get(f"/challenges/{challenge_id}/check"))
    finish = re.search(r'<form[^>]*id="finish-check".*?</form>', page, re.S).group(0)
    assert "disabled" not in finish
    assert zh(app, "%(n)d applications still wait for a decision.", n=1) not in page


def test_experts_page_assigns_and_shows_the_automatic_exclusion(app, client, query):
    people, (challenge_id, _apps) = build(query, _closed)
    client.login(people.admin.email)
    client.post(f"/challenges/{challenge_id}/experts", {"expert_id": people.expert_tju.id})
    client.post(f"/challenges/{challenge_id}/experts", {"expert_id": people.expert.id})
    page = text(client.get(f"/challenges/{challenge_id}/experts"))
    row = page[page.index(f'data-expert="{people.expert_tju.id}"') :].split("</tr>")[0]
    assert "天津大学" in row and zh(app, "automatic") in row
    other = page[page.index(f'data-expert="{people.expert.id}"') :].split("</tr>")[0]
    assert zh(app, "automatic") not in other

    assignment = query(
        lambda s: next(a.id for a in review.panel(s.get(Challenge, challenge_id)) if a.expert_id == people.expert.id)
    )
    client.post(f"/challenges/{challenge_id}/experts", {"remove": assignment})
    page = text(client.get(f"/challenges/{challenge_id}/experts"))
    assert f'data-expert="{people.expert.id}"' not in page


def test_ranking_side_by_side_revision_and_proposal(app, client, query):
    def make(p):
        challenge, apps = factory.in_review(p)
        review.score(p.expert, apps[0], factory.scores(challenge, 90, 80, 70), "方案可行")
        review.score(p.expert_2, apps[0], factory.scores(challenge, 80, 80, 80), "团队扎实")
        review.score(p.expert, apps[1], factory.scores(challenge, 60, 70, 80), "方案一般")
        return challenge.id, [a.id for a in apps]

    people, (challenge_id, (tju, nku)) = build(query, make)
    client.login(people.admin.email)
    page = text(client.get(f"/challenges/{challenge_id}/ranking"))
    rows = re.findall(r'<tr data-application="(\d+)"', page)
    assert rows == [str(tju), str(nku)]
    tju_row = page[page.index(f'<tr data-application="{tju}"') :].split("</tr>")[0]
    assert "83.00" in tju_row and "80.00" in tju_row and "81.50" in tju_row  # 45+24+14; 80; the mean

    revision = query(lambda s: next(r.id for r in review.ranking(s.get(Challenge, challenge_id))[1].reviews.values()))
    client.post(
        f"/challenges/{challenge_id}/ranking", {"action": "revision", "review_id": revision, "note": "请补充评分理由"}
    )
    page = text(client.get(f"/challenges/{challenge_id}/ranking"))
    assert zh(app, "revision asked") in page

    done = client.post(f"/challenges/{challenge_id}/ranking", {"action": "propose", "winner": [tju]})
    assert done.status_code == 302 and status_of(query, challenge_id) is S.NOTICE
    client.logout()
    client.login(people.owner.email)
    timeline = text(client.get(f"/challenges/{challenge_id}"))
    timeline = timeline[timeline.index('id="timeline"') :]
    assert zh(app, "Application scored") in timeline  # the owner follows every step …
    assert people.expert.name not in timeline  # … without learning who the experts are
    client.logout()
    client.login(people.admin.email)
    detail = text(client.get(f"/challenges/{challenge_id}"))
    assert 'id="proposed-winners"' in detail and "天津大学" in detail
    assert zh(app, "Winners proposed, public notice started (公示)") in detail


# -- objections and the award -----------------------------------------------------------------


def test_objection_filed_and_dismissed_then_award(app, client, query, make_user):
    people, challenge_id = build(query, lambda p: factory.in_notice(p)[0].id)
    assert 'id="objection-login"' in text(client.get(f"/challenges/{challenge_id}"))  # anonymous: log in first
    objector = make_user("researcher")
    client.login(objector.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert 'id="objection"' in page
    client.post(f"/challenges/{challenge_id}/objections", {"text": "中标团队负责人存在兼职冲突"})
    objection = query(lambda s: s.query(Objection).filter_by(challenge_id=challenge_id).one())
    assert objection.status is ObjectionStatus.OPEN

    client.logout()
    client.login(people.admin.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "中标团队负责人存在兼职冲突" in page
    assert zh(app, "Resolve the open objections before the award.") in page
    client.post(
        f"/challenges/{challenge_id}/objections/{objection.id}",
        {"decision": "dismiss", "resolution": "经核实不存在冲突"},
    )
    assert query(lambda s: s.get(Objection, objection.id).status) is ObjectionStatus.DISMISSED

    early = client.post(f"/challenges/{challenge_id}/award")
    assert status_of(query, challenge_id) is S.NOTICE
    assert zh(app, "The public notice has not ended yet.") in text(client.get(early.headers["Location"]))

    clock.set_time(clock.now() + timedelta(days=7, minutes=1))
    client.login(people.admin.email)  # a week later: the login has expired
    assert 'id="award-button"' in text(client.get(f"/challenges/{challenge_id}"))
    client.post(f"/challenges/{challenge_id}/award")
    assert status_of(query, challenge_id) is S.AWARDED
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert 'id="winners"' in page and zh(app, "Challenge awarded (挂帅)") in page

    client.logout()
    client.login(objector.email)
    assert "经核实不存在冲突" in text(client.get(f"/challenges/{challenge_id}"))


def test_upheld_objection_sends_the_challenge_back_to_review(client, query, make_user):
    people, challenge_id = build(query, lambda p: factory.in_notice(p)[0].id)
    client.login(people.nku.email)
    client.post(f"/challenges/{challenge_id}/objections", {"text": "评分计算有误"})
    objection_id = query(lambda s: s.query(Objection).filter_by(challenge_id=challenge_id).one().id)
    client.logout()
    client.login(people.admin.email)
    client.post(
        f"/challenges/{challenge_id}/objections/{objection_id}", {"decision": "uphold", "resolution": "重新评审"}
    )
    assert status_of(query, challenge_id) is S.REVIEW


def test_objections_only_during_the_notice(app, client, query, make_user):
    people, challenge_id = build(query, lambda p: factory.published(p).id)
    client.login(make_user("researcher").email)
    assert 'id="objection"' not in text(client.get(f"/challenges/{challenge_id}"))
    done = client.post(f"/challenges/{challenge_id}/objections", {"text": "异议"})
    assert zh(app, "Objections can be filed only during the public notice period.") in text(
        client.get(done.headers["Location"])
    )


def test_side_exits_withdraw_and_terminate(app, client, query):
    people, (draft_id, open_id) = build(query, lambda p: (factory.draft(p).id, factory.published(p).id))
    client.login(people.owner.email)
    client.post(f"/challenges/{draft_id}/act/withdraw", {"reason": "需求已解决"})
    assert status_of(query, draft_id) is S.WITHDRAWN
    assert client.post(f"/challenges/{open_id}/act/terminate", {"reason": "x"}).status_code == 403
    client.logout()
    client.login(people.admin.email)
    client.post(f"/challenges/{open_id}/act/terminate", {"reason": "企业经营异常"})
    assert status_of(query, open_id) is S.TERMINATED
    client.logout()
    page = text(client.get(f"/challenges/{open_id}"))
    assert "企业经营异常" in page and zh(app, "Terminated") in page


def test_pages_refuse_the_wrong_people(client, query, make_user):
    people, challenge_id = build(query, lambda p: factory.draft(p).id)
    client.login(people.rival.email)
    assert client.get(f"/challenges/{challenge_id}/edit").status_code == 403
    assert client.get("/admin/challenges").status_code == 403
    need_id = query(lambda s: s.get(Challenge, challenge_id).need_id)
    assert client.get(f"/challenges/new?need={need_id}").status_code == 403  # another enterprise's need
    client.logout()
    client.login(people.tju.email)
    assert client.get("/challenges/new").status_code == 403


def test_board_filters_by_field_including_the_fields_under_it(client, query):
    from tests.listings.search_factory import field_named

    def make(p):
        ai = field_named(db.session, "人工智能")
        energy = field_named(db.session, "新能源汽车")
        factory.published(p, title="智能质检榜单", field_id=ai.id)
        factory.published(p, title="电池包轻量化榜单", field_id=energy.id)
        return ai.parent_id, ai.id

    _, (parent, child) = build(query, make)
    for field in (parent, child):
        page = text(client.get(f"/challenges/?field={field}"))
        assert "智能质检榜单" in page and "电池包轻量化榜单" not in page


def test_admin_queue_groups_challenges_by_what_they_wait_for(client, query):
    def make(p):
        submitted = _submitted(p, title="待审核甲")
        checking, _apps = _closed(p)
        notice, _apps = factory.in_notice(p)
        return submitted.id, checking, notice.id

    people, (submitted, checking, notice) = build(query, make)
    client.login(people.admin.email)
    page = text(client.get("/admin/challenges"))

    def group(key: str) -> str:
        return page[page.index(f'id="queue-{key}"') :].split("</section>")[0]

    assert f'data-challenge="{submitted}"' in group("submitted")
    assert f"/challenges/{checking}/check" in group("formal_check")
    assert f'data-challenge="{notice}"' in group("notice") and 'class="countdown' in group("notice")


def test_researcher_sees_apply_and_owner_sees_the_applications(app, client, query):
    def make(p):
        challenge = factory.published(p)
        factory.apply(p.nku, challenge)
        return challenge.id

    people, challenge_id = build(query, make)
    client.login(people.tju.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert f'href="/challenges/{challenge_id}/apply"' in page
    client.logout()
    client.login(people.nku.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert 'id="my-application"' in page and 'id="apply-button"' not in page
    client.logout()
    client.login(people.owner.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert "南开大学" in page[page.index('id="applications"') :]
    assert 'id="apply-button"' not in page


def test_nobody_eligible_ends_as_failed(app, client, query):
    people, (challenge_id, apps) = build(query, _closed)
    client.login(people.admin.email)
    for application in apps:
        client.post(
            f"/challenges/{challenge_id}/check",
            {"application_id": application, "decision": "ineligible", "reason": "不符合申报条件"},
        )
    client.post(f"/challenges/{challenge_id}/act/start_review")
    assert status_of(query, challenge_id) is S.FAILED
    client.logout()
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert zh(app, "No application passed the formal check") in page
    assert zh(app, "No application passed the formal check (流榜)") in page  # on the timeline


def test_horse_race_proposes_and_awards_two_winners(client, query):
    people, challenge_id = build(query, lambda p: factory.in_notice(p, winners_max=2)[0].id)
    client.login(people.admin.email)
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert 'id="horse-race"' in page and page.count('class="proposed-winner"') == 2
    clock.set_time(clock.now() + timedelta(days=8))
    client.login(people.admin.email)  # a week later: the login has expired
    client.post(f"/challenges/{challenge_id}/award")
    page = text(client.get(f"/challenges/{challenge_id}"))
    assert page.count('class="winner"') == 2 and "天津大学" in page and "南开大学" in page


def test_board_in_english(client, query):
    build(query, lambda p: factory.published(p, cofunding=0).id)
    client.get("/lang/en")
    page = text(client.get("/challenges/"))
    assert "¥2M" in page and "Closes in" in page and "10 d" in page
