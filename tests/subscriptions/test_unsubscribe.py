"""One-click unsubscribe (RFC 8058): every e-mail carries a signed link and the List-Unsubscribe
headers; GET shows a button and changes nothing (mail scanners open links), POST — from the page or
from a mail client, with no session and no CSRF token — turns that e-mail off; a changed link is
refused with a page that says so."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.subscriptions.helpers import choose, mails, send, unsubscribe_link
from webapp.notifications import preferences
from webapp.notifications.models import Delivery, DigestPeriod


def choice(app, user, code: str) -> Delivery:
    from tests.subscriptions.helpers import reload

    with app.app_context():
        return preferences.choices_of(reload(user))[code]


def path_of(link: str) -> str:
    return urlsplit(link).path


def an_email(app, make_user, mailbox):
    user = make_user()
    send(app, user, "challenge.won", link="/challenges/1", title="电驱壳体")
    [(message, body)] = mails(mailbox, user.email)
    return user, message, body


def test_every_e_mail_has_the_one_click_headers_and_link(app, make_user, mailbox):
    _user, message, body = an_email(app, make_user, mailbox)
    link = unsubscribe_link(body)
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_opening_the_link_shows_a_button_and_changes_nothing(app, make_user, mailbox, make_client):
    user, _message, body = an_email(app, make_user, mailbox)
    anonymous = make_client()
    page = anonymous.get(path_of(unsubscribe_link(body)))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="unsubscribe-button"' in html and user.email in html
    assert choice(app, user, "challenges") is Delivery.INSTANT


def test_the_button_turns_that_e_mail_off_without_logging_in(app, make_user, mailbox, make_client):
    user, _message, body = an_email(app, make_user, mailbox)
    anonymous = make_client()
    page = anonymous.post(path_of(unsubscribe_link(body)), csrf=False)
    assert page.status_code == 200 and 'id="unsubscribe-done"' in page.get_data(as_text=True)
    assert choice(app, user, "challenges") is Delivery.APP
    assert choice(app, user, "deals") is Delivery.INSTANT  # only the e-mail it came from
    send(app, user, "challenge.won", link="/challenges/1", title="电驱壳体")
    assert len(mails(mailbox, user.email)) == 1  # in the app only now


def test_a_mail_client_posts_one_click_with_no_session_or_token(app, make_user, mailbox):
    user, message, _body = an_email(app, make_user, mailbox)
    http = app.test_client()
    response = http.post(
        path_of(message["List-Unsubscribe"].strip("<>")),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert choice(app, user, "challenges") is Delivery.APP


def test_a_digest_link_turns_that_digest_off(app, make_user):
    from tests.subscriptions.helpers import reload
    from webapp.notifications import unsubscribe

    user = make_user()
    choose(app, user, challenges="daily", deals="daily", listings="weekly")
    with app.app_context():
        link = unsubscribe.link(reload(user), unsubscribe.digest_scope(DigestPeriod.DAILY))
    app.test_client().post(path_of(link))
    assert choice(app, user, "challenges") is Delivery.APP and choice(app, user, "deals") is Delivery.APP
    assert choice(app, user, "listings") is Delivery.WEEKLY


@pytest.mark.parametrize("change", ["tamper", "other-user"])
def test_a_changed_link_is_refused_with_a_clear_page(app, make_user, mailbox, make_client, change):
    user, _message, body = an_email(app, make_user, mailbox)
    path = path_of(unsubscribe_link(body))
    if change == "tamper":
        path = path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb")
    else:
        token = path.rsplit("/", 1)[1]
        payload, signature = token.split(".")
        import base64
        import json

        data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        data["u"] += 1
        forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
        path = path.rsplit("/", 1)[0] + f"/{forged}.{signature}"
    client = make_client()
    for response in (client.get(path), client.post(path, csrf=False)):
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert 'id="unsubscribe-invalid"' in html and 'id="unsubscribe-button"' not in html
    assert choice(app, user, "challenges") is Delivery.INSTANT


def test_other_forms_still_need_their_csrf_token(app, make_user, make_client):
    user = make_user()
    client = make_client()
    client.login(user.email)
    response = client.post("/notifications/settings", {"delivery_deals": "off"}, csrf=False)
    assert response.status_code == 400


def test_a_message_queued_before_unsubscribe_links_is_still_delivered(app, mailbox):
    """Outbox rows written before the headers existed carry no `headers` argument."""
    app.extensions["celery"].tasks["notifications.send_email"].apply(
        kwargs={"to": "old@test.jiebang.cn", "subject": "旧邮件", "body": "正文", "message_key": "old-message"}
    )
    [(message, body)] = mails(mailbox, "old@test.jiebang.cn")
    assert body.strip() == "正文" and message["List-Unsubscribe"] is None
