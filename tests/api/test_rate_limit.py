"""Each token has its own budget of API requests; over it, a 429 problem, and other tokens and
callers without a token go on as before."""

import pytest

from webapp import create_app
from webapp.extensions import db, limiter


@pytest.fixture
def limited(app, database_url, tmp_path_factory):
    """An app like the test app but with an API budget of 3 requests a minute."""
    limited = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_FOLDER=str(tmp_path_factory.mktemp("mail")),
        API_RATE_LIMIT="3 per minute",
    )
    with limited.app_context():
        limiter.reset()
    yield limited
    with limited.app_context():
        db.session.remove()
        limiter.reset()


def test_a_token_over_its_budget_gets_429_and_others_do_not(limited, make_user, make_token):
    http = limited.test_client()
    first = {"Authorization": f"Bearer {make_token(make_user('researcher'))}", "Accept-Language": "en"}
    second = {"Authorization": f"Bearer {make_token(make_user('enterprise'))}"}
    assert [http.get("/api/v1/taxonomy", headers=first).status_code for _ in range(3)] == [200] * 3
    over = http.get("/api/v1/needs", headers=first)
    assert over.status_code == 429 and over.mimetype == "application/problem+json"
    assert over.get_json()["title"] == "Too many attempts"
    assert 1 <= int(over.headers["Retry-After"]) <= 61  # within the minute (the store counts whole seconds)
    assert http.get("/api/v1/taxonomy", headers=second).status_code == 200
    assert http.get("/api/v1/taxonomy").status_code == 200  # without a token: the address's own budget
    assert http.get("/", headers=first).status_code == 200  # the pages are not the API's budget
