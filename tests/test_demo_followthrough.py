"""The demo shows what follows a match: introductions waiting on each side, rooms with a
conversation, a quiet room in the broker's queue, and a rated performance report; once."""

import re

import sqlalchemy as sa

DEMO = "@demo.jiebang.cn"
PASSWORD = "Jiebang-demo-2026"


def _signed_in(make_client, who: str):
    client = make_client()
    assert client.login(f"{who}{DEMO}", PASSWORD).status_code == 302
    return client


def _counts(app) -> dict:
    from webapp.extensions import db
    from webapp.matching.models import Introduction
    from webapp.notifications.models import NotificationPreference
    from webapp.performance.models import PerformanceReport
    from webapp.rooms.models import RoomFile, RoomMessage, RoomNextStep, TermsAcceptance
    from webapp.subscriptions.models import Subscription

    with app.app_context():
        counted = {
            model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (
                Introduction,
                RoomMessage,
                RoomFile,
                RoomNextStep,
                TermsAcceptance,
                Subscription,
                NotificationPreference,
            )
        }
        counted["reports"] = sorted(
            (r.status.value, r.rating.value if r.rating else "")
            for r in db.session.scalars(sa.select(PerformanceReport))
        )
        return counted


def test_demo_load_shows_what_follows_a_match_once(app, make_client, monkeypatch):
    from webapp.achievements.models import Achievement
    from webapp.extensions import db
    from webapp.matching.models import Introduction, IntroductionOutcome
    from webapp.rooms import access
    from webapp.rooms.models import RoomMessage, TermsAcceptance

    monkeypatch.setitem(app.config, "DEMO_REAL_DATA", False)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    first = _counts(app)

    with app.app_context():
        intros = db.session.scalars(sa.select(Introduction).order_by(Introduction.id)).all()
        waiting = [
            (i.id, i.suggestion.need.organisation.name)
            for i in intros
            if i.suggestion.achievement.owner.email == f"researcher{DEMO}"
            and i.need_answer is not None
            and i.achievement_answer is None
            and not i.suggestion.need.show_identity
        ]
        said = {}
        for message in db.session.scalars(sa.select(RoomMessage).order_by(RoomMessage.id)):
            said.setdefault(message.introduction_id, []).append(message.body)
        talking = [
            (i.id, i.suggestion.need.owner.email, i.suggestion.achievement.owner.email, said[i.id])
            for i in intros
            if access.is_open(i) and i.outcome is IntroductionOutcome.NEGOTIATING and i.id in said
        ]
        accepted = [
            (t.achievement_id, db.session.get(Achievement, t.achievement_id).confidential, t.user.email)
            for t in db.session.scalars(sa.select(TermsAcceptance))
        ]
        accepted = [row for row in accepted if row[1]]
    assert waiting and len(talking) >= 2 and accepted

    # The researcher's introduction waits for their answer and names the enterprise only as 某企业.
    researcher = _signed_in(make_client, "researcher")
    intro_id, enterprise = waiting[0]
    page = researcher.get(f"/broker/introductions/{intro_id}").get_data(as_text=True)
    assert 'id="agree-form"' in page and "某企业" in page and enterprise not in page

    # The broker's queue shows a room nobody has written in for weeks.
    queue = _signed_in(make_client, "broker").get("/broker/suggestions").get_data(as_text=True)
    assert 'id="quiet-rooms"' in queue
    quiet = queue.split('id="quiet-rooms"')[1].split("</section>")[0]
    assert re.search(r"/rooms/\d+", quiet)

    # An agreed room shows its conversation to both parties; a stranger to it sees nothing.
    room_id, need_owner, achievement_owner, bodies = talking[0]
    for email in (need_owner, achievement_owner):
        member = make_client()
        member.login(email, PASSWORD)
        room = member.get(f"/rooms/{room_id}").get_data(as_text=True)
        assert all(body in room for body in bodies)
    stranger = _signed_in(make_client, "researcher2" if achievement_owner != f"researcher2{DEMO}" else "researcher")
    assert stranger.get(f"/rooms/{room_id}").status_code in (403, 404)

    # The enterprise that accepted the 保密承诺 reads the confidential part; another enterprise does not.
    achievement_id, secret, reader = accepted[0]
    enterprise_client = make_client()
    enterprise_client.login(reader, PASSWORD)
    assert secret in enterprise_client.get(f"/achievements/{achievement_id}").get_data(as_text=True)
    other = _signed_in(make_client, "enterprise3")
    assert secret not in other.get(f"/achievements/{achievement_id}").get_data(as_text=True)

    # The researcher follows a keyword; the enterprise hears of challenges in the daily digest.
    assert "热管理" in researcher.get("/notifications/settings").get_data(as_text=True)
    settings = _signed_in(make_client, "enterprise").get("/notifications/settings").get_data(as_text=True)
    chosen = re.search(r'name="delivery_challenges".*?</select>', settings, re.S)
    assert chosen and 'selected value="daily"' in chosen.group(0)

    # The district's dashboard counts a reviewed performance report.
    dashboard = _signed_in(make_client, "admin").get("/dashboard/").get_data(as_text=True)
    reviewed = re.search(r'id="performance-reviewed" data-count="(\d+)"', dashboard)
    assert reviewed and int(reviewed.group(1)) >= 1

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert _counts(app) == first  # loaded once
