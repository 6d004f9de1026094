"""Password guessing is limited to five wrong attempts a minute per address, with or without Redis;
without it (or while it is down) the count is kept in the database, which every web process shares."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.conftest import Client, migrate
from webapp import create_app
from webapp.extensions import limiter

WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def _clear_limits_afterwards(app):
    """These tests leave the login limit used up; `live` tests that follow on the same worker do
    not reset the limiter, so clear it here."""
    yield
    with app.app_context():
        limiter.reset()


def _assert_login_form(response, attempt: int):
    assert response.status_code == 200, f"attempt {attempt}: {response.status_code}"
    body = response.get_data(as_text=True)
    assert 'name="password"' in body, f"attempt {attempt}: the login form is not shown"


def _assert_too_many(response):
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1  # browsers and clients learn when to come back
    body = response.get_data(as_text=True)
    assert "Too many attempts" in body  # the app's own error page, in English via the lang cookie
    assert 'name="csrf-token"' in body  # rendered from the site's layout
    assert "Traceback" not in body
    assert "RateLimitExceeded" not in body


def _guess(client, email, times: int, start: int = 1):
    for attempt in range(start, start + times):
        _assert_login_form(client.login(email, WRONG), attempt)


def test_sixth_wrong_password_within_a_minute_is_refused(client, make_user):
    user = make_user("enterprise")
    client.http.set_cookie("lang", "en")
    _guess(client, user.email, 5)

    _assert_too_many(client.login(user.email, WRONG))
    # While limited, even the right password is not checked: guessing cannot continue.
    _assert_too_many(client.login(user.email))
    assert client.get("/account").status_code == 302
    # Pages other than the login form still work.
    assert client.get("/").status_code == 200


def test_successful_logins_do_not_count(client, make_client, make_user):
    user = make_user("researcher")
    client.http.set_cookie("lang", "en")
    for _ in range(6):
        other = make_client()
        assert other.login(user.email).status_code == 302
    _guess(client, user.email, 4)
    assert client.login(user.email).status_code == 302  # a success between failures counts neither
    client.logout()
    _guess(client, user.email, 1, start=5)
    _assert_too_many(client.login(user.email, WRONG))


@contextmanager
def redis_down(app, database_url):
    """An app whose rate limits go to a Redis server that refuses connections (port 1), with the
    database behind it, as in production. On the live database: the counts are committed by the
    storage's own connections, which a test's open transaction would hold up on SQLite."""
    from webapp.core.ratelimit import DatabaseStorage

    broken = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        RATELIMIT_STORAGE_URI="jiebang://",
        RATELIMIT_STORAGE_OPTIONS={
            "redis_url": "redis://127.0.0.1:1",
            "socket_timeout": 1,
            "socket_connect_timeout": 1,
        },
    )
    migrate(broken)  # the live database may not have been used yet by this process
    try:
        yield broken
    finally:
        # The Limiter keeps one storage for all apps: give the shared test app its memory storage back
        # first, whatever happens next, then clear the counts left in the database.
        limiter.init_app(app)
        limiter.reset()
        DatabaseStorage(database_url).reset()


@pytest.mark.live
def test_limit_holds_when_redis_is_down(app, live_database_url, make_live_user):
    user = make_live_user("enterprise")
    with redis_down(app, live_database_url) as broken:
        client = Client(broken)
        client.http.set_cookie("lang", "en")

        assert client.get("/login").status_code == 200
        assert client.login(user.email).status_code == 302  # signing in works without Redis
        client.logout()
        _guess(client, user.email, 5)

        _assert_too_many(client.login(user.email, WRONG))
        _assert_too_many(client.login(user.email))
        assert client.get("/").status_code == 200


@pytest.mark.live
def test_without_redis_every_web_process_shares_one_count(app, live_database_url, make_live_user):
    """Two web processes: the count of one is the count of the other (it lives in the database)."""
    from webapp.core.ratelimit import SharedStorage

    user = make_live_user("enterprise")
    database_url = live_database_url
    with redis_down(app, database_url) as broken:
        client = Client(broken)
        client.http.set_cookie("lang", "en")
        _guess(client, user.email, 3)
        other_process = SharedStorage("jiebang://", database_url=database_url)  # another worker's storage
        counted = [(key, other_process.get(key)) for key in _login_keys(database_url, user.email)]
        assert [n for _key, n in counted] == [3], counted
        for key, _n in counted:  # two more guesses through the other worker
            other_process.incr(key, 60, 2)
        _assert_too_many(client.login(user.email, WRONG))


def _login_keys(database_url, _email) -> list[str]:
    """The keys counting this address's logins (the test client's address is 127.0.0.1)."""
    import sqlalchemy as sa

    from webapp.core.ratelimit import DatabaseStorage, counters

    with DatabaseStorage(database_url).engine.connect() as conn:
        keys = conn.execute(sa.select(counters.c.key)).scalars().all()
    return [k for k in keys if "accounts.login" in k or "login" in k]


def test_the_shared_app_limits_normally_after_a_redis_outage(app, live_database_url, client, make_user):
    """After the outage app is gone the shared app counts in its own storage again: the reset that
    isolates each test clears the count (a leftover fallback storage would keep it)."""
    email = make_user("broker").email
    with redis_down(app, live_database_url) as broken:
        outage = Client(broken)
        for _ in range(6):
            outage.login(email, WRONG)

    client.http.set_cookie("lang", "en")
    _guess(client, email, 5)
    _assert_too_many(client.login(email, WRONG))
    with app.app_context():
        limiter.reset()  # what the next test's isolation does
    _guess(client, email, 5)
    _assert_too_many(client.login(email, WRONG))
