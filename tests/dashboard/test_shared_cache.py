"""The dashboard's figures shared through Redis and warmed after a change to the ledger, on the fixed
ledger of tests/dashboard/factory.py and the real Redis of TEST_REDIS_URL: a change to the ledger shows
at once whichever cache held the figures; figures computed by one application instance are served to
another without computing again; the warming task fills the cache so that the next request computes
nothing; with Redis unreachable the dashboard still shows the right figures."""

from __future__ import annotations

import re
import socket
import threading
import uuid
from datetime import UTC, date, datetime

import pytest
import redis
import sqlalchemy as sa
from flask_babel import force_locale

from tests.conftest import CI, redis_url_for
from tests.dashboard import factory
from webapp import create_app
from webapp.core.outbox import OutboxMessage
from webapp.dashboard import periods, shared_cache, stats_turnover, warming
from webapp.deals import services
from webapp.extensions import db

YEAR = periods.year(2019)

# Moments the warming task may run at (UTC), each with the district's date then: which periods are
# current, and whether the quarter's and the month's year to date end on the same day, depend on it.
MOMENTS = [
    pytest.param(datetime(2026, 5, 13, 4, 0, tzinfo=UTC), date(2026, 5, 13), id="mid-quarter"),
    pytest.param(datetime(2026, 4, 30, 10, 0, tzinfo=UTC), date(2026, 4, 30), id="month-end"),
    pytest.param(datetime(2026, 3, 31, 6, 0, tzinfo=UTC), date(2026, 3, 31), id="first-quarter-end"),
    pytest.param(datetime(2026, 9, 30, 6, 0, tzinfo=UTC), date(2026, 9, 30), id="quarter-end"),
    pytest.param(datetime(2026, 6, 30, 15, 59, tzinfo=UTC), date(2026, 6, 30), id="quarter-end-15h59-utc"),
    pytest.param(
        datetime(2026, 6, 30, 16, 0, tzinfo=UTC), date(2026, 7, 1), id="quarter-end-16h00-utc-next-day-in-beijing"
    ),
    pytest.param(datetime(2026, 12, 31, 15, 59, tzinfo=UTC), date(2026, 12, 31), id="year-end-15h59-utc"),
    pytest.param(
        datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1), id="year-end-16h00-utc-new-year-in-beijing"
    ),
]


def current_periods(day: date) -> list[periods.Period]:
    """The periods people look at on `day`: its year, quarter and month."""
    return [
        periods.year(day.year),
        periods.quarter(day.year, (day.month - 1) // 3 + 1),
        periods.month(day.year, day.month),
    ]


def to_warm(day: date) -> tuple[set, set]:
    """What the pages of the current periods and of 2019 ask for on `day`: each period's ledger, and the
    year to date up to the last day of a period that does not start on 1 January (the target's progress;
    a period from 1 January has it in its own ledger). The ledgers as (first day, last day), the years to
    date by their last day: a quarter and its last month share one."""
    ledgers = {(p.start, p.end) for p in [*current_periods(day), YEAR]}
    to_date = {p.end for p in current_periods(day) if p.start != date(p.end.year, 1, 1)}
    return ledgers, to_date


@pytest.fixture(scope="module")
def redis_url(request) -> str:
    url = redis_url_for(request.config)
    if not url:
        if CI:
            pytest.fail("TEST_REDIS_URL is not set")
        pytest.skip("TEST_REDIS_URL is not set")
    return url


@pytest.fixture
def prefix() -> str:
    return f"jiebang:test-dashboard:{uuid.uuid4().hex[:10]}"


@pytest.fixture
def shared(app, redis_url, prefix, monkeypatch):
    """The session's application with the shared cache on Redis (keys of this test only)."""
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_PREFIX", prefix)
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE", True)
    shared_cache.health.reset()
    stats_turnover.clear_local()
    client = redis.Redis.from_url(redis_url)
    yield client
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    stats_turnover.clear_local()
    shared_cache.health.reset()


@pytest.fixture
def computed(monkeypatch) -> list:
    """The ledger computations made (each a tuple of arguments)."""
    calls = []
    original = stats_turnover.compute_ledger

    def counting(*args):
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(stats_turnover, "compute_ledger", counting)
    return calls


def card(html: str, name: str) -> int:
    match = re.search(rf'id="card-{name}" data-(?:yuan|count)="(\d+)"', html)
    assert match, f"no card {name}"
    return int(match.group(1))


def page(client, period: str = "2019") -> str:
    response = client.get(f"/dashboard/?period={period}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def keys(client, prefix: str, name: str = "ledger") -> list[bytes]:
    return list(client.scan_iter(f"{prefix}:*:{name}:*"))


def days_to_date(client, prefix: str) -> set[date]:
    """The last days of the years to date in the shared cache (prefix:database:year_to_date:day:version)."""
    found = [key.decode().removeprefix(f"{prefix}:").split(":", 3) for key in keys(client, prefix, "year_to_date")]
    return {date.fromisoformat(day) for _database, _name, day, _version in found}


def pay(app, user_id: int, deal_id: int, amount: int, day: date = date(2019, 12, 31)) -> None:
    from webapp.accounts.models import User
    from webapp.deals.models import Deal

    with app.app_context(), force_locale("en"):
        services.record_payment(db.session.get(User, user_id), db.session.get(Deal, deal_id), day, amount)
        db.session.commit()


def test_a_payment_shows_at_once_through_both_caches(app, shared, prefix, data, admin, computed):
    html = page(admin)
    assert card(html, "received") == 3_000_000
    assert len(computed) == 1 and len(keys(shared, prefix)) == 1
    assert card(page(admin), "received") == 3_000_000 and len(computed) == 1  # this process's copy

    pay(app, admin.user_id, data.deals.d5.id, 100_000)
    assert card(page(admin), "received") == 3_100_000
    stats_turnover.clear_local()  # another process: reads the figures of the new version from Redis
    assert card(page(admin), "received") == 3_100_000
    with app.app_context():
        assert stats_turnover.ledger(YEAR.start, YEAR.end) == stats_turnover.compute_ledger(YEAR.start, YEAR.end)


def test_one_transaction_queues_one_warming_task_with_the_years_it_touched(app_ctx, shared, make_user):
    with force_locale("en"), app_ctx.test_request_context():
        found = factory.ledger()
        user = make_user("admin")
        services.record_payment(user, found.deals.d5, date(2019, 12, 31), 1_000)
        services.record_payment(user, found.deals.d5, date(2019, 12, 31), 2_000)
        services.set_value(user, found.deals.d6, 5_000)
    rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.task == warming.TASK)).all()
    assert [row.kwargs for row in rows] == [{"years": [2019]}]


@pytest.mark.parametrize(("moment", "day"), MOMENTS)
def test_a_warming_task_computes_each_version_once(app_ctx, shared, computed, make_user, freeze_clock, moment, day):
    assert freeze_clock(moment) == day
    ledgers, to_date = to_warm(day)

    def warm() -> int:
        with app_ctx.app_context():  # a session of its own, as in the task
            return warming.warm([2019])

    with force_locale("en"), app_ctx.test_request_context():
        found = factory.ledger()
        user = make_user("admin")
        assert warm() == len(ledgers) + len(to_date)
        assert warm() == 0  # the same version (the rest of a burst): nothing to do
        services.record_payment(user, found.deals.d5, date(2019, 12, 31), 1_000)
        computed.clear()
        assert warm() == len(ledgers) + len(to_date)  # a change: the new version is computed
        assert warm() == 0
        assert stats_turnover.ledger(YEAR.start, YEAR.end).total.received == 3_001_000
    assert {(args[0], args[1]) for args in computed} == ledgers
    assert len(computed) == len(ledgers)  # each once; the request found 2019 in Redis


def test_without_a_shared_cache_nothing_is_queued(app_ctx, make_user, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "REDIS_URL", None)
    with force_locale("en"), app_ctx.test_request_context():
        found = factory.ledger()
        services.record_payment(make_user("admin"), found.deals.d5, date(2019, 12, 31), 1_000)
    assert db.session.scalar(sa.select(sa.func.count()).where(OutboxMessage.task == warming.TASK)) == 0
    assert warming.warm([2019]) == 0


def test_figures_computed_by_one_app_are_served_to_another_from_redis(
    app, app_ctx, shared, prefix, computed, redis_url, database_url
):
    with app_ctx.test_request_context():
        factory.ledger()
        first = stats_turnover.ledger(YEAR.start, YEAR.end)
    assert len(computed) == 1
    other = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url, DASHBOARD_CACHE_PREFIX=prefix
    )
    stats_turnover.clear_local()
    with other.app_context():
        second = stats_turnover.ledger(YEAR.start, YEAR.end)
    assert len(computed) == 1  # not computed again
    assert second == first and second is not first
    assert second.by_agency == first.by_agency and second.by_month == first.by_month
    assert second.total.received == 3_000_000


@pytest.mark.parametrize(("moment", "day"), MOMENTS)
def test_the_warming_task_fills_the_cache_for_the_next_request(
    app, shared, prefix, data, admin, computed, freeze_clock, moment, day
):
    assert freeze_clock(moment) == day
    assert admin.login(admin.email).status_code == 302  # a login lasts hours of this clock, not of today's
    ledgers, to_date = to_warm(day)
    task = app.extensions["celery"].tasks[warming.TASK]
    with app.app_context():
        task.apply(kwargs={"years": [2019]})
    assert {(args[0], args[1]) for args in computed} == ledgers
    assert len(computed) == len(ledgers)  # this year, quarter and month, and 2019, once each
    assert days_to_date(shared, prefix) == to_date  # for the quarter's and the month's pages

    computed.clear()
    stats_turnover.clear_local()
    assert card(page(admin), "received") == 3_000_000
    for period in current_periods(day):
        page(admin, period.key)
    assert computed == []  # served from Redis
    with app.app_context():
        task.apply(kwargs={"years": [2019]})
    assert computed == []  # idempotent: nothing to do for the same version


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_with_redis_unreachable_the_dashboard_computes_the_right_figures(app, shared, data, admin, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    html = page(admin)
    assert (card(html, "signed"), card(html, "received"), card(html, "deals")) == (3_400_000, 3_000_000, 3)
    pay(app, admin.user_id, data.deals.d5.id, 100_000)  # the warming task meets the same closed port
    stats_turnover.clear_local()
    assert card(page(admin), "received") == 3_100_000
    with app.app_context():
        assert warming.warm([2019]) == 0


@pytest.fixture
def hung_redis():
    """A port that accepts connections and never answers; yields (url, accepted connections)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                conn, _addr = server.accept()
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0", accepted
    server.close()
    for conn in accepted:
        conn.close()


def test_a_hung_redis_is_tried_once_then_left_alone(app_ctx, shared, hung_redis, monkeypatch, computed):
    url, accepted = hung_redis
    monkeypatch.setitem(app_ctx.config, "REDIS_URL", url)
    with app_ctx.test_request_context():
        factory.ledger()
        first = stats_turnover.ledger(YEAR.start, YEAR.end)
        stats_turnover.clear_local()
        second = stats_turnover.ledger(YEAR.start, YEAR.end)
    assert first == second and first.total.received == 3_000_000
    assert len(computed) == 2
    assert len(accepted) == 1  # the first read timed out; nothing more was sent to Redis during the back-off
