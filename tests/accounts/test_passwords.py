import re

import sqlalchemy as sa

from tests.conftest import PASSWORD, read_mail
from webapp.accounts.models import UserSession


def test_changing_the_password_signs_out_copied_cookies_but_not_this_browser(client, make_client, make_user):
    user = make_user("broker")
    client.login(user.email)
    other_device = make_client()
    other_device.login(user.email)
    stolen = client.session_cookie()

    response = client.post(
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "new-pass-2026",
            "confirm": "new-pass-2026",
        },
    )

    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302
    thief = make_client()
    thief.http.set_cookie("session", stolen)
    assert thief.get("/account").status_code == 302
    assert make_client().login(user.email, "new-pass-2026").status_code == 302


def test_wrong_current_password_changes_nothing(client, make_user, make_client):
    user = make_user()
    client.login(user.email)
    response = client.post(
        "/account/password",
        {
            "current_password": "not-it-123",
            "password": "new-pass-2026",
            "confirm": "new-pass-2026",
        },
    )
    assert response.status_code == 200
    assert make_client().login(user.email, PASSWORD).status_code == 302


def test_reset_link_sets_a_new_password_once_and_ends_old_sessions(client, make_client, make_user, mailbox, query):
    user = make_user("expert")
    logged_in = make_client()
    logged_in.login(user.email)

    client.post("/password/forgot", {"email": user.email})
    _, body = read_mail(next(mailbox.glob("*.eml")))
    link = re.search(r"(/password/reset/\S+)", body).group(1)

    assert client.get(link).status_code == 200
    response = client.post(link, {"password": "reset-pass-77", "confirm": "reset-pass-77"})
    assert response.status_code == 302

    assert logged_in.get("/account").status_code == 302
    assert make_client().login(user.email, "reset-pass-77").status_code == 302
    again = client.post(link, {"password": "another-pass-88", "confirm": "another-pass-88"})
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]
    assert make_client().login(user.email, "another-pass-88").status_code == 200


def test_a_tampered_reset_token_is_refused(client, make_user):
    response = client.get("/password/reset/not-a-valid-token")
    assert response.status_code == 302 and "/password/forgot" in response.headers["Location"]


def test_deactivated_user_is_signed_out_and_cannot_log_in(client, make_client, make_user, query):
    admin = make_user("admin")
    victim = make_user("enterprise")
    victim_client = make_client()
    victim_client.login(victim.email)

    client.login(admin.email)
    response = client.post(f"/admin/users/{victim.id}", {"role": "enterprise", "organisation_id": 0})
    assert response.status_code == 302

    assert victim_client.get("/account").status_code == 302
    assert make_client().login(victim.email).status_code == 200
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).where(UserSession.user_id == victim.id))) == 0
