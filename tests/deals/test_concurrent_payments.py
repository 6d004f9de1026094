"""Ten payments recorded on one deal at the same moment, each in a session and a connection of its
own on the live database: together they never exceed the contract value, and the money received on
the deal is exactly the sum of the payments kept."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import make_race_app
from webapp.accounts.models import User
from webapp.deals import opening, services
from webapp.deals.models import ContractType, Deal, DealState, Payment
from webapp.deals.opening import Parties
from webapp.deals.services import DealError
from webapp.extensions import db

pytestmark = pytest.mark.live
REQUESTS = 10
WAN = 10_000


@pytest.fixture(scope="module")
def race_app(live_app, live_database_url, tmp_path_factory):
    return make_race_app(live_database_url, tmp_path_factory, REQUESTS)


def test_simultaneous_payments_never_exceed_the_contract_value(race_app, make_live_user):
    broker = make_live_user("broker")
    with race_app.app_context():
        user = db.session.get(User, broker.id)
        deal = opening.create_direct(
            user,
            title="并发到账测试",
            contract_type=ContractType.SERVICE,
            contract_value=100 * WAN,
            parties=Parties(need_party="需求方企业", provider_party="供给方高校"),
        )
        services.sign(user, deal, date(2025, 3, 1))
        db.session.commit()
        deal_id = deal.id
    start = threading.Barrier(REQUESTS)

    def pay(_number: int) -> str:
        # 30万 each: at most three of the ten fit in the 100万 contract.
        with race_app.app_context():
            user = db.session.get(User, broker.id)
            deal = db.session.get(Deal, deal_id)
            assert deal.received_total == 0  # every request has read "nothing received yet"
            start.wait(timeout=60)
            try:
                services.record_payment(user, deal, date(2025, 4, 1), 30 * WAN)
                db.session.commit()
                return "recorded"
            except DealError:
                db.session.rollback()
                return "refused"
            except (OperationalError, IntegrityError):  # SQLite refuses a writer whose snapshot is stale
                db.session.rollback()
                return "refused by the database"

    with ThreadPoolExecutor(max_workers=REQUESTS) as pool:
        outcomes = list(pool.map(pay, range(REQUESTS)))

    recorded = outcomes.count("recorded")
    assert 1 <= recorded <= 3, outcomes
    if race_app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # Rows locked and the condition read again: exactly three fit, the conditional UPDATE
        # turned the other seven away.
        assert (recorded, outcomes.count("refused")) == (3, REQUESTS - 3), outcomes
    with race_app.app_context():
        deal = db.session.get(Deal, deal_id)
        paid = db.session.scalar(sa.select(sa.func.sum(Payment.amount)).where(Payment.deal_id == deal_id))
        assert deal.received_total == paid == recorded * 30 * WAN <= deal.contract_value
        assert deal.state is DealState.PAYING
