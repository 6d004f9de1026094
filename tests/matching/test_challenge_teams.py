"""A challenge shows the research teams suggested for it through their achievements: grouped by
team, best first, for the challenge's enterprise, brokers and admins only."""

from __future__ import annotations

from tests.listings.search_factory import make_listing
from tests.matching.test_services import BATTERY, BATTERY_2, NEED, VISION, world  # noqa: F401
from webapp.challenges import posting
from webapp.extensions import db
from webapp.matching import services


def test_a_challenge_lists_the_teams_behind_matching_achievements(world, make_user):  # noqa: F811
    other_lab = make_user("researcher")
    third = make_listing(
        db.session,
        "a",
        owner_id=other_lab.id,
        institution_name="南开大学储能实验室",
        title="电池包快充热管理相变散热",
        keywords=["热管理", "相变材料"],
        summary="储能电池包快充温升控制，相变材料与液冷复合散热。",
    )
    from webapp.matching import runtime

    runtime.reset()
    runtime.rebuild_index()
    services.refresh_need(world.need.id)
    challenge = posting.create_from_need(world.enterprise, world.need)
    db.session.flush()

    teams = services.suggested_teams(challenge, world.enterprise)

    owners = [team["owner"].id for team in teams]
    assert set(owners) == {world.researcher.id, other_lab.id}
    assert len(owners) == len(set(owners))  # one entry per team
    mine = next(team for team in teams if team["owner"].id == world.researcher.id)
    titles = {s.achievement.title for s in mine["suggestions"]}
    assert {BATTERY["title"], BATTERY_2["title"]} <= titles and VISION["title"] not in titles
    assert [t["best"] for t in teams] == sorted((t["best"] for t in teams), reverse=True)
    assert any(s.achievement_id == third.id for t in teams for s in t["suggestions"])

    assert services.suggested_teams(challenge, world.broker)
    assert services.suggested_teams(challenge, world.admin)
    assert services.suggested_teams(challenge, world.researcher) == []
    assert services.suggested_teams(challenge, make_user("enterprise")) == []


def test_the_challenge_page_shows_the_teams_to_its_enterprise_only(query, make_user, make_client):
    from webapp.matching import runtime

    researcher, enterprise = make_user("researcher"), make_user("enterprise")

    def setup(session):
        make_listing(session, "a", owner_id=researcher.id, institution_name="天津大学储能团队", **BATTERY)
        need = make_listing(session, "n", owner_id=enterprise.id, **NEED)
        runtime.reset()
        runtime.rebuild_index()
        services.refresh_need(need.id)
        user = session.get(type(enterprise), enterprise.id)
        challenge = posting.create_from_need(user, need)
        session.commit()
        return challenge.id

    challenge_id = query(setup)
    owner = make_client()
    owner.login(enterprise.email)
    page = owner.get(f"/challenges/{challenge_id}").get_data(as_text=True)
    assert "suggested-teams" in page and "天津大学储能团队" in page and BATTERY["title"] in page

    other = make_client()
    other.login(make_user("enterprise").email)
    assert "suggested-teams" not in other.get(f"/challenges/{challenge_id}").get_data(as_text=True)
    runtime.reset()
