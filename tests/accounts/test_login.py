import sqlalchemy as sa

from webapp.accounts.models import UserSession


def test_login_then_logout_ends_the_session_for_a_copied_cookie(client, make_client, make_user):
    user = make_user("enterprise")
    assert client.login(user.email).status_code == 302
    assert client.get("/account").status_code == 200
    stolen = client.session_cookie()

    assert client.logout().status_code == 302

    thief = make_client()
    thief.http.set_cookie("session", stolen)
    response = thief.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_shows_a_message_and_no_login(client, make_user, query):
    user = make_user()
    response = client.login(user.email, "wrong-password-1")
    assert response.status_code == 200
    assert "不正确" in response.get_data(as_text=True) or "not correct" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    assert query(lambda s: s.scalar(sa.select(sa.func.count()).where(UserSession.user_id == user.id))) == 0
