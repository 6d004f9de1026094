"""Every state-changing request needs the CSRF token of the visitor's own session; the JSON API,
which never reads the session cookie, answers a cookie-only request 401."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from webapp.notifications.models import Notification

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
CSRF_MESSAGE = "The form expired or was sent from another site"
# The one route without the token: an e-mail's one-click unsubscribe (RFC 8058), which mail clients
# POST with no session; its signed link is the permission (tests/subscriptions/test_unsubscribe.py).
EXEMPT = {"subscriptions.unsubscribe_"}


def _unsafe_requests(app) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every unsafe method of every rule; URL variables get 1."""
    adapter = app.url_map.bind("localhost")
    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in UNSAFE:
            if method in rule.methods:
                url = adapter.build(rule.endpoint, dict.fromkeys(rule.arguments, 1), method=method)
                found.append((method, url, rule.endpoint))
    return found


def _without_token(client, role_label: str) -> list[str]:
    client.http.set_cookie("lang", "en")
    requests = _unsafe_requests(client.app)
    assert len(requests) >= 3, "expected the login, logout and notification forms among the unsafe rules"
    failures = []
    for method, url, endpoint in requests:
        if endpoint in EXEMPT:
            continue
        response = client.http.open(url, method=method, data={"name": "x", "next": "/"}, buffered=True)
        body = response.get_data(as_text=True)
        if url.startswith("/api/"):
            # The API takes no cookie, so a forged request from another site is anonymous: 401.
            if response.status_code != 401 or response.mimetype != "application/problem+json":
                failures.append(f"{method} {url} ({endpoint}) as {role_label}: {response.status_code}")
        elif response.status_code != 400 or CSRF_MESSAGE not in body:
            failures.append(f"{method} {url} ({endpoint}) as {role_label}: {response.status_code}")
    return failures


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_unsafe_requests_without_csrf_token_are_refused(role, client, make_user):
    if role == "admin":
        admin = make_user("admin")
        assert client.login(admin.email).status_code == 302

    failures = _without_token(client, role)

    if failures:
        pytest.fail("answered without a CSRF token (expected 400):\n" + "\n".join(failures), pytrace=False)
    if role == "admin":
        # The refused POST /logout did not end the session.
        assert client.get("/account").status_code == 200


def test_login_requires_the_csrf_token(client, make_user):
    user = make_user("enterprise")
    response = client.login(user.email, csrf=False)
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302  # not signed in

    assert client.login(user.email).status_code == 302
    assert client.get("/account").status_code == 200


def test_a_token_from_another_visitor_is_refused(client, make_client, make_user):
    """A page on another site cannot reuse a token it obtained for its own session."""
    user = make_user("researcher")
    attacker = make_client()
    stolen_token = attacker.csrf()

    response = client.post("/login", {"email": user.email, "password": PASSWORD, "csrf_token": stolen_token})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_a_signed_in_user_cannot_be_made_to_mark_notifications_read(client, make_user, query):
    """Cross-site POST to read-all (no token) changes nothing."""
    user = make_user("broker")

    def add(session):
        note = Notification(user_id=user.id, kind="account.welcome", params={"name": "x"})
        session.add(note)
        session.commit()
        return note.id

    note_id = query(add)
    assert client.login(user.email).status_code == 302
    response = client.post("/notifications/read-all", csrf=False)
    assert response.status_code == 400
    assert query(lambda s: s.get(Notification, note_id).read_at) is None
    assert client.post("/notifications/read-all").status_code == 302
    assert query(lambda s: s.get(Notification, note_id).read_at) is not None
