"""Twenty administrators press 挂帅 at the same moment, each in a session and a connection of its
own on the live database: exactly one award set comes out (one winner, or N in 赛马 mode)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from tests import clock
from tests.challenges import factory
from tests.conftest import make_race_app
from webapp.accounts.models import User
from webapp.challenges import applications, review
from webapp.challenges import award as awarding
from webapp.challenges.errors import ChallengeError
from webapp.challenges.models import Award, Challenge, ChallengeStatus, UnitKind
from webapp.core.audit import AuditEvent
from webapp.extensions import db

pytestmark = pytest.mark.live
REQUESTS = 20


@pytest.fixture(scope="module")
def race_app(live_app, live_database_url, tmp_path_factory):
    """The live database with a connection for every request at once."""
    return make_race_app(live_database_url, tmp_path_factory, REQUESTS)


def in_notice_committed(app, winners_max: int) -> tuple[int, int]:
    """A challenge in its public notice with `winners_max` proposed winners, committed; the clock at
    the end of the notice. Returns (challenge id, admin id)."""
    with app.app_context():
        clock.set_time(clock.T0)
        p = factory.make_people()
        challenge = factory.published(p, winners_max=winners_max)
        apps = [
            factory.apply(p.tju, challenge),
            factory.apply(p.nku, challenge),
            factory.apply(p.institute, challenge, kind=UnitKind.INSTITUTE),
        ]
        factory.closed(p, challenge)
        for application in apps:
            applications.check_application(p.admin, application, True)
        review.assign_expert(p.admin, challenge, p.expert)
        applications.finish_formal_check(p.admin, challenge)
        for value, application in zip((90, 80, 70), apps, strict=True):
            review.declare_conflict(p.expert, application, False)
            review.score(p.expert, application, factory.scores(challenge, value, value, value), "评语")
        awarding.propose_winners(p.admin, challenge)
        clock.set_time(challenge.notice_ends_at)
        db.session.commit()
        return challenge.id, p.admin.id


@pytest.mark.parametrize("winners_max", [1, 3], ids=["one winner", "horse race of 3"])
def test_twenty_simultaneous_award_requests_make_exactly_one_award_set(race_app, winners_max):
    challenge_id, admin_id = in_notice_committed(race_app, winners_max)
    start = threading.Barrier(REQUESTS)

    def press_award(_number: int) -> str:
        with race_app.app_context():
            admin = db.session.get(User, admin_id)
            challenge = db.session.get(Challenge, challenge_id)
            assert challenge.status is ChallengeStatus.NOTICE  # every request has read "in notice"
            start.wait(timeout=60)
            try:
                awarding.award(admin, challenge)
                db.session.commit()
                return "awarded"
            except ChallengeError:
                db.session.rollback()
                return "refused"
            except (OperationalError, IntegrityError):  # SQLite refuses a writer whose snapshot is stale
                db.session.rollback()
                return "refused by the database"

    try:
        with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
            outcomes = list(pool.map(press_award, range(REQUESTS)))
    finally:
        clock.reset()

    assert outcomes.count("awarded") == 1, outcomes
    if race_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # The conditional UPDATE itself turned the others away (a constraint violation would mean
        # the awards' unique constraints had to catch a second award set).
        assert outcomes.count("refused") == REQUESTS - 1, outcomes
    with race_app.app_context():
        awards = db.session.scalars(
            sa.select(Award).where(Award.challenge_id == challenge_id).order_by(Award.slot)
        ).all()
        assert [a.slot for a in awards] == list(range(1, winners_max + 1))
        assert len({a.application_id for a in awards}) == winners_max
        assert db.session.get(Challenge, challenge_id).status is ChallengeStatus.AWARDED
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.object_type == "challenges",
                    AuditEvent.object_id == challenge_id,
                    AuditEvent.action == "challenge.award",
                )
            )
            == 1
        )
