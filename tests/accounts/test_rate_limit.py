"""Password guessing is limited to five wrong attempts a minute per address, with or without Redis."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.conftest import Client
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
    """An app whose rate-limit storage is a Redis server that refuses connections (port 1)."""
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    try:
        yield broken
    finally:
        # The Limiter keeps one storage for all apps: give the shared test app its memory storage back.
        limiter.init_app(app)
        limiter._storage_dead = False  # and leave the fallback mode the refused connections put it in
        limiter.reset()


def test_limit_holds_when_redis_is_down(app, database_url, make_user):
    user = make_user("enterprise")
    with redis_down(app, database_url) as broken:
        client = Client(broken)
        client.http.set_cookie("lang", "en")

        assert client.get("/login").status_code == 200
        assert client.login(user.email).status_code == 302  # signing in works without Redis
        client.logout()
        _guess(client, user.email, 5)

        _assert_too_many(client.login(user.email, WRONG))
        _assert_too_many(client.login(user.email))
        assert client.get("/").status_code == 200


def test_the_shared_app_limits_normally_after_a_redis_outage(app, database_url, client, make_user):
    """After the outage app is gone the shared app counts in its own storage again: the reset that
    isolates each test clears the count (a leftover fallback storage would keep it)."""
    user = make_user("broker")
    with redis_down(app, database_url) as broken:
        outage = Client(broken)
        for _ in range(6):
            outage.login(user.email, WRONG)

    client.http.set_cookie("lang", "en")
    _guess(client, user.email, 5)
    _assert_too_many(client.login(user.email, WRONG))
    with app.app_context():
        limiter.reset()  # what the next test's isolation does
    _guess(client, user.email, 5)
    _assert_too_many(client.login(user.email, WRONG))
