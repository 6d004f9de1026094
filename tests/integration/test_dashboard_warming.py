"""A payment recorded through the ledger's service is warmed into the dashboard's shared figures by a
real Celery worker on a real Redis: afterwards the figures of the new ledger version are served
without computing, and they include the payment."""

from __future__ import annotations

import pytest

from tests.integration.conftest import wait_for
from webapp.accounts.models import User
from webapp.core.db import utcnow
from webapp.dashboard import periods, shared_cache, stats_turnover, warming
from webapp.deals import services
from webapp.deals.models import ContractType
from webapp.deals.services import Parties
from webapp.extensions import db

pytestmark = [pytest.mark.live, pytest.mark.xdist_group("celery")]


def _warmed(app) -> bool:
    with app.app_context():
        version = stats_turnover.ledger_version()
        found = all(shared_cache.has(shared_cache.key("ledger", (p.start, p.end, None), version))
                    for p in warming.periods_to_warm())
        db.session.rollback()
        return found


def test_the_worker_warms_the_figures_after_a_payment(redis_app, celery_worker, make_live_user, monkeypatch):
    admin = make_live_user("admin")
    today = utcnow().date()
    with redis_app.app_context():
        user = db.session.get(User, admin.id)
        deal = services.create_direct(user, title="仪表盘预热测试", contract_type=ContractType.SERVICE,
                                      contract_value=1_000_000,
                                      parties=Parties(need_party="需求方企业", provider_party="供给方高校"))
        services.sign(user, deal, today)
        db.session.commit()
        services.record_payment(user, deal, today, 123_456)
        db.session.commit()
    assert wait_for(lambda: _warmed(redis_app), 60), "not warmed; the worker said:\n" + "\n".join(
        line for line in celery_worker.output().splitlines()
        if "relay" not in line and ("dashboard" in line or "ERROR" in line or "WARNING" in line))[-3000:]

    computed = []
    original = stats_turnover.compute_ledger
    monkeypatch.setattr(stats_turnover, "compute_ledger", lambda *args: computed.append(args) or original(*args))
    stats_turnover.clear_local()
    with redis_app.app_context():
        year = periods.year(periods.today().year)
        found = stats_turnover.ledger(year.start, year.end)
        assert computed == []  # served from Redis
        assert found == original(year.start, year.end)
