import sqlalchemy as sa

from webapp.notifications.models import Notification


def add_note(app, user, kind="account.welcome", link="/account", **params):
    from webapp.extensions import db
    from webapp.notifications.services import notify

    with app.app_context():
        from webapp.accounts.models import User

        note = notify(db.session.get(User, user.id), kind, link=link, email=False, **params)
        db.session.commit()
        return note.id


def test_unread_count_in_the_navbar_and_reading_clears_it(app, client, make_user, query):
    user = make_user("enterprise", name="周工")
    first = add_note(app, user, name="周工")
    add_note(app, user, name="周工")
    client.login(user.email)

    assert 'id="unread-count">2<' in client.get("/").get_data(as_text=True)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "周工" in page

    response = client.post(f"/notifications/{first}/open")
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert 'id="unread-count">1<' in client.get("/").get_data(as_text=True)

    client.post("/notifications/read-all")
    assert 'id="unread-count"' not in client.get("/").get_data(as_text=True)


def test_nobody_else_can_open_my_notification(app, client, make_user, query):
    owner = make_user()
    note = add_note(app, owner, name="x")
    intruder = make_user()
    client.login(intruder.email)
    assert client.post(f"/notifications/{note}/open").status_code == 404
    assert query(lambda s: s.get(Notification, note).read_at) is None


def test_notification_text_follows_the_reader_language(app, client, make_user):
    user = make_user(name="Ada")
    add_note(app, user, kind="account.password_changed")
    client.login(user.email)
    chinese = client.get("/notifications/").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/notifications/").get_data(as_text=True)
    assert "Your password was changed" in english
    assert "Your password was changed" not in chinese


def test_email_copy_goes_through_the_outbox(app, make_user, mailbox, query):
    user = make_user()
    with app.app_context():
        from webapp.accounts.models import User
        from webapp.extensions import db
        from webapp.notifications.services import notify

        notify(db.session.get(User, user.id), "account.password_changed")
        db.session.commit()
    assert len(list(mailbox.glob("*.eml"))) == 1
    assert (
        query(lambda s: s.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.user_id == user.id))) == 1
    )
