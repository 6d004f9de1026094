"""Daily and weekly digests: Beijing's days and ISO weeks, once per person and period whatever the
beat does (twice, after a restart, or with another worker's claim), and the weekly suggestions for
listing owners, by title and link only."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests import clock
from tests.listings.search_factory import make_listing
from tests.subscriptions.helpers import beijing, choose, mails, run_digests, send, unsubscribe_link
from webapp.extensions import db


def challenge_note(app, user, title: str) -> None:
    send(app, user, "challenge.won", link="/challenges/1", title=title)


def test_the_daily_digest_goes_out_once_the_next_morning(app, make_user, mailbox):
    user = make_user()
    choose(app, user, challenges="daily")
    clock.set_time(beijing(2026, 3, 4, 10, 0))  # a Wednesday
    challenge_note(app, user, "压铸攻关甲")
    challenge_note(app, user, "压铸攻关乙")
    assert not mails(mailbox, user.email)  # nothing at once

    clock.set_time(beijing(2026, 3, 5, 6, 0))  # the next day, before the digest hour
    run_digests(app)
    assert not mails(mailbox, user.email)

    clock.set_time(beijing(2026, 3, 5, 7, 30))
    run_digests(app)
    [(message, body)] = mails(mailbox, user.email)
    assert "2026年3月4日" in message["Subject"] + body
    assert "压铸攻关甲" in body and "压铸攻关乙" in body
    assert message["List-Unsubscribe"].strip("<>") == unsubscribe_link(body)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    run_digests(app)  # the beat runs again
    with app.app_context():
        db.session.remove()  # a worker restarted: nothing kept in memory
    run_digests(app)
    assert len(mails(mailbox, user.email)) == 1

    challenge_note(app, user, "压铸攻关丙")  # on the 5th: tomorrow's digest
    run_digests(app)
    assert len(mails(mailbox, user.email)) == 1
    clock.set_time(beijing(2026, 3, 6, 8, 0))
    run_digests(app)
    bodies = [body for _m, body in mails(mailbox, user.email)]
    assert len(bodies) == 2
    [later] = [b for b in bodies if "压铸攻关丙" in b]
    assert "压铸攻关甲" not in later


def test_a_period_another_worker_claimed_is_not_sent_again(app, make_user, mailbox):
    from webapp.notifications.models import DigestPeriod, NotificationDigest

    user = make_user()
    choose(app, user, challenges="daily")
    clock.set_time(beijing(2026, 3, 4, 10, 0))
    challenge_note(app, user, "压铸攻关甲")
    with app.app_context():  # the other worker's row, committed first
        db.session.add(NotificationDigest(user_id=user.id, period=DigestPeriod.DAILY, period_start=clock.today()))
        db.session.commit()
    clock.set_time(beijing(2026, 3, 5, 9, 0))
    run_digests(app)
    assert not mails(mailbox, user.email)


def test_the_weekly_digest_follows_beijing_weeks(app, make_user, mailbox):
    user = make_user()
    choose(app, user, challenges="weekly")
    clock.set_time(beijing(2026, 3, 8, 23, 30))  # Sunday night in Beijing (15:30 UTC)
    challenge_note(app, user, "周日的榜单")
    clock.set_time(beijing(2026, 3, 9, 0, 30))  # Monday in Beijing, still Sunday in UTC
    challenge_note(app, user, "周一的榜单")

    clock.set_time(beijing(2026, 3, 9, 6, 0))
    run_digests(app)
    assert not mails(mailbox, user.email)
    clock.set_time(beijing(2026, 3, 9, 8, 0))
    run_digests(app)
    [(message, body)] = mails(mailbox, user.email)
    assert "2026年3月2日" in body and "2026年3月8日" in body
    assert "周日的榜单" in body and "周一的榜单" not in body

    clock.set_time(beijing(2026, 3, 12, 8, 0))  # later in the week: last week's is out already
    run_digests(app)
    assert len(mails(mailbox, user.email)) == 1


def suggest(need, achievement, score: float):
    from webapp.matching.models import Suggestion

    db.session.add(Suggestion(need_id=need.id, achievement_id=achievement.id, score=score, parts={}, terms=[]))


def test_listing_owners_read_the_weeks_best_new_suggestions(app, make_user, make_org, mailbox, query):
    from webapp.matching.models import RejectReason, Suggestion, SuggestionStatus

    uid = uuid.uuid4().hex[:6]
    secret_org = f"隐名压铸有限公司{uid}"
    company = make_org(name=secret_org, address="天津市津南区咸水沽镇")
    enterprise = make_user("enterprise", organisation_id=company.id)
    researcher = make_user("researcher")
    clock.set_time(beijing(2026, 3, 1, 12, 0))  # the Sunday before

    def plant(session):
        need = make_listing(
            session,
            "n",
            owner_id=enterprise.id,
            organisation_id=company.id,
            title=f"电驱壳体压铸良率提升{uid}",
            contact_name=f"联系人{uid}",
            contact_phone="13912345678",
        )
        old = make_listing(session, "a", owner_id=researcher.id, title=f"上周的成果{uid}", confidential="保密工艺参数")
        suggest(need, old, 90)  # suggested the week before: not new
        session.commit()
        clock.set_time(beijing(2026, 3, 4, 10, 0))
        achievements = [
            make_listing(session, "a", owner_id=researcher.id, title=f"成果{n}号{uid}", confidential="保密工艺参数")
            for n in range(1, 6)
        ]
        for n, achievement in enumerate(achievements, 1):
            suggest(need, achievement, 50 + n)  # 成果5号 best
        session.flush()
        rejected = session.scalars(sa.select(Suggestion).where(Suggestion.achievement_id == achievements[4].id)).one()
        rejected.status, rejected.reason, rejected.decided_at = (
            SuggestionStatus.REJECTED,
            RejectReason.FIELD,
            clock.now(),
        )
        session.commit()

    query(plant)
    clock.set_time(beijing(2026, 3, 9, 8, 0))
    run_digests(app)

    [(message, body)] = mails(mailbox, enterprise.email)
    assert "本周 4 项成果可能满足您的需求" in message["Subject"]
    assert [line.strip("• ") for line in body.splitlines() if line.strip().startswith("• 成果")] == [
        f"成果4号{uid}",
        f"成果3号{uid}",
        f"成果2号{uid}",
    ]
    assert f"上周的成果{uid}" not in body and f"成果5号{uid}" not in body
    assert "保密工艺参数" not in body

    [(message, body)] = mails(mailbox, researcher.email)
    assert "本周 1 项需求可能用得上您的成果" in message["Subject"]
    assert f"电驱壳体压铸良率提升{uid}" in body
    for secret in (secret_org, f"联系人{uid}", "13912345678", "保密工艺参数"):
        assert secret not in body

    run_digests(app)
    assert len(mails(mailbox)) == 2

    # The researcher switches the weekly suggestions off: the next week only the enterprise hears.
    choose(app, researcher, suggestions="off")
    clock.set_time(beijing(2026, 3, 11, 10, 0))

    def more(session):
        from webapp.needs.models import Need

        need = session.scalars(sa.select(Need).where(Need.owner_id == enterprise.id)).one()
        suggest(need, make_listing(session, "a", owner_id=researcher.id, title=f"新成果{uid}"), 70)
        session.commit()

    query(more)
    clock.set_time(beijing(2026, 3, 16, 8, 0))
    run_digests(app)
    assert len(mails(mailbox, enterprise.email)) == 2
    assert len(mails(mailbox, researcher.email)) == 1


def test_a_category_moved_out_of_the_digest_is_not_sent_in_it(app, make_user, mailbox):
    user = make_user()
    choose(app, user, challenges="daily", deals="daily")
    clock.set_time(beijing(2026, 3, 4, 10, 0))
    challenge_note(app, user, "压铸攻关甲")
    send(app, user, "deal.signed", link="/deals/1", title="压铸合同", day="2026-03-04")
    choose(app, user, challenges="app")  # changed the same day
    clock.set_time(beijing(2026, 3, 5, 8, 0))
    run_digests(app)
    [(_message, body)] = mails(mailbox, user.email)
    assert "压铸合同" in body and "压铸攻关甲" not in body


@pytest.mark.live
def test_two_workers_sending_the_same_digest_at_once_send_it_once(live_app, make_live_user):
    """Two workers (threads with connections of their own, on the live database) claim the same
    person's digest at the same moment: the database's unique claim lets one through."""
    from webapp.notifications.models import DigestPeriod, NotificationDigest
    from webapp.subscriptions import digests

    user = make_live_user()
    choose(live_app, user, challenges="daily")
    clock.set_time(beijing(2026, 3, 4, 10, 0))
    challenge_note(live_app, user, "同时发送的摘要")
    clock.set_time(beijing(2026, 3, 5, 8, 0))

    barrier = threading.Barrier(2)
    results: list[bool] = []

    def worker() -> None:
        with live_app.app_context():
            barrier.wait()
            results.append(digests.send_one(user.id, DigestPeriod.DAILY, date(2026, 3, 4)))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    assert len(mails(Path(live_app.config["MAIL_FOLDER"]), user.email)) == 1
    with live_app.app_context():
        claims = db.session.scalar(
            sa.select(sa.func.count(NotificationDigest.id)).where(NotificationDigest.user_id == user.id)
        )
    assert claims == 1
